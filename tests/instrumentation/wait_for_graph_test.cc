// WaitForGraph and Detector on synthetic snapshots: the liveness rule (OR
// waits, what counts as alive), cycles, and the detector's confirmation,
// reporting once and warnings. Pure logic: no threads, no clocks.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "detector.h"
#include "wait_for_graph.h"

namespace knot::instr {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

constexpr Time kStart{std::chrono::seconds(1000)};

// SnapshotBuilder makes RuntimeSnapshots by hand.
class SnapshotBuilder {
 public:
  SnapshotBuilder() { s_.time = kStart + 2s; }

  // thread() adds a thread (tid = 100 + index) and returns its index.
  std::uint32_t thread(const std::string& name, std::uint64_t pool = 0) {
    ThreadView t;
    t.index = static_cast<std::uint32_t>(s_.threads.size() + 1);
    t.os_thread_id = 100 + t.index;
    t.name = name;
    if (pool != 0) {
      t.pool_id = pool;
      for (auto& p : s_.pools) {
        if (p.id == pool) {
          t.worker_index = p.workers.size();
          WorkerView w;
          w.index = p.workers.size();
          w.os_thread_id = t.os_thread_id;
          w.state = WorkerState::kParked;
          p.workers.push_back(w);
          p.num_threads = p.workers.size();
        }
      }
    }
    s_.threads.push_back(t);
    return t.index;
  }

  // fiber() adds a suspended fiber task of pool `pool` (no OS thread).
  std::uint32_t fiber(const std::string& name, std::uint64_t pool) {
    const std::uint32_t index = thread(name);
    at(index).os_thread_id = 0;
    at(index).is_fiber = true;
    at(index).pool_id = pool;
    return index;
  }

  void pool(std::uint64_t id, const std::string& name, std::size_t queued = 0) {
    PoolSnapshot p;
    p.id = id;
    p.name = name;
    p.injector_depth = queued;
    s_.pools.push_back(p);
  }

  ThreadView& at(std::uint32_t index) { return s_.threads[index - 1]; }

  // wait() parks thread `index` on `resource`; returns the facts to fill.
  ResourceFacts& wait(std::uint32_t index, WaitKind kind, std::uintptr_t resource,
                      const std::string& name, bool timed = false) {
    WaitView w;
    w.kind = kind;
    w.resource = resource;
    w.name = name;
    w.is_timed = timed;
    w.since = kStart;
    at(index).wait = w;
    return at(index).wait->facts;
  }

  // A full channel send side drained by `receivers`.
  void send_full(std::uint32_t index, std::uintptr_t channel, RecentActors receivers) {
    ResourceFacts& f = wait(index, WaitKind::kChannelSend, channel, "c");
    f.capacity = 2;
    f.length = 2;
    f.num_senders = 1;
    f.num_receivers = 1;
    f.recent_receivers = receivers;
  }

  void set_worker_state(std::uint32_t index, WorkerState state) {
    for (auto& p : s_.pools) {
      for (auto& w : p.workers) {
        if (w.os_thread_id == at(index).os_thread_id)
          w.state = state;
      }
    }
  }

  RuntimeSnapshot& get() { return s_; }

 private:
  RuntimeSnapshot s_;
};

ActorId thread_actor(std::uint32_t index) {
  return index;
}

std::vector<std::string> dead_names(const SnapshotBuilder& b, const WaitForGraph& g) {
  std::vector<std::string> out;
  for (int n : g.dead_threads()) {
    const auto& node = g.nodes()[static_cast<std::size_t>(n)];
    out.push_back(const_cast<SnapshotBuilder&>(b).get().threads[node.thread].name);
  }
  return out;
}

// The seed: thread 'embed' waits on pool 'global', whose workers all send
// into a full channel drained only by 'embed'.
SnapshotBuilder seed() {
  SnapshotBuilder b;
  b.pool(1, "global", 3);
  const auto w0 = b.thread("global-0", 1);
  const auto w1 = b.thread("global-1", 1);
  const auto embed = b.thread("embed");
  b.send_full(w0, 0x1000, {thread_actor(embed)});
  b.send_full(w1, 0x1000, {thread_actor(embed)});
  b.wait(embed, WaitKind::kInstall, 0x5000, "global").pool_id = 1;
  return b;
}

TEST(WaitForGraphTest, SeedIsDeadAndItsCycleReadsInTheUsersNames) {
  SnapshotBuilder b = seed();
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"global-0", "global-1", "embed"}));
  const int embed = g.find("thread:103");
  ASSERT_GE(embed, 0);
  std::vector<std::string> labels;
  for (int n : g.cycle_from(embed))
    labels.push_back(g.nodes()[static_cast<std::size_t>(n)].label);
  EXPECT_EQ(labels, (std::vector<std::string>{"thread 'embed'", "pool 'global'", "channel 'c'"}));
}

