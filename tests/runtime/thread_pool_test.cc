// ThreadPool: construction, install, spawn, naming, nesting and shutdown.
#include "knot/runtime/thread_pool.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/error.h"
#include "knot/runtime/join.h"
#include "knot/runtime/latch.h"

namespace knot {
namespace {

using testing::Deadline;
using testing::PoolTest;

// install() returns the closure's value, computed on one of the pool's workers.
TEST_P(PoolTest, InstallReturnsValueFromWorker) {
  auto [value, index] = pool().install([&] {
    EXPECT_EQ(current_pool(), &pool());
    return std::pair(42, current_worker_index());
  });
  EXPECT_EQ(value, 42);
  ASSERT_TRUE(index.has_value());
  EXPECT_LT(*index, pool().num_threads());
  EXPECT_EQ(current_pool(), nullptr);
  EXPECT_FALSE(current_worker_index().has_value());
}

// install() rethrows the closure's exception on the calling thread.
TEST_P(PoolTest, InstallRethrows) {
  EXPECT_THROW(pool().install([]() -> int { throw std::runtime_error("boom"); }),
               std::runtime_error);
}

// install() on the pool a worker already belongs to runs inline.
TEST_P(PoolTest, InstallFromOwnWorkerRunsInline) {
  pool().install([&] {
    auto before = current_worker_index();
    pool().install([&] { EXPECT_EQ(current_worker_index(), before); });
  });
}

// Nested pools: install on B from a task of A, and on A from a task of B.
TEST_P(PoolTest, NestedInstallBothWays) {
  PoolOptions options;
  options.num_threads = 2;
  options.name = "other";
  ThreadPool other(options);
  int result = pool().install([&] {
    return other.install([&] {
      EXPECT_EQ(current_pool(), &other);
      return pool().install([&] {
        EXPECT_EQ(current_pool(), &pool());
        auto [a, b] = join([] { return 1; }, [] { return 2; });
        return a + b;
      });
    });
  });
  EXPECT_EQ(result, 3);
}

// spawn() runs every task; the destructor waits for all of them.
TEST_P(PoolTest, SpawnRunsEveryTaskBeforeDestruction) {
  std::atomic<int> count{0};
  {
    PoolOptions options;
    options.num_threads = GetParam();
    ThreadPool local(options);
    for (int i = 0; i < 1000; ++i) {
      local.spawn([&] { count.fetch_add(1, std::memory_order_relaxed); });
    }
  }
  EXPECT_EQ(count.load(), 1000);
}

// Spawned tasks may spawn more; the destructor still waits for all.
TEST_P(PoolTest, SpawnFromTasksIsDrainedAtShutdown) {
  std::atomic<int> count{0};
  {
    PoolOptions options;
    options.num_threads = GetParam();
    ThreadPool local(options);
    for (int i = 0; i < 50; ++i) {
      local.spawn([&] {
        for (int j = 0; j < 20; ++j) {
          knot::spawn([&] { count.fetch_add(1, std::memory_order_relaxed); });
        }
      });
    }
  }
  EXPECT_EQ(count.load(), 1000);
}

// An exception from a fire-and-forget task reaches the pool's handler.
TEST(ThreadPoolTest, UncaughtExceptionGoesToHandler) {
  Deadline deadline(std::chrono::seconds(30));
  std::atomic<int> handled{0};
  {
    PoolOptions options;
    options.num_threads = 2;
    options.on_uncaught_exception = [&](std::exception_ptr e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::logic_error&) {
        handled.fetch_add(1);
      }
    };
    ThreadPool pool(options);
    for (int i = 0; i < 10; ++i)
      pool.spawn([] { throw std::logic_error("lost"); });
  }
  EXPECT_EQ(handled.load(), 10);
}

// Options: thread count, name, worker thread names, stack size.
TEST(ThreadPoolTest, OptionsAreApplied) {
  Deadline deadline(std::chrono::seconds(30));
  PoolOptions options;
  options.num_threads = 3;
  options.name = "render";
  options.stack_size = 1 << 20;
  ThreadPool pool(options);
  EXPECT_EQ(pool.num_threads(), 3u);
  EXPECT_EQ(pool.name(), "render");
  std::string thread_name = pool.install([] {
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    return std::string(buf);
  });
  EXPECT_EQ(thread_name.rfind("render-", 0), 0u) << thread_name;
  std::size_t stack = pool.install([] {
    pthread_attr_t attr;
    pthread_getattr_np(pthread_self(), &attr);
    std::size_t size = 0;
    pthread_attr_getstacksize(&attr, &size);
    pthread_attr_destroy(&attr);
    return size;
  });
  EXPECT_GE(stack, std::size_t{1} << 20);
}

// Long pool names are cut so that the worker index survives.
TEST(ThreadPoolTest, LongNamesKeepTheIndex) {
  PoolOptions options;
  options.num_threads = 1;
  options.name = "a-very-long-pool-name";
  ThreadPool pool(options);
  std::string thread_name = pool.install([] {
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    return std::string(buf);
  });
  EXPECT_EQ(thread_name.size(), 15u);
  EXPECT_EQ(thread_name.substr(13), "-0");
}

// Submitting from outside while the pool shuts down throws kShutDown.
TEST(ThreadPoolTest, SubmitDuringShutdownThrows) {
  Deadline deadline(std::chrono::seconds(30));
  Latch started(1);
  std::atomic<bool> release{false};
  std::atomic<bool> saw_error{false};
  auto pool = std::make_unique<ThreadPool>(PoolOptions{.num_threads = 1});
  ThreadPool* raw = pool.get();
  pool->spawn([&] {
    started.count_down();
    while (!release.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  started.wait();
  std::thread destroyer([&] { pool.reset(); });
  // Wait until the destructor marked the pool as shutting down.
  while (!raw->snapshot().is_shutting_down)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  try {
    raw->spawn([] {});
  } catch (const Error& e) {
    saw_error = e.code() == make_error_code(Errc::kShutDown);
  }
  release = true;
  destroyer.join();
  EXPECT_TRUE(saw_error.load());
}

// KNOT_NUM_THREADS sets the default thread count.
TEST(ThreadPoolTest, EnvironmentSetsDefaultThreads) {
  ::setenv("KNOT_NUM_THREADS", "3", 1);
  EXPECT_EQ(default_num_threads(), 3u);
  ::setenv("KNOT_NUM_THREADS", "junk", 1);
  EXPECT_GE(default_num_threads(), 1u);
  ::unsetenv("KNOT_NUM_THREADS");
}

// The global pool exists, is named "global" and serves off-pool joins.
TEST(ThreadPoolTest, GlobalPoolServesOffPoolCalls) {
  EXPECT_EQ(global_pool().name(), "global");
  auto [a, b] = join([] { return current_pool(); }, [] { return current_pool(); });
  EXPECT_EQ(a, &global_pool());
  EXPECT_EQ(b, &global_pool());
}

// Snapshots list the pool with its workers and count completed tasks.
TEST_P(PoolTest, SnapshotShowsWorkersAndProgress) {
  for (int i = 0; i < 100; ++i)
    pool().spawn([] {});
  pool().install([] {});
  // Let the spawned tasks finish: they are counted once they ran.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  PoolSnapshot snap;
  do {
    snap = pool().snapshot();
  } while (snap.pending_tasks != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(snap.name, "test");
  EXPECT_EQ(snap.workers.size(), pool().num_threads());
  EXPECT_GE(snap.tasks_completed(), 100u);
  for (const auto& w : snap.workers)
    EXPECT_NE(w.os_thread_id, 0);
  bool listed = false;
  for (const auto& s : snapshot_pools())
    listed |= s.id == snap.id;
  EXPECT_TRUE(listed);
}

KNOT_INSTANTIATE_POOL_TEST(PoolTest);

}  // namespace
}  // namespace knot
