// The range algorithms (knot/runtime/algorithms.h) against the sequential
// standard algorithms, over sizes around the piece boundaries, several pool
// sizes and grains; determinism of non-associative reductions and scans
// across pool sizes; find_if's early exit; exceptions; invoke.
#include "knot/runtime/algorithms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using knot::testing::Deadline;
using namespace std::chrono_literals;

const std::size_t kSizes[] = {0, 1, 2, 3, 511, 512, 513, 1000, 4097, 100003};
const std::size_t kThreads[] = {1, 2, 4};
const Grain kGrains[] = {Grain{}, Grain{1}, Grain{7}, Grain{1000}};

std::vector<std::int64_t> random_values(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int64_t> dist(-1000, 1000);
  std::vector<std::int64_t> v(n);
  for (auto& x : v)
    x = dist(rng);
  return v;
}

// Runs `check` on pools of each size, for each grain.
template <class Check>
void on_every_pool(Check check) {
  for (std::size_t threads : kThreads) {
    ThreadPool pool(PoolOptions{.num_threads = threads, .name = "algorithms"});
    for (Grain grain : kGrains) {
      pool.install([&] { check(grain, threads); });
    }
  }
}

TEST(AlgorithmsTest, TransformMatchesTheSequentialOne) {
  Deadline deadline(120s);
  on_every_pool([](Grain grain, std::size_t threads) {
    for (std::size_t n : kSizes) {
      const auto v = random_values(n, static_cast<std::uint32_t>(n));
      std::vector<std::int64_t> got(n), want(n);
      auto end = knot::transform(
          v.begin(), v.end(), got.begin(), [](std::int64_t x) { return 3 * x + 1; }, grain);
      std::transform(v.begin(), v.end(), want.begin(), [](std::int64_t x) { return 3 * x + 1; });
      EXPECT_EQ(end, got.end());
      EXPECT_EQ(got, want) << "n " << n << " threads " << threads;
      // Binary form, and the range form.
      knot::transform(
          v.begin(), v.end(), want.begin(), got.begin(),
          [](std::int64_t a, std::int64_t b) { return a - b; }, grain);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(got[i], v[i] - want[i]);
      knot::transform(
          v, got.begin(), [](std::int64_t x) { return -x; }, grain);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(got[i], -v[i]);
    }
  });
}

TEST(AlgorithmsTest, ReductionsMatchTheSequentialOnes) {
  Deadline deadline(120s);
  on_every_pool([](Grain grain, std::size_t threads) {
    for (std::size_t n : kSizes) {
      const auto v = random_values(n, static_cast<std::uint32_t>(n + 7));
      const std::int64_t want = std::transform_reduce(
          v.begin(), v.end(), std::int64_t{5}, std::plus<>{}, [](std::int64_t x) { return x * x; });
      EXPECT_EQ(knot::transform_reduce(
                    v.begin(), v.end(), std::int64_t{5}, std::plus<>{},
                    [](std::int64_t x) { return x * x; }, grain),
                want)
          << "n " << n << " threads " << threads;
      auto positive = [](std::int64_t x) { return x > 0; };
      EXPECT_EQ(knot::count_if(v, positive, grain), std::count_if(v.begin(), v.end(), positive));
      EXPECT_EQ(knot::min_element(v.begin(), v.end(), std::less<>{}, grain),
                std::min_element(v.begin(), v.end()))
          << "n " << n;
      EXPECT_EQ(knot::max_element(v.begin(), v.end(), std::less<>{}, grain),
                std::max_element(v.begin(), v.end()))
          << "n " << n;
    }
  });
}

// Non-commutative reduce: pieces combine in index order.
TEST(AlgorithmsTest, ReductionKeepsIndexOrder) {
  Deadline deadline(60s);
  std::vector<int> v(3000);
  std::iota(v.begin(), v.end(), 0);
  on_every_pool([&](Grain grain, std::size_t) {
    const std::string got = knot::transform_reduce(
        v, std::string("<"), [](std::string a, const std::string& b) { return a + b; },
        [](int x) { return std::string(1, static_cast<char>('a' + x % 26)); }, grain);
    std::string want = "<";
    for (int x : v)
      want += static_cast<char>('a' + x % 26);
    EXPECT_EQ(got, want);
  });
}

