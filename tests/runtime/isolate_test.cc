// isolate: a waiting worker runs only tasks of its own isolation region.
#include "knot/runtime/isolate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/deadline.h"
#include "knot/runtime/join.h"
#include "knot/runtime/scope.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using testing::Deadline;

thread_local bool t_waiting = false;

// Runs on a 1-worker pool: queues unrelated tasks on the worker's deque,
// then waits (helping) for a closure installed on another pool. Returns how
// many unrelated tasks ran on the worker during that wait.
int unrelated_tasks_run_while_waiting(bool isolated) {
  PoolOptions one;
  one.num_threads = 1;
  one.name = "main";
  ThreadPool pool(one);
  PoolOptions two;
  two.num_threads = 1;
  two.name = "remote";
  ThreadPool remote(two);
  std::atomic<int> ran_while_waiting{0};
  pool.install([&] {
    scope([&](Scope& s) {
      for (int i = 0; i < 20; ++i) {
        s.spawn([&] {
          if (t_waiting)
            ran_while_waiting++;
        });
      }
      auto wait_remote = [&] {
        t_waiting = true;
        remote.install([] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); });
        t_waiting = false;
      };
      if (isolated) {
        isolate(wait_remote);
      } else {
        wait_remote();
      }
    });
  });
  return ran_while_waiting.load();
}

// Without isolation the waiting worker helps with unrelated queued tasks.
TEST(IsolateTest, WithoutIsolationWaiterRunsUnrelatedTasks) {
  Deadline deadline(std::chrono::seconds(30));
  EXPECT_EQ(unrelated_tasks_run_while_waiting(false), 20);
}

// With isolation it runs none of them.
TEST(IsolateTest, IsolatedWaiterRunsNoUnrelatedTask) {
  Deadline deadline(std::chrono::seconds(30));
  EXPECT_EQ(unrelated_tasks_run_while_waiting(true), 0);
}

// Work spawned inside the region still runs in parallel and completes.
TEST(IsolateTest, InnerWorkCompletes) {
  Deadline deadline(std::chrono::seconds(30));
  ThreadPool pool(PoolOptions{.num_threads = 4});
  std::atomic<int> count{0};
  pool.install([&] {
    isolate([&] {
      scope([&](Scope& s) {
        for (int i = 0; i < 1000; ++i) {
          s.spawn([&] { join([&] { count++; }, [&] { count++; }); });
        }
      });
    });
  });
  EXPECT_EQ(count.load(), 2000);
}

// Off-pool, isolate just calls the closure.
TEST(IsolateTest, OffPoolCallsDirectly) {
  EXPECT_EQ(isolate([] { return 3; }), 3);
}

}  // namespace
}  // namespace knot
