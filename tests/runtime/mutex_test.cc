// Mutex and SharedMutex: exclusion, owner tracking, timeouts, std adapters.
#include "knot/runtime/mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

// Works with std::lock_guard and remembers its owner.
TEST(MutexTest, LockGuardAndOwner) {
  Mutex m("state");
  EXPECT_EQ(m.owner(), 0);
  {
    std::lock_guard<Mutex> lock(m);
    EXPECT_EQ(m.owner(), this_thread_id());
    EXPECT_FALSE(m.try_lock());
  }
  EXPECT_EQ(m.owner(), 0);
  EXPECT_TRUE(m.try_lock());
  m.unlock();
  EXPECT_EQ(m.name(), "state");
}

// try_lock_for times out while another thread holds the lock.
TEST(MutexTest, TryLockForTimesOut) {
  Deadline deadline(10s);
  Mutex m;
  std::unique_lock<Mutex> held(m);
  std::thread t([&] { EXPECT_FALSE(m.try_lock_for(20ms)); });
  t.join();
  held.unlock();
  EXPECT_TRUE(m.try_lock_for(1s));
  m.unlock();
}

// Many threads and pool tasks increment under the lock: no lost update.
TEST(MutexTest, MutualExclusionUnderContention) {
  Deadline deadline(60s);
  Mutex m;
  long counter = 0;
  ThreadPool pool(PoolOptions{.num_threads = 4});
  std::vector<std::thread> threads;
  const int per = testing::stress_scale(20000);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per; ++i) {
        std::lock_guard<Mutex> lock(m);
        ++counter;
      }
    });
  }
  pool.install([&] {
    parallel_for(0, 4 * per, [&](int) {
      std::lock_guard<Mutex> lock(m);
      ++counter;
    });
  });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(counter, 8L * per);
}

// Timed waiters that give up leave the mutex usable (stale parked bit).
TEST(MutexTest, TimedOutWaitersLeaveMutexUsable) {
  Deadline deadline(30s);
  Mutex m;
  m.lock();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { EXPECT_FALSE(m.try_lock_for(10ms)); });
  for (auto& t : threads)
    t.join();
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

// SharedMutex: readers share, writers exclude, std adapters work.
TEST(SharedMutexTest, ReadersShareWritersExclude) {
  SharedMutex m("table");
  {
    std::shared_lock<SharedMutex> r1(m);
    std::shared_lock<SharedMutex> r2(m);
    EXPECT_EQ(m.num_readers(), 2u);
    EXPECT_FALSE(m.try_lock());
  }
  {
    std::unique_lock<SharedMutex> w(m);
    EXPECT_EQ(m.owner(), this_thread_id());
    EXPECT_FALSE(m.try_lock_shared());
  }
  EXPECT_TRUE(m.try_lock_shared());
  m.unlock_shared();
}

// Readers and writers under contention keep the invariant (a == b).
TEST(SharedMutexTest, InvariantUnderContention) {
  Deadline deadline(60s);
  SharedMutex m;
  long a = 0, b = 0;
  std::atomic<bool> broken{false};
  const int iters = testing::stress_scale(20000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < iters; ++i) {
        std::unique_lock<SharedMutex> w(m);
        ++a;
        ++b;
      }
    });
    threads.emplace_back([&] {
      for (int i = 0; i < iters; ++i) {
        std::shared_lock<SharedMutex> r(m);
        if (a != b)
          broken = true;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_FALSE(broken.load());
  EXPECT_EQ(a, 3L * iters);
}

// A waiting writer is not starved by a stream of readers.
TEST(SharedMutexTest, WriterNotStarved) {
  Deadline deadline(30s);
  SharedMutex m;
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::shared_lock<SharedMutex> r(m);
        std::this_thread::sleep_for(100us);
      }
    });
  }
  std::this_thread::sleep_for(5ms);
  m.lock();  // must get through
  stop = true;
  m.unlock();
  for (auto& t : readers)
    t.join();
}

// The same exclusion with the waiters on pools of every size and blocking
// policy: a worker that waits blocks (kBlock), hands its slot to a spare
// (kCompensate) or suspends its fiber task (kFiber); plain threads and
// readers of a SharedMutex contend alongside.
class MutexPoolTest : public testing::PolicyPoolTest {};

TEST_P(MutexPoolTest, ExclusionOnEveryPolicy) {
  Deadline deadline(60s);
  ThreadPool pool = make_pool(workers());
  Mutex m("counter");
  SharedMutex rw("pair");
  long counter = 0;
  long a = 0, b = 0;
  std::atomic<bool> broken{false};
  const int per = testing::stress_scale(4000);
  std::thread outside([&] {
    for (int i = 0; i < per; ++i) {
      std::lock_guard<Mutex> lock(m);
      ++counter;
    }
  });
  pool.install([&] {
    parallel_for(0, 4 * per, [&](int i) {
      {
        std::lock_guard<Mutex> lock(m);
        ++counter;
      }
      if (i % 4 == 0) {
        std::unique_lock<SharedMutex> w(rw);
        ++a;
        ++b;
      } else {
        std::shared_lock<SharedMutex> r(rw);
        if (a != b)
          broken = true;
      }
    });
  });
  outside.join();
  EXPECT_EQ(counter, 5L * per);
  EXPECT_EQ(a, static_cast<long>(per));
  EXPECT_FALSE(broken.load());
}

KNOT_INSTANTIATE_POLICY_POOL_TEST(MutexPoolTest);

}  // namespace
}  // namespace knot