TEST(WaitForGraphTest, AnyAliveWakerKeepsTheWaitAlive) {
  // Same as the seed, but a second receiver of the channel is running.
  SnapshotBuilder b = seed();
  const auto other = b.thread("other-receiver");
  for (auto& t : b.get().threads) {
    if (t.wait && t.wait->kind == WaitKind::kChannelSend)
      t.wait->facts.recent_receivers[1] = thread_actor(other);
  }
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(g.dead_threads().empty());
}

TEST(WaitForGraphTest, WhatKnotCannotSeeCountsAsAlive) {
  struct Case {
    const char* what;
    void (*change)(SnapshotBuilder&);
  };
  const Case cases[] = {
      {"a timed wait", [](SnapshotBuilder& b) { b.at(3).wait->is_timed = true; }},
      {"a blocking region",
       [](SnapshotBuilder& b) { b.at(3).wait->kind = WaitKind::kBlockingRegion; }},
      {"the waker not parked", [](SnapshotBuilder& b) { b.at(3).wait.reset(); }},
      {"no receiver seen yet",
       [](SnapshotBuilder& b) {
         b.at(1).wait->facts.recent_receivers = {};
         b.at(2).wait->facts.recent_receivers = {};
       }},
      {"a receiver that exited",
       [](SnapshotBuilder& b) { b.at(1).wait->facts.recent_receivers[2] = thread_actor(77); }},
      {"room in the channel", [](SnapshotBuilder& b) { b.at(1).wait->facts.length = 1; }},
      {"the channel closed", [](SnapshotBuilder& b) { b.at(1).wait->facts.num_receivers = 0; }},
      {"an idle worker", [](SnapshotBuilder& b) { b.at(2).wait.reset(); }},
      {"a pool not in the snapshot", [](SnapshotBuilder& b) { b.at(3).wait->facts.pool_id = 9; }},
  };
  for (const Case& c : cases) {
    SnapshotBuilder b = seed();
    c.change(b);
    WaitForGraph g = WaitForGraph::build(b.get());
    // With one alive node the whole seed cycle comes alive (threads 1..3),
    // except where only one sender stays dead behind a live channel.
    const auto dead = dead_names(b, g);
    EXPECT_TRUE(dead.empty() || (dead.size() == 1 && std::string(c.what) == "room in the channel"))
        << c.what << ": " << dead.size() << " dead";
  }
}

TEST(WaitForGraphTest, MutexOwnedByAParkedThreadAndSelfDeadlock) {
  SnapshotBuilder b;
  const auto a = b.thread("a");
  const auto x = b.thread("x");
  b.wait(a, WaitKind::kMutex, 0x10, "m").owner_tid = b.at(a).os_thread_id;  // self
  b.wait(x, WaitKind::kMutex, 0x20, "n").owner_tid = 9999;                  // not a knot thread
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), std::vector<std::string>{"a"});
  auto cycle = g.cycle_from(g.find("thread:101"));
  ASSERT_EQ(cycle.size(), 2u);
  EXPECT_EQ(g.nodes()[static_cast<std::size_t>(cycle[1])].label, "mutex 'm'");

  Detector d;
  EXPECT_TRUE(d.observe(b.get(), g).empty());  // first sight: a candidate
  EXPECT_TRUE(d.wants_confirmation());
  auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kSelfDeadlock);
  EXPECT_TRUE(findings[0].is_proven);
}

TEST(WaitForGraphTest, ChannelCycleBetweenThreadsAndLatchCounters) {
  SnapshotBuilder b;
  const auto left = b.thread("left");
  const auto right = b.thread("right");
  b.send_full(left, 0x100, {thread_actor(right)});
  b.send_full(right, 0x200, {thread_actor(left)});
  const auto waiter = b.thread("waiter");
  ResourceFacts& latch = b.wait(waiter, WaitKind::kLatch, 0x300, "done");
  latch.count = 1;
  latch.recent_counters = {thread_actor(left)};
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"left", "right", "waiter"}));
}

// Suspended fiber tasks (kFiber) have no OS thread: each is a node of its
// own, named as a fiber task. Two tasks of a pool waiting on each other's
// full channels, both fed by the pool, are not proven while the pool has a
// free worker; once its workers are all parked they are.
TEST(WaitForGraphTest, SuspendedFiberTasksAreNodesOfTheirOwn) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  const auto a = b.fiber("p-fiber-7", 1);
  const auto c = b.fiber("p-fiber-8", 1);
  b.send_full(a, 0x100, {pool_actor(1)});
  b.send_full(c, 0x200, {pool_actor(1)});
  b.set_worker_state(w0, WorkerState::kSleeping);
  WaitForGraph g = WaitForGraph::build(b.get());
  const int na = g.find("fiber:" + std::to_string(a));
  const int nc = g.find("fiber:" + std::to_string(c));
  ASSERT_GE(na, 0);
  ASSERT_GE(nc, 0);
  EXPECT_NE(na, nc);
  EXPECT_EQ(g.find("thread:0"), -1);
  EXPECT_EQ(g.nodes()[static_cast<std::size_t>(na)].label, "fiber task 'p-fiber-7'");
  // The pool's worker is not parked (no wait): alive, so the tasks are too.
  EXPECT_TRUE(dead_names(b, g).empty());
  // With the worker parked on the channel too, nothing can wake them.
  b.send_full(w0, 0x100, {pool_actor(1)});
  b.set_worker_state(w0, WorkerState::kParked);
  WaitForGraph dead = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, dead), (std::vector<std::string>{"p-0", "p-fiber-7", "p-fiber-8"}));
}

