// The parking path: the observer sees every blocking wait, workers show as
// parked, and blocking_region marks foreign blocking.
#include "knot/runtime/blocking.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/mutex.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

class RecordingObserver : public Observer {
 public:
  void on_wait_begin(const WaitSite& site) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    begins_.push_back({site.kind, std::string(site.name), site.resource, site.is_timed});
  }
  void on_wait_end(const WaitSite& site) noexcept override {
    (void)site;
    ends_.fetch_add(1);
  }
  struct Event {
    WaitKind kind;
    std::string name;
    const void* resource;
    bool timed;
  };
  std::vector<Event> begins() {
    std::lock_guard<std::mutex> lock(mutex_);
    return begins_;
  }
  int ends() const { return ends_.load(); }

 private:
  std::mutex mutex_;
  std::vector<Event> begins_;
  std::atomic<int> ends_{0};
};

class BlockingTest : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = set_observer(&observer_); }
  void TearDown() override { set_observer(previous_); }
  RecordingObserver observer_;
  Observer* previous_ = nullptr;
};

// A latch wait that parks is reported with its name and address; one that
// does not park (already open) reports nothing.
TEST_F(BlockingTest, LatchWaitIsObserved) {
  Deadline deadline(10s);
  Latch open(0, "open");
  open.wait();
  EXPECT_TRUE(observer_.begins().empty());
  Latch latch(1, "ready");
  std::thread t([&] {
    while (observer_.begins().empty())  // the wait has begun: now open it
      std::this_thread::yield();
    latch.count_down();
  });
  latch.wait();
  t.join();
  auto begins = observer_.begins();
  ASSERT_EQ(begins.size(), 1u);
  EXPECT_EQ(begins[0].kind, WaitKind::kLatch);
  EXPECT_EQ(begins[0].name, "ready");
  EXPECT_EQ(begins[0].resource, &latch);
  EXPECT_EQ(observer_.ends(), 1);
}

// A contended mutex reports a kMutex wait; a timed one is marked timed.
TEST_F(BlockingTest, MutexWaitIsObserved) {
  Deadline deadline(10s);
  Mutex m("db");
  m.lock();
  std::thread t([&] { EXPECT_FALSE(m.try_lock_for(30ms)); });
  t.join();
  m.unlock();
  auto begins = observer_.begins();
  ASSERT_GE(begins.size(), 1u);
  EXPECT_EQ(begins[0].kind, WaitKind::kMutex);
  EXPECT_EQ(begins[0].name, "db");
  EXPECT_TRUE(begins[0].timed);
}

// install from outside the pool parks the caller: reported as kInstall.
TEST_F(BlockingTest, InstallFromOutsideIsObserved) {
  Deadline deadline(10s);
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "io"});
  auto seen = [&] {
    bool found = false;
    for (const auto& e : observer_.begins())
      found |= e.kind == WaitKind::kInstall && e.name == "io";
    return found;
  };
  // The task ends only once its caller's wait was reported.
  pool.install([&] {
    while (!seen())
      std::this_thread::yield();
  });
  EXPECT_TRUE(seen());
}

// A worker blocked in a primitive shows as parked in the pool's snapshot.
TEST_F(BlockingTest, ParkedWorkerShowsInSnapshot) {
  Deadline deadline(10s);
  ThreadPool pool(PoolOptions{.num_threads = 2, .name = "p"});
  Latch gate(1, "gate");
  pool.spawn([&] { gate.wait(); });
  bool parked = false;
  for (int i = 0; i < 10000 && !parked; ++i) {
    parked = pool.snapshot().count(WorkerState::kParked) == 1;
    if (!parked)
      std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(parked);
  gate.count_down();
}

// blocking_region reports a kBlockingRegion wait and marks the worker parked.
TEST_F(BlockingTest, BlockingRegionIsObservedAndParksWorker) {
  Deadline deadline(10s);
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "r"});
  auto state = pool.install([&] {
    auto region = blocking_region("read socket");
    return pool.snapshot().workers[0].state;
  });
  EXPECT_EQ(state, WorkerState::kParked);
  auto begins = observer_.begins();
  ASSERT_GE(begins.size(), 1u);  // the region, and maybe the install wait
  bool region_seen = false;
  for (const auto& e : begins) {
    region_seen |= e.kind == WaitKind::kBlockingRegion && e.name == "read socket";
  }
  EXPECT_TRUE(region_seen);
  EXPECT_EQ(blocking_call("sleep", [] { return 5; }), 5);
}

// The same observation from inside a pool, on every worker count and
// blocking policy: a task's latch wait is reported once with its name and
// address, and ends once, whether the task's worker parks (kBlock), a
// spare takes its place (kCompensate) or the task's fiber is suspended
// (kFiber).
class BlockingPolicyTest : public knot::testing::PolicyPoolTest {
 protected:
  void SetUp() override { previous_ = set_observer(&observer_); }
  void TearDown() override { set_observer(previous_); }
  bool began(const std::string& name) {
    for (const auto& e : observer_.begins()) {
      if (e.name == name)
        return true;
    }
    return false;
  }
  RecordingObserver observer_;
  Observer* previous_ = nullptr;
};

TEST_P(BlockingPolicyTest, TaskWaitsAreObservedOnEveryPolicy) {
  Deadline deadline(30s);
  Latch gate(1, "gate");
  {
    ThreadPool pool = make_pool(workers(), "observed");
    std::atomic<int> passed{0};
    // One waiting task per worker and one more: under kBlock the last one
    // waits in the queue, and is not a wait until it runs.
    const int tasks = static_cast<int>(workers()) + 1;
    for (int i = 0; i < tasks; ++i) {
      pool.spawn([&] {
        gate.wait();
        passed.fetch_add(1);
      });
    }
    while (!began("gate"))  // a task's wait has begun: now open the gate
      std::this_thread::yield();
    gate.count_down();
    while (passed.load() < tasks)
      std::this_thread::yield();
  }
  int gate_waits = 0;
  for (const auto& e : observer_.begins()) {
    if (e.name == "gate") {
      ++gate_waits;
      EXPECT_EQ(e.kind, WaitKind::kLatch);
      EXPECT_EQ(e.resource, &gate);
      EXPECT_FALSE(e.timed);
    }
  }
  // Each task that found the gate shut reported one wait (those that came
  // after it opened did not wait).
  EXPECT_GE(gate_waits, 1);
  EXPECT_LE(gate_waits, static_cast<int>(workers()) + 1);
  EXPECT_EQ(observer_.ends(), static_cast<int>(observer_.begins().size()));
}

KNOT_INSTANTIATE_POLICY_POOL_TEST(BlockingPolicyTest);

// Kinds have stable names for reports.
TEST(WaitKindTest, Names) {
  EXPECT_EQ(to_string(WaitKind::kChannelSend), "channel_send");
  EXPECT_EQ(to_string(WaitKind::kBlockingRegion), "blocking_region");
  EXPECT_EQ(to_string(WorkerState::kParked), "parked");
}

}  // namespace
}  // namespace knot
