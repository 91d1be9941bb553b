// Wait records with wait-site stacks: for every kind of wait, while a
// thread is parked its record names the resource, side and name, and its
// stack (symbolized) contains the function that waited; after it resumes
// the record is gone.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>

#include "common/deadline.h"
#include "common/fiber_waits.h"
#include "knot/instrumentation/instrumentation.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/runtime.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

class WaitStackTest : public ::testing::Test {
 protected:
  void SetUp() override { instr::enable(); }
  void TearDown() override { instr::disable(); }

  // Runs `wait` (a named, noinline function that parks) on a new thread;
  // checks the record while parked; runs `release`; checks it is gone.
  void expect_recorded(WaitKind kind, const std::string& name, const char* function,
                       const std::function<void()>& wait, const std::function<void()>& release) {
    Deadline deadline(30s);
    std::atomic<std::int64_t> tid{0};
    std::thread t([&] {
      tid = this_thread_id();
      wait();
    });
    while (tid.load() == 0)
      std::this_thread::yield();
    std::optional<WaitView> seen;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         !seen && std::chrono::steady_clock::now() < until;) {
      for (const auto& v : snapshot_threads()) {
        if (v.os_thread_id == tid.load() && v.wait && v.wait->kind == kind)
          seen = v.wait;
      }
      if (!seen)
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(seen.has_value()) << "never parked in " << to_string(kind);
    EXPECT_EQ(seen->name, name);
    ASSERT_FALSE(seen->stack.empty());
    instr::Symbolizer symbolizer;
    bool found = false;
    bool has_knot_frame = false;
    std::string frames;
    for (const auto& frame : symbolizer.symbolize(seen->stack)) {
      frames += "  " + frame.function + "\n";
      found |= frame.function.find(function) != std::string::npos;
      has_knot_frame |= frame.is_knot;
    }
    EXPECT_TRUE(found) << "no frame of " << function << " in:\n" << frames;
    EXPECT_TRUE(has_knot_frame) << "the runtime's parking frames are not marked:\n" << frames;
    release();
    t.join();
    for (const auto& v : snapshot_threads()) {
      EXPECT_FALSE(v.os_thread_id == tid.load() && v.wait.has_value());
    }
  }
};

// The waits below must keep their own frame: code after the call stops the
// compiler from turning it into a tail call.
inline void keep_frame() {
  asm volatile("" ::: "memory");
}

[[gnu::noinline]] void wait_in_latch(Latch& latch) {
  latch.wait();
  keep_frame();
}
[[gnu::noinline]] void wait_in_mutex(Mutex& m) {
  std::lock_guard<Mutex> lock(m);
}
[[gnu::noinline]] void wait_in_shared_mutex(SharedMutex& m) {
  std::shared_lock<SharedMutex> lock(m);
}
[[gnu::noinline]] void wait_in_send(Sender<int>& tx) {
  (void)tx.send(2);
  keep_frame();
}
[[gnu::noinline]] void wait_in_recv(Receiver<int>& rx) {
  (void)rx.recv();
  keep_frame();
}
[[gnu::noinline]] void wait_in_install(ThreadPool& pool, Latch& gate) {
  pool.install([&] { gate.wait(); });
}
[[gnu::noinline]] void wait_in_region(std::atomic<bool>& release) {
  auto region = blocking_region("read socket");
  while (!release.load())
    std::this_thread::sleep_for(1ms);
}

TEST_F(WaitStackTest, Latch) {
  Latch latch(1, "ready");
  expect_recorded(
      WaitKind::kLatch, "ready", "wait_in_latch", [&] { wait_in_latch(latch); },
      [&] { latch.count_down(); });
}

TEST_F(WaitStackTest, Mutex) {
  Mutex m("table");
  m.lock();
  expect_recorded(
      WaitKind::kMutex, "table", "wait_in_mutex", [&] { wait_in_mutex(m); }, [&] { m.unlock(); });
}