// min/max_element return the first of equal elements, as std's do.
TEST(AlgorithmsTest, MinAndMaxTakeTheFirstOfEquals) {
  Deadline deadline(60s);
  std::vector<int> v(5000, 7);
  v[1234] = 1;
  v[4321] = 1;
  v[2000] = 9;
  v[4999] = 9;
  on_every_pool([&](Grain grain, std::size_t) {
    EXPECT_EQ(knot::min_element(v, std::less<>{}, grain) - v.begin(), 1234);
    EXPECT_EQ(knot::max_element(v, std::less<>{}, grain) - v.begin(), 2000);
  });
  std::vector<int> flat(2000, 3);
  EXPECT_EQ(knot::min_element(flat) - flat.begin(), 0);
  EXPECT_EQ(knot::max_element(flat) - flat.begin(), 0);
  std::vector<int> none;
  EXPECT_EQ(knot::min_element(none), none.end());
}

// Floating-point sums and scans: the same bits on every pool size and run.
TEST(AlgorithmsTest, NonAssociativeResultsDoNotDependOnThePool) {
  Deadline deadline(120s);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1e6f, 1e6f);
  std::vector<float> v(200000);
  for (float& x : v)
    x = dist(rng);
  std::optional<float> sum;
  std::vector<float> scan_first;
  for (std::size_t threads : {1, 2, 3, 4, 8}) {
    ThreadPool pool(PoolOptions{.num_threads = threads});
    for (int run = 0; run < 5; ++run) {
      const float s = pool.install([&] {
        return knot::transform_reduce(v, 0.0f, std::plus<>{}, [](float x) { return x; });
      });
      if (!sum)
        sum = s;
      EXPECT_EQ(std::bit_cast<std::uint32_t>(s), std::bit_cast<std::uint32_t>(*sum))
          << "threads " << threads;
      // Inclusive then exclusive, side by side: the scan's own thread and
      // its helpers meet at a different piece on every run.
      std::vector<float> scanned(2 * v.size());
      pool.install([&] {
        knot::inclusive_scan(v.begin(), v.end(), scanned.begin());
        knot::exclusive_scan(v.begin(), v.end(), scanned.begin() + std::ssize(v), 0.5f);
      });
      if (scan_first.empty())
        scan_first = scanned;
      EXPECT_TRUE(std::equal(scanned.begin(), scanned.end(), scan_first.begin(),
                             [](float a, float b) {
                               return std::bit_cast<std::uint32_t>(a) ==
                                      std::bit_cast<std::uint32_t>(b);
                             }))
          << "threads " << threads;
    }
  }
}

TEST(AlgorithmsTest, ScansMatchTheSequentialOnes) {
  Deadline deadline(120s);
  on_every_pool([](Grain grain, std::size_t threads) {
    for (std::size_t n : kSizes) {
      const auto v = random_values(n, static_cast<std::uint32_t>(n + 1));
      std::vector<std::int64_t> got(n), want(n);
      auto end = knot::inclusive_scan(v.begin(), v.end(), got.begin(), std::plus<>{}, grain);
      std::inclusive_scan(v.begin(), v.end(), want.begin());
      EXPECT_EQ(end, got.end());
      EXPECT_EQ(got, want) << "inclusive, n " << n << " threads " << threads;
      knot::inclusive_scan(v.begin(), v.end(), got.begin(), std::plus<>{}, std::int64_t{100},
                           grain);
      std::inclusive_scan(v.begin(), v.end(), want.begin(), std::plus<>{}, std::int64_t{100});
      EXPECT_EQ(got, want) << "inclusive with init, n " << n;
      knot::exclusive_scan(v.begin(), v.end(), got.begin(), std::int64_t{-3}, std::plus<>{}, grain);
      std::exclusive_scan(v.begin(), v.end(), want.begin(), std::int64_t{-3});
      EXPECT_EQ(got, want) << "exclusive, n " << n;
      // In place.
      std::vector<std::int64_t> in_place = v;
      knot::exclusive_scan(in_place, in_place.begin(), std::int64_t{0}, std::plus<>{}, grain);
      std::exclusive_scan(v.begin(), v.end(), want.begin(), std::int64_t{0});
      EXPECT_EQ(in_place, want) << "exclusive in place, n " << n;
      in_place = v;
      knot::inclusive_scan(in_place, in_place.begin(), std::plus<>{}, grain);
      std::inclusive_scan(v.begin(), v.end(), want.begin());
      EXPECT_EQ(in_place, want) << "inclusive in place, n " << n;
    }
  });
}

// A scan with a non-commutative operation keeps the order.
TEST(AlgorithmsTest, ScanOfStringsKeepsOrder) {
  Deadline deadline(60s);
  std::vector<std::string> v;
  for (int i = 0; i < 1500; ++i)
    v.push_back(std::string(1, static_cast<char>('a' + i % 26)));
  std::vector<std::string> got(v.size()), want(v.size());
  knot::inclusive_scan(v.begin(), v.end(), got.begin(), std::plus<>{}, Grain{64});
  std::inclusive_scan(v.begin(), v.end(), want.begin(), std::plus<>{});
  EXPECT_EQ(got, want);
}

