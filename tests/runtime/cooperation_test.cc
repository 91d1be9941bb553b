// ThreadPool::broadcast() and yield_now() (knot/runtime/thread_pool.h): a
// broadcast runs once on every worker, from outside the pool, from one of
// its workers, from another pool's worker, while workers wait in joins, and
// from every worker at once; its exception is rethrown after all calls;
// yield_now() runs one pending task or says there was none.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/join.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/scope.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using knot::testing::Deadline;
using namespace std::chrono_literals;

class CooperationTest : public knot::testing::PolicyPoolTest {};

// Each call runs on the worker its context names, and the values come back
// in worker order.
void expect_one_call_per_worker(ThreadPool& pool) {
  const std::size_t n = pool.num_threads();
  std::vector<std::size_t> values = pool.broadcast([&](BroadcastContext ctx) {
    EXPECT_EQ(ctx.num_threads, n);
    EXPECT_EQ(current_pool(), &pool);
    EXPECT_EQ(current_worker_index(), std::optional<std::size_t>(ctx.index));
    return ctx.index * 10;
  });
  ASSERT_EQ(values.size(), n);
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_EQ(values[i], i * 10);
}

TEST_P(CooperationTest, BroadcastRunsOncePerWorkerFromOutside) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  for (int round = 0; round < 50; ++round)
    expect_one_call_per_worker(pool);
  std::atomic<int> calls{0};
  pool.broadcast([&] { calls.fetch_add(1); });  // void, no context
  EXPECT_EQ(calls.load(), static_cast<int>(workers()));
}

TEST_P(CooperationTest, BroadcastFromAWorkerOfThePool) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  pool.install([&] {
    for (int round = 0; round < 50; ++round)
      expect_one_call_per_worker(pool);
  });
}

TEST_P(CooperationTest, BroadcastFromAWorkerOfAnotherPool) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  ThreadPool other = make_pool(2, "other");
  other.install([&] {
    for (int round = 0; round < 20; ++round)
      expect_one_call_per_worker(pool);
  });
}

// Workers busy waiting in joins (helping) still take their share.
TEST_P(CooperationTest, BroadcastWhileWorkersWaitInJoins) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  std::atomic<int> calls{0};
  pool.install([&] {
    parallel_for(std::size_t{0}, std::size_t{64}, [&](std::size_t i) {
      if (i % 16 == 0)
        pool.broadcast([&] { calls.fetch_add(1); });
    });
  });
  EXPECT_EQ(calls.load(), 4 * static_cast<int>(workers()));
}

// Every worker broadcasts at once: each waits for the others' shares while
// the others wait for its share, which it must take while it waits.
TEST_P(CooperationTest, EveryWorkerBroadcastsAtOnce) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  const std::size_t n = workers();
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> calls{0};
    std::atomic<std::size_t> arrived{0};
    pool.broadcast([&] {
      arrived.fetch_add(1);
      while (arrived.load() < n)  // all workers inside the outer broadcast
        std::this_thread::yield();
      pool.broadcast([&] { calls.fetch_add(1); });
    });
    EXPECT_EQ(calls.load(), static_cast<int>(n * n));
  }
}

TEST_P(CooperationTest, BroadcastRethrowsAfterEveryCall) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  std::atomic<int> calls{0};
  try {
    pool.broadcast([&](BroadcastContext ctx) {
      calls.fetch_add(1);
      if (ctx.index == 0)
        throw std::runtime_error("worker 0 failed");
    });
    ADD_FAILURE() << "broadcast did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "worker 0 failed");
  }
  EXPECT_EQ(calls.load(), static_cast<int>(workers()));
}

TEST(YieldNowTest, OffPoolSaysSo) {
  EXPECT_EQ(yield_now(), Yield::kNotOnPool);
}

// One worker: a task spawned inside a task runs only when the spawner
// yields; a second yield finds nothing.
TEST_P(CooperationTest, YieldNowRunsOnePendingTask) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(1);
  pool.install([&] {
    std::atomic<int> ran{0};
    scope([&](Scope& s) {
      s.spawn([&] { ran.fetch_add(1); });
      s.spawn([&] { ran.fetch_add(1); });
      EXPECT_EQ(yield_now(), Yield::kExecuted);
      EXPECT_EQ(ran.load(), 1);
      EXPECT_EQ(yield_now(), Yield::kExecuted);
      EXPECT_EQ(ran.load(), 2);
      EXPECT_EQ(yield_now(), Yield::kIdle);
    });
  });
}

// A task that polls a flag set by a task queued behind it on its own worker
// finishes when it yields in its loop (without yield_now it would spin
// forever on a one-worker pool).
TEST_P(CooperationTest, YieldNowLetsAQueuedTaskRun) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(1);
  std::atomic<bool> flag{false};
  pool.install([&] {
    spawn([&] { flag = true; });
    while (!flag.load())
      yield_now();
  });
  EXPECT_TRUE(flag.load());
}

KNOT_INSTANTIATE_POLICY_POOL_TEST(CooperationTest);

}  // namespace
}  // namespace knot
