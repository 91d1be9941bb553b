// Latch: count down, wait, timeouts, many waiters.
#include "knot/runtime/latch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

// A latch at zero is open; wait returns at once.
TEST(LatchTest, ZeroCountIsOpen) {
  Latch latch(0, "open");
  EXPECT_TRUE(latch.try_wait());
  latch.wait();
  EXPECT_EQ(latch.name(), "open");
}

// Counting down to zero opens it; try_wait tracks it.
TEST(LatchTest, CountDownOpens) {
  Latch latch(3);
  latch.count_down();
  EXPECT_FALSE(latch.try_wait());
  latch.count_down(2);
  EXPECT_TRUE(latch.try_wait());
  EXPECT_EQ(latch.count(), 0);
}

// wait_for times out on a closed latch and succeeds on an opened one.
TEST(LatchTest, WaitForTimesOutThenSucceeds) {
  Deadline deadline(10s);
  Latch latch(1);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(latch.wait_for(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  std::thread t([&] {
    std::this_thread::sleep_for(10ms);
    latch.count_down();
  });
  EXPECT_TRUE(latch.wait_for(10s));
  t.join();
}

// Many waiters, threads and pool workers, all wake on the last count_down.
TEST(LatchTest, ManyWaitersWake) {
  Deadline deadline(30s);
  Latch latch(1);
  std::atomic<int> woke{0};
  ThreadPool pool(PoolOptions{.num_threads = 4});
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      latch.wait();
      woke++;
    });
  }
  for (int i = 0; i < 4; ++i) {
    pool.spawn([&] {
      latch.wait();
      woke++;
    });
  }
  std::this_thread::sleep_for(20ms);
  latch.count_down();
  for (auto& t : threads)
    t.join();
  while (woke.load() != 12)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(woke.load(), 12);
}

// count_down's writes are visible to the waiter (release/acquire).
TEST(LatchTest, PublishesWrites) {
  Deadline deadline(30s);
  for (int round = 0; round < 200; ++round) {
    int data = 0;
    Latch latch(1);
    std::thread t([&] {
      data = round + 1;
      latch.count_down();
    });
    latch.wait();
    EXPECT_EQ(data, round + 1);
    t.join();
  }
}

// Latches on pools of every size and blocking policy.
class LatchPoolTest : public testing::PolicyPoolTest {};

// Waiting tasks and threads all wake on the last count_down.
TEST_P(LatchPoolTest, WaitersOnPoolsWake) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  Latch latch(1, "go");
  std::atomic<int> woke{0};
  std::thread plain([&] {
    latch.wait();
    woke++;
  });
  const int tasks = 2 * static_cast<int>(workers());
  for (int i = 0; i < tasks; ++i) {
    pool.spawn([&] {
      latch.wait();
      woke++;
    });
  }
  latch.count_down();
  plain.join();
  while (woke.load() != tasks + 1)
    std::this_thread::yield();
}

// A rendezvous of more tasks than workers: each task counts down, then
// waits for all. Under kBlock it needs a worker per party (so only that is
// tried); kCompensate brings spares and kFiber suspends the waiting tasks,
// so both finish on any pool.
TEST_P(LatchPoolTest, RendezvousOfMoreTasksThanWorkers) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  const bool blocks = pool.policy() == BlockingPolicy::kBlock;
  const int parties = blocks ? static_cast<int>(workers()) : 3 * static_cast<int>(workers()) + 1;
  for (int round = 0; round < 20; ++round) {
    Latch all(parties, "rendezvous");
    std::atomic<int> past{0};
    Latch done(parties, "done");
    for (int i = 0; i < parties; ++i) {
      pool.spawn([&] {
        all.count_down();
        all.wait();
        past++;
        done.count_down();
      });
    }
    done.wait();
    EXPECT_EQ(past.load(), parties);
  }
}

KNOT_INSTANTIATE_POLICY_POOL_TEST(LatchPoolTest);

// Counting below zero is a programming error: it aborts.
TEST(LatchDeathTest, BelowZeroAborts) {
  EXPECT_DEATH(
      {
        Latch latch(1, "over");
        latch.count_down(2);
      },
      "below zero");
}

}  // namespace
}  // namespace knot