TEST(AlgorithmsTest, FilteringKeepsOrderAndCallsPredOnce) {
  Deadline deadline(120s);
  on_every_pool([](Grain grain, std::size_t threads) {
    for (std::size_t n : kSizes) {
      const auto v = random_values(n, static_cast<std::uint32_t>(n + 3));
      std::atomic<std::size_t> calls{0};
      auto even = [&](std::int64_t x) {
        calls.fetch_add(1, std::memory_order_relaxed);
        return x % 2 == 0;
      };
      std::vector<std::int64_t> got(n, 99), want;
      auto end = knot::copy_if(v.begin(), v.end(), got.begin(), even, grain);
      std::copy_if(v.begin(), v.end(), std::back_inserter(want),
                   [](std::int64_t x) { return x % 2 == 0; });
      EXPECT_EQ(calls.load(), n);
      ASSERT_EQ(static_cast<std::size_t>(end - got.begin()), want.size());
      got.resize(want.size());
      EXPECT_EQ(got, want) << "n " << n << " threads " << threads;

      std::vector<std::int64_t> yes(n), no(n), want_yes, want_no;
      auto [yes_end, no_end] = knot::partition_copy(
          v.begin(), v.end(), yes.begin(), no.begin(), [](std::int64_t x) { return x < 0; }, grain);
      std::partition_copy(v.begin(), v.end(), std::back_inserter(want_yes),
                          std::back_inserter(want_no), [](std::int64_t x) { return x < 0; });
      yes.resize(static_cast<std::size_t>(yes_end - yes.begin()));
      no.resize(static_cast<std::size_t>(no_end - no.begin()));
      EXPECT_EQ(yes, want_yes);
      EXPECT_EQ(no, want_no);
    }
  });
}

TEST(AlgorithmsTest, FindIfFindsTheFirstMatch) {
  Deadline deadline(120s);
  on_every_pool([](Grain grain, std::size_t threads) {
    for (std::size_t n : kSizes) {
      if (n == 0) {
        std::vector<int> none;
        EXPECT_EQ(knot::find_if(
                      none, [](int) { return true; }, grain),
                  none.end());
        continue;
      }
      for (std::size_t at : {std::size_t{0}, n / 3, n - 1}) {
        std::vector<int> v(n, 0);
        v[at] = 1;
        if (at + 1 < n)
          v[n - 1] = 1;  // a later match too
        auto it = knot::find_if(
            v, [](int x) { return x == 1; }, grain);
        EXPECT_EQ(it - v.begin(), static_cast<std::ptrdiff_t>(at))
            << "n " << n << " threads " << threads;
      }
      std::vector<int> zeros(n, 0);
      auto is_one = [](int x) { return x == 1; };
      EXPECT_FALSE(knot::any_of(zeros, is_one, grain));
      EXPECT_TRUE(knot::none_of(zeros, is_one, grain));
      EXPECT_TRUE(knot::all_of(
          zeros, [](int x) { return x == 0; }, grain));
      zeros[n / 2] = 1;
      EXPECT_TRUE(knot::any_of(zeros, is_one, grain));
      EXPECT_FALSE(knot::none_of(zeros, is_one, grain));
      EXPECT_FALSE(knot::all_of(
          zeros, [](int x) { return x == 0; }, grain));
    }
  });
}

// A match stops the search. On one worker, pieces run left to right and
// the predicate runs up to the match only. On several, how far the others
// got before the match was published depends on the schedule (figures in
// docs/benchmarks.md); what holds on any schedule: the piece with the match
// stops at it, so not every element is tested.
TEST(AlgorithmsTest, FindIfStopsEarly) {
  Deadline deadline(60s);
  const std::size_t n = std::size_t{1} << 22;
  std::vector<int> v(n, 0);
  v[10] = 1;
  for (std::size_t threads : kThreads) {
    ThreadPool pool(PoolOptions{.num_threads = threads});
    std::atomic<std::size_t> calls{0};
    auto it = pool.install([&] {
      return knot::find_if(v, [&](int x) {
        calls.fetch_add(1, std::memory_order_relaxed);
        return x == 1;
      });
    });
    EXPECT_EQ(it - v.begin(), 10);
    if (threads == 1) {
      EXPECT_EQ(calls.load(), 11u);
    } else {
      EXPECT_LT(calls.load(), n) << "threads " << threads;
    }
  }
}