TEST_F(WaitStackTest, SharedMutex) {
  SharedMutex m("index");
  m.lock();
  expect_recorded(
      WaitKind::kSharedMutex, "index", "wait_in_shared_mutex", [&] { wait_in_shared_mutex(m); },
      [&] { m.unlock(); });
}

TEST_F(WaitStackTest, ChannelSendAndReceive) {
  // Named members, not a structured binding: clang 14 cannot capture one.
  auto ends = channel<int>(1, "processed");
  auto& tx = ends.first;
  auto& rx = ends.second;
  ASSERT_TRUE(tx.send(1));
  expect_recorded(
      WaitKind::kChannelSend, "processed", "wait_in_send", [&] { wait_in_send(tx); },
      [&] { (void)rx.recv(); });
  (void)rx.recv();
  expect_recorded(
      WaitKind::kChannelRecv, "processed", "wait_in_recv", [&] { wait_in_recv(rx); },
      [&] { (void)tx.send(3); });
}

TEST_F(WaitStackTest, InstallFromOutside) {
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "global-ish"});
  Latch gate(1, "gate");
  expect_recorded(
      WaitKind::kInstall, "global-ish", "wait_in_install", [&] { wait_in_install(pool, gate); },
      [&] { gate.count_down(); });
}

TEST_F(WaitStackTest, BlockingRegion) {
  std::atomic<bool> release{false};
  expect_recorded(
      WaitKind::kBlockingRegion, "read socket", "wait_in_region", [&] { wait_in_region(release); },
      [&] { release = true; });
}

// Disabled instrumentation records no stacks (the runtime still records the wait).
TEST(WaitStackDisabledTest, NoStacksWhenDisabled) {
  Deadline deadline(30s);
  EXPECT_FALSE(instr::is_enabled());
  Latch latch(1, "plain");
  std::thread t([&] { latch.wait(); });
  std::optional<WaitView> seen;
  while (!seen) {
    for (const auto& v : snapshot_threads()) {
      if (v.wait && v.wait->name == "plain")
        seen = v.wait;
    }
  }
  EXPECT_TRUE(seen->stack.empty());
  latch.count_down();
  t.join();
}

// A fiber task (kFiber) that waits is recorded on its own record, not its
// worker's: the record has no OS thread, its stack holds the function that
// waited, and the walk ends at the fiber's entry instead of running off the
// fiber's stack.

TEST_F(WaitStackTest, FiberTaskWait) {
  Deadline deadline(30s);
  ThreadPool pool(testing::fiber_pool_options(1, "fibers"));
  auto [tx, rx] = channel<int>(1, "to_fiber");
  Latch done(1, "done");
  pool.spawn([&, rx = std::move(rx)]() mutable {
    wait_in_recv(rx);
    done.count_down();
  });
  const std::optional<ThreadView> seen = testing::wait_for_fiber_wait("to_fiber");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->os_thread_id, 0);
  EXPECT_EQ(seen->wait->kind, WaitKind::kChannelRecv);
  ASSERT_FALSE(seen->wait->stack.empty());
  instr::Symbolizer symbolizer;
  std::string frames;
  bool found = false;
  for (const auto& frame : symbolizer.symbolize(seen->wait->stack)) {
    frames += "  " + frame.function + "\n";
    found |= frame.function.find("wait_in_recv") != std::string::npos;
  }
  EXPECT_TRUE(found) << frames;
  // The walk stopped at the fiber's entry: no frame of the worker's thread
  // (its scheduler loop) is below it.
  EXPECT_NE(frames.find("Fiber::entry"), std::string::npos) << frames;
  EXPECT_EQ(frames.find("Worker::main"), std::string::npos) << frames;
  // The worker's own thread is not waiting meanwhile.
  for (const auto& v : snapshot_threads()) {
    if (v.pool_id == pool.snapshot().id && v.worker_index) {
      EXPECT_FALSE(v.wait.has_value());
    }
  }
  tx.send(1);
  done.wait();
}

}  // namespace
}  // namespace knot
