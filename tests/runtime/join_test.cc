// join: results, exceptions, stealing and deep recursion.
#include "knot/runtime/join.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "common/pool_fixture.h"

namespace knot {
namespace {

using JoinTest = testing::PoolTest;

long fib(int n) {
  if (n < 2)
    return n;
  auto [a, b] = join([&] { return fib(n - 1); }, [&] { return fib(n - 2); });
  return a + b;
}

// join returns both values.
TEST_P(JoinTest, ReturnsBothValues) {
  auto [a, b] =
      pool().install([] { return join([] { return 1; }, [] { return std::string("x"); }); });
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, "x");
}

// Void closures make a void join; mixed ones give Unit for the void side.
TEST_P(JoinTest, VoidAndMixed) {
  int x = 0, y = 0;
  pool().install([&] { join([&] { x = 1; }, [&] { y = 2; }); });
  EXPECT_EQ(x + y, 3);
  auto [u, v] = pool().install([] { return join([] {}, [] { return 5; }); });
  (void)u;
  EXPECT_EQ(v, 5);
}

// Recursive fork-join computes the right answer on any pool size.
TEST_P(JoinTest, RecursiveFib) {
  EXPECT_EQ(pool().install([] { return fib(25); }), 75025);
}

// Exceptions from either side are rethrown after both sides finished.
TEST_P(JoinTest, ExceptionFromEitherSide) {
  std::atomic<bool> other_ran{false};
  EXPECT_THROW(pool().install([&] {
    join([]() { throw std::runtime_error("a"); }, [&] { other_ran = true; });
  }),
               std::runtime_error);
  EXPECT_TRUE(other_ran.load());
  other_ran = false;
  EXPECT_THROW(pool().install(
                   [&] { join([&] { other_ran = true; }, []() { throw std::logic_error("b"); }); }),
               std::logic_error);
  EXPECT_TRUE(other_ran.load());
}

// When both throw, b's exception wins (b ran first on the calling thread).
TEST_P(JoinTest, BothThrowRethrowsB) {
  try {
    pool().install([] {
      join([]() { throw std::runtime_error("a"); }, []() { throw std::logic_error("b"); });
    });
    FAIL();
  } catch (const std::logic_error&) {
  } catch (...) {
    FAIL() << "wrong exception";
  }
}

// join_context tells a stolen closure that it migrated.
TEST_P(JoinTest, ContextReportsMigration) {
  auto [a, b] = pool().install([] {
    return join_context([](bool migrated) { return std::pair(migrated, current_worker_index()); },
                        [](bool migrated) { return migrated; });
  });
  EXPECT_FALSE(b);
  (void)a;  // may or may not have been stolen
}

// With several workers, some join halves really run elsewhere.
TEST(JoinStealTest, WorkIsStolen) {
  ThreadPool pool(PoolOptions{.num_threads = 2});
  std::atomic<int> migrated{0};
  // Each round gives the idle worker 2 ms to wake and steal; a loaded
  // machine may delay it, so keep trying until it happens once.
  for (int round = 0; round < 2000 && migrated.load() == 0; ++round) {
    pool.install([&] {
      join_context(
          [&](bool m) {
            if (m)
              migrated++;
            auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
            while (std::chrono::steady_clock::now() < until) {
            }
          },
          [&](bool) {
            auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
            while (std::chrono::steady_clock::now() < until) {
            }
          });
    });
  }
  EXPECT_GT(migrated.load(), 0);
}

// join from outside any pool runs on the global pool.
TEST(JoinOutsideTest, RunsOnGlobalPool) {
  EXPECT_EQ(fib(20), 6765);
}

KNOT_INSTANTIATE_POOL_TEST(JoinTest);

}  // namespace
}  // namespace knot