TEST(AlgorithmsTest, ExceptionsAreRethrown) {
  Deadline deadline(60s);
  std::vector<int> v(10000, 1);
  v[7777] = -1;
  auto boom = [](int x) {
    if (x < 0)
      throw std::runtime_error("negative");
    return x;
  };
  on_every_pool([&](Grain grain, std::size_t) {
    EXPECT_THROW(knot::transform_reduce(v, 0, std::plus<>{}, boom, grain), std::runtime_error);
    std::vector<int> out(v.size());
    EXPECT_THROW(knot::transform(v, out.begin(), boom, grain), std::runtime_error);
    EXPECT_THROW(knot::copy_if(
                     v, out.begin(), [&](int x) { return boom(x) > 0; }, grain),
                 std::runtime_error);
    EXPECT_THROW(knot::find_if(
                     v, [&](int x) { return boom(x) > 5; }, grain),
                 std::runtime_error);
    EXPECT_THROW(knot::inclusive_scan(
                     v, out.begin(), [&](int a, int b) { return boom(a) + boom(b); }, grain),
                 std::runtime_error);
  });
}

// A range whose elements are proxies returned by value (std::vector<bool>),
// not references.
TEST(AlgorithmsTest, RangesOfProxies) {
  Deadline deadline(60s);
  std::vector<bool> bits(100000, false);
  for (std::size_t i = 0; i < bits.size(); i += 3)
    bits[i] = true;
  EXPECT_EQ(knot::transform_reduce(bits, std::int64_t{0}, std::plus<>{},
                                   [](bool b) { return std::int64_t{b ? 1 : 0}; }),
            33334);
  EXPECT_EQ(knot::count_if(bits, [](bool b) { return !b; }), 66666);
  EXPECT_EQ(knot::max_element(bits) - bits.begin(), 0);  // the first true
  EXPECT_EQ(knot::min_element(bits) - bits.begin(), 1);  // the first false
  EXPECT_EQ(knot::find_if(bits.begin() + 1, bits.end(), [](bool b) { return b; }) - bits.begin(),
            3);
  // Into bytes: bits of one word written from two workers would race.
  std::vector<char> flipped(bits.size());
  knot::transform(bits, flipped.begin(), [](bool b) { return static_cast<char>(!b); });
  for (std::size_t i = 0; i < bits.size(); ++i)
    ASSERT_NE(flipped[i] != 0, bits[i]) << i;
}

TEST(AlgorithmsTest, InvokeRunsEveryClosure) {
  Deadline deadline(60s);
  knot::invoke();
  std::atomic<int> ran{0};
  knot::invoke([&] { ran += 1; });
  EXPECT_EQ(ran.load(), 1);
  ThreadPool pool(PoolOptions{.num_threads = 4});
  std::vector<int> slots(7, 0);
  pool.install([&] {
    knot::invoke([&] { slots[0] = 1; }, [&] { slots[1] = 2; }, [&] { slots[2] = 3; },
                 [&] { slots[3] = 4; }, [&] { slots[4] = 5; }, [&] { slots[5] = 6; },
                 [&] { slots[6] = 7; });
  });
  EXPECT_EQ(slots, (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  // Nested, and off-pool (the global pool).
  knot::invoke([&] { knot::invoke([&] { ran += 1; }, [&] { ran += 1; }); }, [&] { ran += 1; });
  EXPECT_EQ(ran.load(), 4);
  EXPECT_THROW(knot::invoke([] {}, [] { throw std::logic_error("x"); }, [] {}), std::logic_error);
}

// ScanFrontier (the scans' hand-out of pieces from both ends), raced by
// threads taking from the left and from the right at once, many rounds of
// random sizes: every piece is taken exactly once, each taker gets its
// pieces in its end's order, and the two ends never cross.
TEST(AlgorithmsTest, ScanFrontierHandsOutEachPieceOnce) {
  Deadline deadline(120s);
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    const std::size_t count = 1 + rng() % 2000;
    const int takers = 2 + static_cast<int>(rng() % 4);
    knot::detail::ScanFrontier frontier(count);
    std::vector<std::vector<std::size_t>> taken(static_cast<std::size_t>(takers));
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int t = 0; t < takers; ++t) {
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < takers) {
        }
        auto& mine = taken[static_cast<std::size_t>(t)];
        while (const auto p = t % 2 == 0 ? frontier.take_left() : frontier.take_right())
          mine.push_back(*p);
      });
    }
    for (auto& th : threads)
      th.join();
    std::vector<int> times(count, 0);
    std::size_t max_left = 0;
    std::size_t min_right = count;
    for (int t = 0; t < takers; ++t) {
      const auto& mine = taken[static_cast<std::size_t>(t)];
      for (std::size_t i = 0; i < mine.size(); ++i) {
        ASSERT_LT(mine[i], count);
        ++times[mine[i]];
        if (i > 0) {
          if (t % 2 == 0)
            ASSERT_GT(mine[i], mine[i - 1]) << "left takers go left to right";
          else
            ASSERT_LT(mine[i], mine[i - 1]) << "right takers go right to left";
        }
        if (t % 2 == 0)
          max_left = std::max(max_left, mine[i] + 1);
        else
          min_right = std::min(min_right, mine[i]);
      }
    }
    for (std::size_t p = 0; p < count; ++p)
      ASSERT_EQ(times[p], 1) << "piece " << p << " of " << count << ", round " << round;
    EXPECT_EQ(max_left, min_right) << "the ends meet where they crossed nothing";
    EXPECT_FALSE(frontier.take_left().has_value());
    EXPECT_FALSE(frontier.take_right().has_value());
  }
}

