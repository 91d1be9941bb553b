// snapshot_threads: names, stages, worker roles, and the current wait of
// every parked thread with its resource's facts.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "common/deadline.h"
#include "knot/runtime.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

std::optional<ThreadView> find_thread(std::int64_t tid) {
  for (auto& t : snapshot_threads()) {
    if (t.os_thread_id == tid) return t;
  }
  return std::nullopt;
}

// Polls until `tid` is parked in a wait of `kind` and returns that view.
std::optional<ThreadView> wait_until_parked(std::int64_t tid, WaitKind kind) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto t = find_thread(tid);
    if (t && t->wait && t->wait->kind == kind) return t;
    std::this_thread::sleep_for(1ms);
  }
  return std::nullopt;
}

// Names and stages of a plain thread; the OS name is cut to 15 characters.
TEST(ThreadsTest, NamesAndStages) {
  std::int64_t tid = 0;
  std::thread t([&] {
    this_thread::set_name("stage-three-embedder");
    tid = this_thread_id();
    EXPECT_EQ(this_thread::name(), "stage-three-embedder");
    char os_name[32] = {};
    pthread_getname_np(pthread_self(), os_name, sizeof os_name);
    EXPECT_STREQ(os_name, "stage-three-emb");
    auto outer = stage_scope("reprocess");
    {
      auto inner = stage_scope("embed");
      auto view = find_thread(tid);
      ASSERT_TRUE(view.has_value());
      EXPECT_EQ(view->stage, "embed");
      EXPECT_EQ(view->name, "stage-three-embedder");
      EXPECT_FALSE(view->wait.has_value());
      EXPECT_EQ(view->pool_id, 0u);
    }
    EXPECT_EQ(find_thread(tid)->stage, "reprocess");
  });
  t.join();
  // The record leaves with its thread.
  EXPECT_FALSE(find_thread(tid).has_value());
}

// Workers are listed with their pool and index.
TEST(ThreadsTest, WorkersHaveTheirPool) {
  ThreadPool pool(PoolOptions{.num_threads = 2, .name = "roles"});
  auto snap = pool.snapshot();
  for (const auto& w : snap.workers) {
    auto view = find_thread(w.os_thread_id);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->pool_id, snap.id);
    ASSERT_TRUE(view->worker_index.has_value());
    EXPECT_EQ(*view->worker_index, w.index);
    EXPECT_EQ(view->name.rfind("roles-", 0), 0u);
  }
}

// Runs `block` on a new thread, waits until it is parked in `kind`, checks
// the view with `check`, then runs `release` and checks the wait is gone.
void expect_wait(WaitKind kind, const std::function<void()>& block,
                 const std::function<void(const WaitView&)>& check,
                 const std::function<void()>& release) {
  Deadline deadline(30s);
  std::atomic<std::int64_t> tid{0};
  std::thread t([&] {
    tid = this_thread_id();
    block();
  });
  while (tid.load() == 0) std::this_thread::yield();
  auto view = wait_until_parked(tid.load(), kind);
  ASSERT_TRUE(view.has_value()) << "never parked in " << to_string(kind);
  check(*view->wait);
  EXPECT_LE(view->wait->since, std::chrono::steady_clock::now());
  release();
  t.join();
}

TEST(ThreadsTest, LatchWaitIsListedWithCount) {
  Latch latch(2, "inputs ready");
  expect_wait(
      WaitKind::kLatch, [&] { latch.wait(); },
      [&](const WaitView& w) {
        EXPECT_EQ(w.name, "inputs ready");
        EXPECT_EQ(w.resource, reinterpret_cast<std::uintptr_t>(&latch));
        EXPECT_EQ(w.facts.count, 2);
        EXPECT_FALSE(w.is_timed);
      },
      [&] { latch.count_down(2); });
}

TEST(ThreadsTest, MutexWaitNamesTheOwner) {
  Mutex m("table");
  m.lock();
  expect_wait(
      WaitKind::kMutex, [&] { std::lock_guard<Mutex> g(m); },
      [&](const WaitView& w) {
        EXPECT_EQ(w.name, "table");
        EXPECT_EQ(w.facts.owner_tid, this_thread_id());
      },
      [&] { m.unlock(); });
}

