// parallel_sort: every input shape a quicksort can stumble on, element types
// that take the branchless partition and the generic one, comparators that
// throw, and a stress test with random sizes and distributions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/parallel_sort.h"

namespace knot {
namespace {

using ParallelSortTest = testing::PoolTest;

enum class Shape {
  kRandom,
  kFewDistinct,
  kAllEqual,
  kSorted,
  kReversed,
  kOrganPipe,
  kSawtooth,
  kSortedWithNoise,
  kSortedThenSmallest,
};

const char* name(Shape s) {
  switch (s) {
    case Shape::kRandom:
      return "random";
    case Shape::kFewDistinct:
      return "few distinct";
    case Shape::kAllEqual:
      return "all equal";
    case Shape::kSorted:
      return "sorted";
    case Shape::kReversed:
      return "reversed";
    case Shape::kOrganPipe:
      return "organ pipe";
    case Shape::kSawtooth:
      return "sawtooth";
    case Shape::kSortedWithNoise:
      return "sorted with noise";
    case Shape::kSortedThenSmallest:
      return "sorted, then the smallest";
  }
  return "?";
}

constexpr Shape kShapes[] = {Shape::kRandom,   Shape::kFewDistinct,     Shape::kAllEqual,
                             Shape::kSorted,   Shape::kReversed,        Shape::kOrganPipe,
                             Shape::kSawtooth, Shape::kSortedWithNoise, Shape::kSortedThenSmallest};

std::vector<std::uint64_t> make_input(Shape shape, std::size_t n, std::mt19937_64& rng) {
  std::vector<std::uint64_t> v(n);
  switch (shape) {
    case Shape::kRandom:
      for (auto& x : v)
        x = rng();
      break;
    case Shape::kFewDistinct:
      for (auto& x : v)
        x = rng() % 4;
      break;
    case Shape::kAllEqual:
      std::fill(v.begin(), v.end(), 7);
      break;
    case Shape::kSorted:
      std::iota(v.begin(), v.end(), 0);
      break;
    case Shape::kReversed:
      std::iota(v.rbegin(), v.rend(), 0);
      break;
    case Shape::kOrganPipe:
      for (std::size_t i = 0; i < n; ++i)
        v[i] = std::min(i, n - 1 - i);
      break;
    case Shape::kSawtooth:
      for (std::size_t i = 0; i < n; ++i)
        v[i] = i % 1000;
      break;
    case Shape::kSortedWithNoise:
      std::iota(v.begin(), v.end(), 0);
      for (std::size_t i = 0; n > 1 && i < n / 100 + 1; ++i)
        std::swap(v[rng() % n], v[rng() % n]);
      break;
    case Shape::kSortedThenSmallest:
      std::iota(v.begin(), v.end(), 1);
      if (n > 0)
        v[n - 1] = 0;
      break;
  }
  return v;
}

// Every shape and size around the thresholds matches std::sort, ascending
// and descending (descending takes the branchless partition too).
TEST_P(ParallelSortTest, EveryShapeMatchesStdSort) {
  std::mt19937_64 rng(1);
  for (Shape shape : kShapes) {
    for (std::size_t n : {0, 1, 2, 3, 23, 24, 25, 129, 1000, 8191, 8193, 50000, 400000}) {
      auto v = make_input(shape, n, rng);
      auto expected = v;
      std::sort(expected.begin(), expected.end());
      auto descending = v;
      pool().install([&] { parallel_sort(v); });
      ASSERT_EQ(v, expected) << name(shape) << " n=" << n;
      pool().install([&] { parallel_sort(descending, std::greater<>()); });
      std::reverse(expected.begin(), expected.end());
      ASSERT_EQ(descending, expected) << name(shape) << " n=" << n << " descending";
    }
  }
}

// Doubles, signed integers and a comparator that is not a standard one (the
// generic partition) give the same order as std::sort.
TEST_P(ParallelSortTest, OtherElementTypesAndComparators) {
  std::mt19937_64 rng(2);
  std::vector<double> d(200000);
  for (auto& x : d)
    x = std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
  auto expected_d = d;
  std::sort(expected_d.begin(), expected_d.end());
  pool().install([&] { parallel_sort(d); });
  EXPECT_EQ(d, expected_d);

  std::vector<int> ints(200000);
  for (auto& x : ints)
    x = static_cast<int>(rng() % 2001) - 1000;
  auto by_abs = [](int a, int b) { return std::abs(a) < std::abs(b); };
  pool().install([&] { parallel_sort(ints.begin(), ints.end(), by_abs); });
  EXPECT_TRUE(std::is_sorted(ints.begin(), ints.end(), by_abs));
}

struct Record {
  std::uint32_t key;
  std::string payload;
  bool operator==(const Record&) const = default;
};

// A struct with a non-trivial member, by key: a permutation of the input,
// sorted by key (equal keys in any order).
TEST_P(ParallelSortTest, StructsByKey) {
  std::mt19937_64 rng(3);
  std::vector<Record> v(100000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = {static_cast<std::uint32_t>(rng() % 5000), std::to_string(i)};
  auto by_key = [](const Record& a, const Record& b) { return a.key < b.key; };
  auto by_payload = [](const Record& a, const Record& b) { return a.payload < b.payload; };
  auto expected = v;
  pool().install([&] { parallel_sort(v.begin(), v.end(), by_key); });
  ASSERT_TRUE(std::is_sorted(v.begin(), v.end(), by_key));
  std::sort(v.begin(), v.end(), by_payload);
  std::sort(expected.begin(), expected.end(), by_payload);
  EXPECT_EQ(v, expected);
}

struct CompareError : std::runtime_error {
  CompareError() : std::runtime_error("compare failed") {}
};

// A comparator that throws after k calls: the exception reaches the caller
// and the range still holds exactly its elements (no element is lost or
// duplicated), for throws early, in the partitions, and in the leaves.
TEST_P(ParallelSortTest, ThrowingComparatorKeepsAPermutation) {
  std::mt19937_64 rng(4);
  for (std::size_t n : {20, 100, 5000, 100000}) {
    for (long throw_after : {0L, 7L, 1000L, 300000L}) {
      std::vector<std::string> v(n);
      for (auto& s : v)
        s = std::to_string(rng() % (n / 2 + 1));
      auto sorted_input = v;
      std::sort(sorted_input.begin(), sorted_input.end());
      std::atomic<long> calls{0};
      auto comp = [&](const std::string& a, const std::string& b) {
        if (calls.fetch_add(1, std::memory_order_relaxed) >= throw_after)
          throw CompareError();
        return a < b;
      };
      bool threw = false;
      try {
        pool().install([&] { parallel_sort(v.begin(), v.end(), comp); });
      } catch (const CompareError&) {
        threw = true;
      }
      EXPECT_EQ(threw, calls.load() > throw_after) << "n=" << n << " after " << throw_after;
      std::sort(v.begin(), v.end());
      ASSERT_EQ(v, sorted_input) << "n=" << n << " after " << throw_after;
    }
  }
}

// McIlroy's adversary ("A Killer Adversary for Quicksort", 1999): a
// comparator that fixes the elements' values only as the sort compares them,
// so that every pivot turns out to be nearly the smallest element. Without
// the heapsort fallback this sort does 830M comparisons here (quadratic);
// with it the count stays O(n log n). The comparator has state, so the sort
// runs on this thread; it calls the sort below parallel_sort()'s
// already-sorted check, which the adversary would answer with "sorted".
TEST(ParallelSortAdversaryTest, KillerAdversaryStaysNLogN) {
  testing::Deadline deadline(std::chrono::seconds(60));
  constexpr std::size_t kN = 100000;
  const std::size_t gas = kN;  // larger than every frozen value
  std::vector<std::size_t> value(kN, gas);
  std::vector<std::size_t> items(kN);
  std::iota(items.begin(), items.end(), 0);
  std::size_t frozen = 0;
  std::size_t candidate = kN;  // none
  std::uint64_t comparisons = 0;
  auto comp = [&](std::size_t x, std::size_t y) {
    ++comparisons;
    if (value[x] == gas && value[y] == gas)
      value[x == candidate ? x : y] = frozen++;
    if (value[x] == gas)
      candidate = x;
    else if (value[y] == gas)
      candidate = y;
    return value[x] < value[y];
  };
  detail::sort_on_this_thread(items.begin(), items.end(), comp,
                              std::numeric_limits<std::ptrdiff_t>::max());
  EXPECT_TRUE(std::is_sorted(items.begin(), items.end(),
                             [&](std::size_t x, std::size_t y) { return value[x] < value[y]; }));
  // n log2 n is 1.7M.
  EXPECT_LT(comparisons, 10 * kN * 17) << comparisons;
}

// Called from a thread outside any pool, parallel_sort runs on the global pool.
TEST(ParallelSortOffPoolTest, StringsOffPool) {
  std::mt19937 rng(7);
  std::vector<std::string> v(50000);
  for (auto& s : v)
    s = std::to_string(rng());
  auto expected = v;
  std::sort(expected.begin(), expected.end());
  parallel_sort(v);
  EXPECT_EQ(v, expected);
}

// Stress: random sizes, shapes and value ranges, many rounds, checked
// against std::sort.
TEST_P(ParallelSortTest, StressRandomInputs) {
  std::mt19937_64 rng(std::random_device{}());
  for (int round = 0; round < 60; ++round) {
    Shape shape = kShapes[rng() % std::size(kShapes)];
    std::size_t n = rng() % (round % 10 == 0 ? 1000000 : 70000);
    auto v = make_input(shape, n, rng);
    std::uint64_t range = std::uint64_t{1} << (rng() % 64);
    if (shape == Shape::kRandom)
      for (auto& x : v)
        x %= range;
    auto expected = v;
    std::sort(expected.begin(), expected.end());
    pool().install([&] { parallel_sort(v); });
    ASSERT_EQ(v, expected) << name(shape) << " n=" << n << " round " << round;
  }
}

KNOT_INSTANTIATE_POOL_TEST(ParallelSortTest);

}  // namespace
}  // namespace knot