// Stress for find_if's in-order hand-out: random sizes, grains, pools and
// match positions (none, one, several); the first match wins on every
// schedule, and a predicate that throws before the first match always
// throws (its piece starts before any match can stop the hand-out).
TEST(AlgorithmsTest, StressFindIfFirstMatchAndThrows) {
  Deadline deadline(240s);
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    const std::size_t threads = 1 + rng() % 6;
    const std::size_t n = 1 + rng() % 50000;
    const Grain grain{rng() % 3 == 0 ? 0 : 1 + rng() % 2000};
    std::vector<int> v(n, 0);
    const std::size_t matches = rng() % 4;
    for (std::size_t k = 0; k < matches; ++k)
      v[rng() % n] = 1;
    const auto want = std::find(v.begin(), v.end(), 1) - v.begin();
    ThreadPool pool(PoolOptions{.num_threads = threads});
    pool.install([&] {
      const auto got = knot::find_if(
                           v, [](int x) { return x == 1; }, grain) -
                       v.begin();
      ASSERT_EQ(got, want) << "round " << round << " n " << n << " threads " << threads;
      const auto throw_at = static_cast<std::ptrdiff_t>(rng() % n);
      auto tested = [&](const int& x) {
        if (&x - v.data() == throw_at)
          throw std::runtime_error("boom");
        return x == 1;
      };
      if (throw_at <= want) {  // at or before the first match (or there is none)
        EXPECT_THROW(knot::find_if(v, tested, grain), std::runtime_error) << "round " << round;
      } else {
        try {
          EXPECT_EQ(knot::find_if(v, tested, grain) - v.begin(), want) << "round " << round;
        } catch (const std::runtime_error&) {
          // a piece after the match was already running: allowed
        }
      }
    });
  }
}

// Stress: random sizes, grains and pools, all algorithms against std.
TEST(AlgorithmsTest, StressRandomShapes) {
  Deadline deadline(240s);
  std::mt19937 rng(7);
  for (int round = 0; round < 60; ++round) {
    const std::size_t threads = 1 + rng() % 6;
    const std::size_t n = rng() % 20000;
    const Grain grain{rng() % 3 == 0 ? 0 : 1 + rng() % 3000};
    const auto v = random_values(n, static_cast<std::uint32_t>(rng()));
    ThreadPool pool(PoolOptions{.num_threads = threads});
    pool.install([&] {
      std::vector<std::int64_t> got(n), want(n);
      knot::inclusive_scan(v.begin(), v.end(), got.begin(), std::plus<>{}, grain);
      std::inclusive_scan(v.begin(), v.end(), want.begin());
      ASSERT_EQ(got, want) << "round " << round;
      auto small = [](std::int64_t x) { return x < -900; };
      auto end = knot::copy_if(v.begin(), v.end(), got.begin(), small, grain);
      auto want_end = std::copy_if(v.begin(), v.end(), want.begin(), small);
      ASSERT_EQ(end - got.begin(), want_end - want.begin());
      ASSERT_TRUE(std::equal(got.begin(), end, want.begin()));
      ASSERT_EQ(knot::find_if(v.begin(), v.end(), small, grain),
                std::find_if(v.begin(), v.end(), small));
      ASSERT_EQ(knot::transform_reduce(
                    v.begin(), v.end(), std::int64_t{0}, std::plus<>{},
                    [](std::int64_t x) { return x; }, grain),
                std::accumulate(v.begin(), v.end(), std::int64_t{0}));
    });
  }
}

}  // namespace
}  // namespace knot