// A mutex locked on a fiber task names the task (minus its index) as its
// owner: a suspended task waiting for a mutex it holds is a self-deadlock
// even though its worker thread runs on.
TEST(WaitForGraphTest, FiberTaskRelockingItsMutexIsDead) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  b.set_worker_state(w0, WorkerState::kRunning);
  const auto f = b.fiber("p-fiber-3", 1);
  b.wait(f, WaitKind::kMutex, 0x700, "config").owner_tid = -static_cast<std::int64_t>(f);
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"p-fiber-3"}));
  const auto cycle = g.cycle_from(g.find("fiber:" + std::to_string(f)));
  EXPECT_EQ(cycle.size(), 2u);  // the task and the mutex
}

// Detector: confirmation needs the same waits and no progress.
TEST(DetectorTest, ConfirmsOnASecondIdenticalSnapshotAndReportsOnce) {
  SnapshotBuilder b = seed();
  Detector d;
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(d.observe(b.get(), g).empty());
  auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kDeadlock);
  EXPECT_EQ(findings[0].threads.size(), 3u);
  EXPECT_EQ(findings[0].age, 2s);
  // The same deadlock again: not reported twice.
  EXPECT_TRUE(d.observe(b.get(), g).empty());
  EXPECT_TRUE(d.observe(b.get(), g).empty());
}

TEST(DetectorTest, ProgressOrANewWaitBetweenSnapshotsIsNoVerdict) {
  for (int variant = 0; variant < 2; ++variant) {
    SnapshotBuilder first = seed();
    SnapshotBuilder second = seed();
    if (variant == 0) {
      second.at(1).wait->facts.num_received = 5;  // the channel moved
    } else {
      second.at(3).wait->since = kStart + 1s;  // 'embed' woke and parked again
    }
    Detector d;
    EXPECT_TRUE(d.observe(first.get(), WaitForGraph::build(first.get())).empty());
    EXPECT_TRUE(d.observe(second.get(), WaitForGraph::build(second.get())).empty()) << variant;
    // A third snapshot equal to the second confirms it.
    EXPECT_EQ(d.observe(second.get(), WaitForGraph::build(second.get())).size(), 1u) << variant;
  }
}

TEST(DetectorTest, PoolExhaustionIsAWarningAfterItsThreshold) {
  SnapshotBuilder b;
  b.pool(1, "p", 2);
  const auto w0 = b.thread("p-0", 1);
  const auto w1 = b.thread("p-1", 1);
  // Both send into a channel nobody received from yet: not provable.
  b.send_full(w0, 0x100, {});
  b.send_full(w1, 0x100, {});
  Detector d(DetectorOptions{3s, 10s});
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(g.dead_threads().empty());
  EXPECT_TRUE(d.observe(b.get(), g).empty());
  EXPECT_TRUE(d.observe(b.get(), g).empty()) << "parked 2 s, threshold 3 s";
  b.get().time = kStart + 4s;
  EXPECT_TRUE(d.observe(b.get(), g).empty()) << "first sight past the threshold";
  auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kPoolExhaustion);
  EXPECT_FALSE(findings[0].is_proven);
  EXPECT_EQ(findings[0].pool_id, 1u);
  // Nothing queued: not exhaustion, whatever the waits.
  b.get().pools[0].injector_depth = 0;
  Detector idle(DetectorOptions{0s, 10s});
  EXPECT_TRUE(idle.observe(b.get(), g).empty());
  EXPECT_TRUE(idle.observe(b.get(), g).empty());
}

TEST(DetectorTest, StallNeedsEveryThreadWaitingAndNoProgress) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  const auto main_thread = b.thread("main");
  b.set_worker_state(w0, WorkerState::kSleeping);
  b.wait(main_thread, WaitKind::kChannelRecv, 0x100, "input").num_senders = 1;
  Detector d(DetectorOptions{1s, 5s});
  auto observe_at = [&](std::chrono::seconds t) {
    b.get().time = kStart + t;
    return d.observe(b.get(), WaitForGraph::build(b.get()));
  };
  EXPECT_TRUE(observe_at(0s).empty());
  EXPECT_TRUE(observe_at(4s).empty());
  auto findings = observe_at(6s);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kStall);
  EXPECT_TRUE(observe_at(7s).empty()) << "reported once";
  // Progress resets it; a running thread outside any wait prevents it.
  b.get().wait_ends = 1;
  EXPECT_TRUE(observe_at(8s).empty());
  b.thread("busy");
  EXPECT_TRUE(observe_at(20s).empty());
}

}  // namespace
}  // namespace knot::instr
