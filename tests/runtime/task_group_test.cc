// TaskGroup (knot/runtime/task_group.h): every task runs and is waited for,
// from a worker and from outside; cancellation skips the tasks not yet
// started; an exception cancels the group and is rethrown by wait(); the
// group is reusable; the destructor cancels and waits; a randomized stress
// under every blocking policy and several pool sizes.
#include "knot/runtime/task_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using knot::testing::Deadline;
using namespace std::chrono_literals;

// Parameter: (workers, policy).
class TaskGroupTest : public knot::testing::PolicyPoolTest {};

// Tasks that run more tasks into the same group, waited for from a task of
// the pool and from outside it.
TEST_P(TaskGroupTest, EveryTaskRunsAndIsWaitedFor) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  for (bool from_outside : {false, true}) {
    std::atomic<int> ran{0};
    auto body = [&] {
      TaskGroup group(pool);
      for (int i = 0; i < 100; ++i) {
        group.run([&] {
          ran.fetch_add(1, std::memory_order_relaxed);
          for (int j = 0; j < 10; ++j)
            group.run([&] { ran.fetch_add(1, std::memory_order_relaxed); });
        });
      }
      EXPECT_EQ(group.wait(), TaskGroupStatus::kComplete);
      EXPECT_EQ(ran.load(), 1100);  // wait() saw every task, nested ones too
    };
    if (from_outside) {
      body();
    } else {
      pool.install(body);
    }
  }
}

TEST_P(TaskGroupTest, WaitWithNothingRunIsComplete) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  TaskGroup group(pool);
  EXPECT_EQ(group.wait(), TaskGroupStatus::kComplete);
  EXPECT_EQ(group.wait(), TaskGroupStatus::kComplete);
}

// On one worker busy with the first task, cancel() keeps every task queued
// behind it from starting; wait() says kCanceled, then the group is reusable.
TEST_P(TaskGroupTest, CancelSkipsTasksNotStarted) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(1);
  TaskGroup group(pool);
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  group.run([&] {
    started = true;
    while (!release.load())
      std::this_thread::yield();  // not a knot wait: no spare, no suspension
  });
  for (int i = 0; i < 100; ++i)
    group.run([&] { ran.fetch_add(1); });
  while (!started.load())
    std::this_thread::yield();
  EXPECT_FALSE(group.is_canceling());
  group.cancel();
  EXPECT_TRUE(group.is_canceling());
  release = true;
  EXPECT_EQ(group.wait(), TaskGroupStatus::kCanceled);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_FALSE(group.is_canceling());
  for (int i = 0; i < 10; ++i)
    group.run([&] { ran.fetch_add(1); });
  EXPECT_EQ(group.wait(), TaskGroupStatus::kComplete);
  EXPECT_EQ(ran.load(), 10);
}

// An exception cancels the group (tasks queued behind it are skipped) and
// wait() rethrows it; the next round runs normally.
TEST_P(TaskGroupTest, AnExceptionCancelsAndIsRethrown) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(1);
  TaskGroup group(pool);
  std::atomic<int> ran{0};
  group.run([] { throw std::runtime_error("task failed"); });
  for (int i = 0; i < 100; ++i)
    group.run([&] { ran.fetch_add(1); });
  try {
    group.wait();
    ADD_FAILURE() << "wait() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "task failed");
  }
  EXPECT_EQ(ran.load(), 0);  // one worker, queued in order: all behind the throw
  EXPECT_FALSE(group.is_canceling());
  group.run([&] { ran.fetch_add(1); });
  EXPECT_EQ(group.wait(), TaskGroupStatus::kComplete);
  EXPECT_EQ(ran.load(), 1);
}

// The destructor cancels what has not started and waits for the rest: no
// task of the group runs after it returned.
TEST_P(TaskGroupTest, DestructorCancelsAndWaits) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  std::atomic<bool> destroyed{false};
  std::atomic<int> late{0};
  std::atomic<int> ran{0};
  {
    TaskGroup group(pool);
    for (int i = 0; i < 1000; ++i) {
      group.run([&] {
        if (destroyed.load())
          late.fetch_add(1);
        ran.fetch_add(1);
      });
    }
  }
  destroyed = true;
  const int after = ran.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ran.load(), after);
  EXPECT_EQ(late.load(), 0);
}

// Random trees of runs, random cancels, random throws, many rounds: wait()
// always returns once everything that started finished, and its status and
// exception agree with what happened.
TEST_P(TaskGroupTest, StressRandomTreesCancelsAndThrows) {
  Deadline deadline(120s);
  ThreadPool pool = make_pool(workers());
  std::mt19937 rng(12345);
  const int rounds = 200;
  for (int round = 0; round < rounds; ++round) {
    const int roots = 1 + static_cast<int>(rng() % 50);
    const int cancel_at = static_cast<int>(rng() % 4) == 0 ? static_cast<int>(rng() % 200) : -1;
    const int throw_at = static_cast<int>(rng() % 4) == 0 ? static_cast<int>(rng() % 200) : -1;
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    TaskGroup group(pool);
    auto work = [&](auto& self, int depth) -> void {
      const int me = started.fetch_add(1);
      if (me == cancel_at)
        group.cancel();
      if (depth < 3) {
        for (int k = 0; k < 3; ++k)
          group.run([&self, depth] { self(self, depth + 1); });
      }
      parallel_for(std::size_t{0}, std::size_t{4}, [](std::size_t) {});  // a join inside a task
      if (me == throw_at) {
        finished.fetch_add(1);
        throw std::runtime_error("round failed");
      }
      finished.fetch_add(1);
    };
    auto run_round = [&] {
      for (int i = 0; i < roots; ++i)
        group.run([&] { work(work, 0); });
      bool threw = false;
      TaskGroupStatus status = TaskGroupStatus::kComplete;
      try {
        status = group.wait();
      } catch (const std::runtime_error&) {
        threw = true;
      }
      EXPECT_EQ(started.load(), finished.load()) << "round " << round;
      const bool thrown_task_ran = throw_at >= 0 && started.load() > throw_at;
      EXPECT_EQ(threw, thrown_task_ran) << "round " << round;
      if (!threw) {
        const bool canceled = cancel_at >= 0 && started.load() > cancel_at;
        EXPECT_EQ(status, canceled ? TaskGroupStatus::kCanceled : TaskGroupStatus::kComplete)
            << "round " << round;
        if (!canceled) {
          EXPECT_EQ(started.load(), roots * (1 + 3 + 9 + 27)) << "round " << round;
        }
      }
    };
    if (round % 2 == 0) {
      run_round();
    } else {
      pool.install(run_round);
    }
  }
}

KNOT_INSTANTIATE_POLICY_POOL_TEST(TaskGroupTest);

}  // namespace
}  // namespace knot
