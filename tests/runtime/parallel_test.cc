// parallel_for, parallel_for_each, parallel_reduce (parallel_sort: parallel_sort_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/pool_fixture.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/parallel_reduce.h"

namespace knot {
namespace {

using ParallelTest = testing::PoolTest;

// Every index is visited exactly once, with automatic and explicit grain.
TEST_P(ParallelTest, ForVisitsEachIndexOnce) {
  for (std::size_t grain : {0, 1, 7, 1000}) {
    std::vector<std::atomic<int>> hits(10007);
    pool().install([&] {
      parallel_for(
          std::size_t{0}, hits.size(), [&](std::size_t i) { hits[i]++; }, Grain{grain});
    });
    for (auto& h : hits)
      ASSERT_EQ(h.load(), 1) << "grain " << grain;
  }
}

// Piece form: f(lo, hi) covers the range without overlap; explicit grain bounds pieces.
TEST_P(ParallelTest, ForPiecesRespectGrain) {
  std::atomic<std::size_t> total{0};
  std::atomic<std::size_t> largest{0};
  pool().install([&] {
    parallel_for(
        0, 100000,
        [&](int lo, int hi) {
          total += static_cast<std::size_t>(hi - lo);
          std::size_t len = static_cast<std::size_t>(hi - lo);
          std::size_t cur = largest.load();
          while (len > cur && !largest.compare_exchange_weak(cur, len)) {
          }
        },
        Grain{500});
  });
  EXPECT_EQ(total.load(), 100000u);
  EXPECT_LE(largest.load(), 500u);
}

// Empty and reversed ranges do nothing; negative indices work.
TEST_P(ParallelTest, ForEdgeRanges) {
  std::atomic<int> calls{0};
  parallel_for(5, 5, [&](int) { calls++; });
  parallel_for(5, 2, [&](int) { calls++; });
  EXPECT_EQ(calls.load(), 0);
  std::atomic<long> sum{0};
  pool().install([&] { parallel_for(-100, 100, [&](int i) { sum += i; }); });
  EXPECT_EQ(sum.load(), -100);
}

// parallel_for_each over a vector and over an iterator pair.
TEST_P(ParallelTest, ForEach) {
  std::vector<int> v(5000);
  std::iota(v.begin(), v.end(), 0);
  pool().install([&] { parallel_for_each(v, [](int& x) { x *= 2; }); });
  for (int i = 0; i < 5000; ++i)
    ASSERT_EQ(v[i], 2 * i);
  pool().install([&] { parallel_for_each(v.begin(), v.begin() + 10, [](int& x) { x = -1; }); });
  EXPECT_EQ(std::count(v.begin(), v.end(), -1), 10);
}

// An exception in one iteration reaches the caller.
TEST_P(ParallelTest, ForRethrows) {
  EXPECT_THROW(pool().install([] {
    parallel_for(0, 10000, [](int i) {
      if (i == 7777)
        throw std::out_of_range("7777");
    });
  }),
               std::out_of_range);
}

// Sums by both map forms match the closed form.
TEST_P(ParallelTest, ReduceSums) {
  std::uint64_t n = 1'000'000;
  auto by_index = pool().install([&] {
    return parallel_reduce(
        std::uint64_t{0}, n, std::uint64_t{0}, [](std::uint64_t i) { return i; },
        [](std::uint64_t a, std::uint64_t b) { return a + b; });
  });
  EXPECT_EQ(by_index, n * (n - 1) / 2);
  auto by_piece = pool().install([&] {
    return parallel_reduce(
        std::uint64_t{0}, n, std::uint64_t{0},
        [](std::uint64_t lo, std::uint64_t hi, std::uint64_t acc) {
          for (auto i = lo; i < hi; ++i)
            acc += i;
          return acc;
        },
        [](std::uint64_t a, std::uint64_t b) { return a + b; }, Grain{1000});
  });
  EXPECT_EQ(by_piece, n * (n - 1) / 2);
}

// A non-commutative reduce keeps index order.
TEST_P(ParallelTest, ReduceKeepsOrder) {
  auto s = pool().install([] {
    return parallel_reduce(
        0, 200, std::string(), [](int i) { return std::to_string(i % 10); },
        [](std::string a, const std::string& b) { return a + b; });
  });
  std::string expected;
  for (int i = 0; i < 200; ++i)
    expected += std::to_string(i % 10);
  EXPECT_EQ(s, expected);
}

// Empty range gives the identity.
TEST_P(ParallelTest, ReduceEmpty) {
  EXPECT_EQ(parallel_reduce(
                3, 3, 99, [](int) { return 1; }, [](int a, int b) { return a + b; }),
            99);
}

KNOT_INSTANTIATE_POOL_TEST(ParallelTest);

}  // namespace
}  // namespace knot