TEST(ThreadsTest, ChannelWaitsCarryChannelFacts) {
  auto [tx, rx] = channel<int>(1, "processed");
  ASSERT_TRUE(tx.send(1));
  expect_wait(
      WaitKind::kChannelSend, [&, tx = tx]() mutable { (void)tx.send(2); },
      [&](const WaitView& w) {
        EXPECT_EQ(w.name, "processed");
        EXPECT_EQ(w.facts.capacity, std::optional<std::size_t>(1));
        EXPECT_EQ(w.facts.length, 1u);
        EXPECT_GE(w.facts.num_receivers, 1u);
        EXPECT_GE(w.facts.num_senders, 1u);
      },
      [&, rx = rx]() mutable { (void)rx.recv(); });
  auto [tx2, rx2] = unbounded_channel<int>("empty");
  expect_wait(
      WaitKind::kChannelRecv, [&, rx2 = rx2]() mutable { (void)rx2.recv(); },
      [&](const WaitView& w) {
        EXPECT_EQ(w.name, "empty");
        EXPECT_FALSE(w.facts.capacity.has_value());
        EXPECT_EQ(w.facts.length, 0u);
      },
      [&, tx2 = tx2]() mutable { (void)tx2.send(1); });
}

TEST(ThreadsTest, InstallWaitNamesThePool) {
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "slow"});
  Latch gate(1);
  expect_wait(
      WaitKind::kInstall, [&] { pool.install([&] { gate.wait(); }); },
      [&](const WaitView& w) {
        EXPECT_EQ(w.name, "slow");
        EXPECT_EQ(w.facts.pool_id, pool.snapshot().id);
      },
      [&] { gate.count_down(); });
}

TEST(ThreadsTest, BlockingRegionIsListed) {
  std::atomic<bool> release{false};
  expect_wait(
      WaitKind::kBlockingRegion,
      [&] {
        auto region = blocking_region("read socket");
        while (!release.load()) std::this_thread::sleep_for(1ms);
      },
      [&](const WaitView& w) { EXPECT_EQ(w.name, "read socket"); },
      [&] { release = true; });
}

// A timed wait is marked timed.
TEST(ThreadsTest, TimedWaitIsMarked) {
  Latch latch(1, "timed");
  expect_wait(
      WaitKind::kLatch, [&] { (void)latch.wait_for(30s); },
      [&](const WaitView& w) { EXPECT_TRUE(w.is_timed); }, [&] { latch.count_down(); });
}

// Snapshots taken in a loop while threads park and unpark never crash and
// never show a wait on a thread that is not parked in it (TSan/ASan).
TEST(ThreadsTest, SnapshotsRaceParking) {
  Deadline deadline(60s);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      for (const auto& t : snapshot_threads()) {
        if (t.wait && t.wait->kind == WaitKind::kChannelRecv) {
          EXPECT_EQ(t.wait->name, "churn");
        }
      }
    }
  });
  auto [tx, rx] = channel<int>(1, "churn");
  std::thread consumer([rx = rx]() mutable {
    while (rx.recv()) {
    }
  });
  for (int i = 0; i < testing::stress_scale(5000); ++i) {
    (void)tx.send(i);
    if (i % 100 == 0) std::this_thread::sleep_for(10us);
  }
  { auto drop = std::move(tx); }
  consumer.join();
  stop = true;
  reader.join();
}

}  // namespace
}  // namespace knot

namespace knot {
namespace {

std::atomic<int> g_hook_calls{0};

std::size_t fake_stack_hook(std::uintptr_t* pcs, std::size_t max) noexcept {
  g_hook_calls++;
  std::size_t n = max < 3 ? max : 3;
  for (std::size_t i = 0; i < n; ++i) pcs[i] = 0x1000 + i;
  return n;
}

// With a stack hook installed, each wait carries the stack it captured at
// the wait site; without one, waits carry none.
TEST(ThreadsTest, WaitStackHookRecordsTheWaitSite) {
  EXPECT_EQ(set_wait_stack_hook(&fake_stack_hook), nullptr);
  Latch latch(1, "with stack");
  expect_wait(
      WaitKind::kLatch, [&] { latch.wait(); },
      [&](const WaitView& w) {
        EXPECT_EQ(w.stack, (std::vector<std::uintptr_t>{0x1000, 0x1001, 0x1002}));
      },
      [&] { latch.count_down(); });
  EXPECT_GE(g_hook_calls.load(), 1);
  EXPECT_EQ(set_wait_stack_hook(nullptr), &fake_stack_hook);
  Latch second(1, "without stack");
  expect_wait(
      WaitKind::kLatch, [&] { second.wait(); },
      [&](const WaitView& w) { EXPECT_TRUE(w.stack.empty()); }, [&] { second.count_down(); });
}

}  // namespace
}  // namespace knot
