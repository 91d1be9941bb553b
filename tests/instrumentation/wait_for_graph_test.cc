// WaitForGraph and Detector on synthetic snapshots: the liveness rule (OR
// and AND waits, what counts as alive, exact and inferred knowledge),
// helping waits, cycles, and the detector's confirmation, reporting once
// and warnings. Pure logic: no threads, no clocks.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

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

  PoolSnapshot& pool_at(std::uint64_t id) {
    for (auto& p : s_.pools) {
      if (p.id == id)
        return p;
    }
    return s_.pools.front();
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

  // A full channel send side whose receivers are held by `receivers`
  // (each used its handle: exact), or made by them and not used yet.
  ResourceFacts& send_full(std::uint32_t index, std::uintptr_t channel,
                           std::vector<ActorId> receivers, HandleBasis basis = HandleBasis::kUsed) {
    ResourceFacts& f = wait(index, WaitKind::kChannelSend, channel, "c");
    f.capacity = 2;
    f.length = 2;
    f.num_senders = 1;
    f.num_receivers = receivers.empty() ? 1 : receivers.size();
    for (std::size_t i = 0; i < receivers.size(); ++i) {
      f.recent_receivers[i] = receivers[i];
      f.receiver_handles[i] = HandleHolder{receivers[i], basis};
    }
    return f;
  }

  // frame() pushes a helping wait on thread `index`'s wait stack: it waits
  // for `awaited` (a job, or a scope) in pool `pool`.
  WaitFrame& frame(std::uint32_t index, WaitKind kind, std::uintptr_t awaited, std::uint64_t pool,
                   std::uintptr_t under_job = 0) {
    WaitFrame f;
    f.kind = kind;
    f.awaited = awaited;
    f.pool_id = pool;
    f.under_job = under_job;
    f.since = kStart;
    at(index).frames.push_back(f);
    at(index).task.job = under_job;
    return at(index).frames.back();
  }

  // runs() marks thread `index` as running job `job` (of scope `group`).
  void runs(std::uint32_t index, std::uintptr_t job, std::uintptr_t group = 0) {
    at(index).task.job = job;
    at(index).task.group = group;
    at(index).task.num_started = 1;
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

std::vector<std::string> dead_names(const SnapshotBuilder& b, const WaitForGraph& g,
                                    Mode mode = Mode::kProof) {
  std::vector<std::string> out;
  for (int n : g.dead_threads(mode)) {
    const auto& node = g.nodes()[static_cast<std::size_t>(n)];
    out.push_back(const_cast<SnapshotBuilder&>(b).get().threads[node.thread].name);
  }
  return out;
}

std::vector<std::string> cycle_labels(const WaitForGraph& g, const std::string& start,
                                      Mode mode = Mode::kProof) {
  std::vector<std::string> labels;
  for (int n : g.cycle_from(g.find(start), mode))
    labels.push_back(g.node(n).label);
  return labels;
}

// The seed: thread 'embed' waits on pool 'global', whose workers all send
// into a full channel whose only receiver 'embed' holds (and used).
SnapshotBuilder seed(HandleBasis basis = HandleBasis::kUsed) {
  SnapshotBuilder b;
  b.pool(1, "global", 3);
  const auto w0 = b.thread("global-0", 1);
  const auto w1 = b.thread("global-1", 1);
  const auto embed = b.thread("embed");
  b.send_full(w0, 0x1000, {thread_actor(embed)}, basis);
  b.send_full(w1, 0x1000, {thread_actor(embed)}, basis);
  b.wait(embed, WaitKind::kInstall, 0x5000, "global").pool_id = 1;
  return b;
}

// Runs the detector on the same snapshot until it says something (at most
// `times` looks), moving the clock by `step` between looks.
std::vector<Finding> observe_until(Detector& d, SnapshotBuilder& b, int times,
                                   std::chrono::milliseconds step = 10ms) {
  for (int i = 0; i < times; ++i) {
    auto findings = d.observe(b.get(), WaitForGraph::build(b.get()));
    if (!findings.empty())
      return findings;
    b.get().time += step;
  }
  return {};
}

// ============================================================================
// Liveness
// ============================================================================

TEST(WaitForGraphTest, SeedIsDeadAndItsCycleReadsInTheUsersNames) {
  SnapshotBuilder b = seed();
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"global-0", "global-1", "embed"}));
  // The detector starts it at the thread outside the pool.
  Detector d;
  d.observe(b.get(), g);
  const auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  std::vector<std::string> labels;
  for (const int n : findings[0].cycle)
    labels.push_back(g.node(n).label);
  EXPECT_EQ(labels, (std::vector<std::string>{"thread 'embed'", "pool 'global'", "channel 'c'"}));
}

TEST(WaitForGraphTest, AnyAliveWakerKeepsTheWaitAlive) {
  // Same as the seed, but a second receiver of the channel is running.
  SnapshotBuilder b = seed();
  const auto other = b.thread("other-receiver");
  for (auto& t : b.get().threads) {
    if (t.wait && t.wait->kind == WaitKind::kChannelSend) {
      t.wait->facts.receiver_handles[1] = HandleHolder{thread_actor(other), HandleBasis::kUsed};
      t.wait->facts.num_receivers = 2;
    }
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
      {"no receiver handle known",
       [](SnapshotBuilder& b) {
         b.at(1).wait->facts.receiver_handles = {};
         b.at(2).wait->facts.receiver_handles = {};
       }},
      {"a receiver handle knot does not track",
       [](SnapshotBuilder& b) {
         b.at(1).wait->facts.untracked_receivers = 1;
         b.at(2).wait->facts.untracked_receivers = 1;
       }},
      {"a receiver that exited",
       [](SnapshotBuilder& b) {
         b.at(1).wait->facts.receiver_handles[0].actor = thread_actor(77);
         b.at(2).wait->facts.receiver_handles[0].actor = thread_actor(77);
       }},
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

// Regression (issue: "a receiver that has not received yet"): the only
// receiver was made by 'embed' and never used. Who holds it is a guess, so
// the seed is no proof; it is an inferred deadlock that names the guess.
TEST(WaitForGraphTest, AnUnusedHandleIsAGuessNotAProof) {
  SnapshotBuilder b = seed(HandleBasis::kCreated);
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(dead_names(b, g, Mode::kProof).empty());
  EXPECT_EQ(dead_names(b, g, Mode::kInferred),
            (std::vector<std::string>{"global-0", "global-1", "embed"}));
  const int channel = g.find("resource:4096:send");
  ASSERT_GE(channel, 0);
  EXPECT_NE(g.node(channel).assumption.find("thread 'embed'"), std::string::npos)
      << g.node(channel).assumption;
}

// Regression (issue: a latch counted down once by 'main', then by a plain
// thread 3 s later): who will count a latch down is only ever inferred.
TEST(WaitForGraphTest, LatchCountersAreInferred) {
  SnapshotBuilder b;
  b.pool(1, "p", 1);
  const auto w0 = b.thread("p-0", 1);
  const auto main_thread = b.thread("main");
  ResourceFacts& latch = b.wait(w0, WaitKind::kLatch, 0x300, "ready");
  latch.count = 1;
  latch.recent_counters = {thread_actor(main_thread)};
  b.wait(main_thread, WaitKind::kInstall, 0x5000, "p").pool_id = 1;
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(g.dead_threads(Mode::kProof).empty());
  EXPECT_EQ(dead_names(b, g, Mode::kInferred), (std::vector<std::string>{"p-0", "main"}));
  EXPECT_EQ(g.node(g.find("resource:768")).assumption,
            "only thread 'main' counts latch 'ready' down (the only one seen doing so)");
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

  Detector d;
  EXPECT_TRUE(d.observe(b.get(), g).empty());  // first sight: a candidate
  EXPECT_TRUE(d.wants_confirmation());
  auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kSelfDeadlock);
  EXPECT_TRUE(findings[0].is_proven());
  EXPECT_EQ(g.node(findings[0].cycle[1]).label, "mutex 'm'");
}

TEST(WaitForGraphTest, ChannelCycleBetweenThreads) {
  SnapshotBuilder b;
  const auto left = b.thread("left");
  const auto right = b.thread("right");
  b.send_full(left, 0x100, {thread_actor(right)});
  b.send_full(right, 0x200, {thread_actor(left)});
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"left", "right"}));
  EXPECT_EQ(g.cycle_from(g.find("thread:101")).size(), 4u);
}

// ============================================================================
// Shared mutexes: AND waits
// ============================================================================

// rayon #1205's shape: 'a' holds 'cache' for reading lower on its stack and
// asks again (a task it runs while it helps); writer 'w' waits for every
// reader, and a writer-preferring lock queues the new reader behind it.
SnapshotBuilder reader_writer_reader() {
  SnapshotBuilder b;
  const auto a = b.thread("a");
  const auto w = b.thread("w");
  b.at(a).held_shared = {0x40};
  ResourceFacts& read = b.wait(a, WaitKind::kSharedMutex, 0x40, "cache");
  read.is_shared_mutex = true;
  read.num_readers = 1;
  read.has_parked_writers = true;
  ResourceFacts& write = b.wait(w, WaitKind::kMutex, 0x40, "cache");
  write.is_shared_mutex = true;
  write.num_readers = 1;
  write.has_parked_writers = true;
  return b;
}

TEST(WaitForGraphTest, ReaderQueuedBehindAWriterWhileHoldingTheLockIsProven) {
  SnapshotBuilder b = reader_writer_reader();
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"a", "w"}));
  EXPECT_EQ(cycle_labels(g, "thread:101").size(), 4u);
  for (const auto& label : cycle_labels(g, "thread:101"))
    EXPECT_TRUE(label == "shared mutex 'cache'" || label == "thread 'a'" || label == "thread 'w'")
        << label;
}

TEST(WaitForGraphTest, AWriterNeedsEveryReaderButOneDeadReaderIsEnough) {
  // Two readers hold it, one of them unknown to knot: the writer still
  // waits for 'a' (dead), so it is dead too.
  SnapshotBuilder b = reader_writer_reader();
  b.at(2).wait->facts.num_readers = 2;
  b.at(1).wait->facts.num_readers = 2;
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"a", "w"}));
  // A writer whose only reader knot cannot name is alive (unknown).
  SnapshotBuilder c = reader_writer_reader();
  c.at(1).held_shared.clear();
  WaitForGraph h = WaitForGraph::build(c.get());
  EXPECT_TRUE(h.dead_threads().empty());
}

// ============================================================================
// Helping waits: wait stacks
// ============================================================================

// rayon #819's shape: worker 'outer-0' waits in install on pool 'inner'
// while it helps pool 'outer'; 'inner''s only worker waits for mutex 'm',
// which 'outer-0' holds in the frame below. The helper is free for pool
// 'outer' (it would take a queued task), yet its own wait is dead.
TEST(WaitForGraphTest, AHelpingWorkerWhoseTopWaitIsDeadIsDead) {
  SnapshotBuilder b;
  b.pool(1, "outer");
  b.pool(2, "inner", 1);
  const auto o0 = b.thread("outer-0", 1);
  const auto i0 = b.thread("inner-0", 2);
  b.frame(o0, WaitKind::kInstall, 0xA2, 2, /*under_job=*/0xA1);
  b.runs(i0, 0xA2);
  b.wait(i0, WaitKind::kMutex, 0x50, "m").owner_tid = b.at(o0).os_thread_id;
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"outer-0", "inner-0"}));
  EXPECT_TRUE(g.node(g.find("pool:1")).is_alive()) << "the helper can take outer's tasks";
  const auto cycle = cycle_labels(g, "thread:101");
  EXPECT_NE(std::find(cycle.begin(), cycle.end(), "mutex 'm'"), cycle.end());
  // Its closure still queued: the install waits for a free worker of
  // 'inner', whose only worker waits for the mutex.
  b.at(i0).task.job = 0;
  WaitForGraph queued = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, queued), (std::vector<std::string>{"outer-0", "inner-0"}));
}

TEST(WaitForGraphTest, AJoinWaitsForTheThreadThatStoleItsHalf) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  const auto w1 = b.thread("p-1", 1);
  const auto main_thread = b.thread("main");
  b.frame(w0, WaitKind::kJoin, 0xB2, 1, /*under_job=*/0xB1);
  b.runs(w1, 0xB2);
  b.send_full(w1, 0x100, {thread_actor(main_thread)});
  b.wait(main_thread, WaitKind::kInstall, 0x5000, "p").pool_id = 1;
  // 'main' waits for its closure (job 0xB1), buried under p-0's join.
  b.frame(main_thread, WaitKind::kInstall, 0xB1, 1);
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, g), (std::vector<std::string>{"p-0", "p-1", "main"}));
  // A task running above the join frame (p-0 took one while it waits): p-0
  // runs, so 'main' is alive through it.
  b.runs(w0, 0xC0);
  WaitForGraph running = WaitForGraph::build(b.get());
  EXPECT_TRUE(running.dead_threads().empty());
}

// The stalled pipeline under kCompensate (seen under load): every worker is
// blocked sending or helps in an isolated join, and the closure of 'embed'
// is queued. An isolated join runs only its own tree, but once it sleeps it
// counts as parked and a spare takes its place: no proof while spares are
// left; at the spare limit, a proof.
TEST(WaitForGraphTest, AnIsolatedJoinUnderCompensateIsNoProofWhileSparesAreLeft) {
  SnapshotBuilder b;
  b.pool(1, "global", 1);
  b.pool_at(1).policy = BlockingPolicy::kCompensate;
  b.pool_at(1).max_spares = 8;
  const auto w0 = b.thread("global-0", 1);
  const auto w1 = b.thread("global-1", 1);
  const auto embed = b.thread("embed");
  b.runs(w0, 0xE1);
  b.send_full(w0, 0x100, {thread_actor(embed)});
  b.frame(w1, WaitKind::kJoin, 0xE1, 1, /*under_job=*/0xE0).is_isolated = true;
  b.wait(embed, WaitKind::kInstall, 0x5000, "global").pool_id = 1;
  b.frame(embed, WaitKind::kInstall, 0xE9, 1);
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(g.dead_threads().empty()) << "a spare can still come";
  b.pool_at(1).num_spares = 8;
  WaitForGraph at_limit = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, at_limit), (std::vector<std::string>{"global-0", "global-1", "embed"}));
}

TEST(WaitForGraphTest, AScopeWaitsForEveryTaskThatRuns) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  const auto w1 = b.thread("p-1", 1);
  const auto w2 = b.thread("p-2", 1);
  const auto outside = b.thread("feeder");
  b.frame(w0, WaitKind::kScope, 0xD0, 1, /*under_job=*/0xD9);
  b.runs(w1, 0xD1, /*group=*/0xD0);
  b.runs(w2, 0xD2, /*group=*/0xD0);
  b.send_full(w2, 0x100, {thread_actor(outside)});  // w2's task blocks on a live thread
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(g.dead_threads().empty()) << "w1 runs, w2 waits for a running thread";
  b.wait(outside, WaitKind::kLatch, 0x200, "never").count = 1;  // nobody counts: unknown
  b.send_full(w1, 0x300, {thread_actor(w0)});                   // w1 waits for the scope's owner
  WaitForGraph h = WaitForGraph::build(b.get());
  EXPECT_EQ(dead_names(b, h), (std::vector<std::string>{"p-0", "p-1"}))
      << "one task of the scope is dead: so is the scope";
}

// ============================================================================
// Fiber tasks
// ============================================================================

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
  // The pool's worker is idle: alive, so the tasks are too.
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

// ============================================================================
// Detector
// ============================================================================

// Detector: confirmation needs the same waits and no progress.
TEST(DetectorTest, ConfirmsOnASecondIdenticalSnapshotAndReportsOnce) {
  SnapshotBuilder b = seed();
  Detector d;
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(d.observe(b.get(), g).empty());
  auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kDeadlock);
  EXPECT_EQ(findings[0].certainty, Certainty::kProven);
  EXPECT_EQ(findings[0].threads.size(), 3u);
  EXPECT_EQ(findings[0].age, 2s);
  // The same deadlock again: not reported twice.
  EXPECT_TRUE(d.observe(b.get(), g).empty());
  EXPECT_TRUE(d.observe(b.get(), g).empty());
}

// Regression (issue: the lazy-init shape got two reports 200 ms apart): a
// thread that gets stuck behind the same cycle later is no new deadlock.
TEST(DetectorTest, AThreadJoiningTheStuckSetMakesNoSecondReport) {
  SnapshotBuilder b = seed();
  Detector d;
  ASSERT_EQ(observe_until(d, b, 3).size(), 1u);
  const auto late = b.thread("late");
  b.wait(late, WaitKind::kInstall, 0x5000, "global").pool_id = 1;
  EXPECT_TRUE(observe_until(d, b, 5).empty());
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

TEST(DetectorTest, AnInferredDeadlockWaitsForItsThresholdAndNamesItsAssumption) {
  SnapshotBuilder b = seed(HandleBasis::kCreated);
  DetectorOptions o;
  o.inferred_threshold = 500ms;
  o.exhaustion_threshold = 100s;
  Detector d(o);
  EXPECT_TRUE(observe_until(d, b, 40).empty()) << "400 ms: not yet";
  auto findings = observe_until(d, b, 20);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kDeadlock);
  EXPECT_EQ(findings[0].certainty, Certainty::kInferred);
  EXPECT_FALSE(findings[0].is_proven());
  ASSERT_EQ(findings[0].assumptions.size(), 1u);
  EXPECT_NE(findings[0].assumptions[0].find("thread 'embed'"), std::string::npos);
}

// A pool dead on a named guess (workers on a latch only 'main' counted
// down, 'main' waiting for the pool) is one inferred deadlock once it
// lasts, not first a pool exhaustion warning and then a deadlock.
TEST(DetectorTest, AGuessIsOneInferredDeadlockNotAlsoAnExhaustion) {
  SnapshotBuilder b;
  b.pool(1, "p", 1);
  const auto w0 = b.thread("p-0", 1);
  const auto main_thread = b.thread("main");
  ResourceFacts& latch = b.wait(w0, WaitKind::kLatch, 0x300, "ready");
  latch.count = 1;
  latch.recent_counters = {thread_actor(main_thread)};
  b.wait(main_thread, WaitKind::kInstall, 0x5000, "p").pool_id = 1;
  DetectorOptions o;
  o.exhaustion_threshold = 0s;
  o.inferred_threshold = 1s;
  Detector d(o);
  std::vector<Finding> all;
  for (int i = 0; i < 200; ++i) {
    for (Finding& f : d.observe(b.get(), WaitForGraph::build(b.get())))
      all.push_back(std::move(f));
    b.get().time += 10ms;
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kind, FindingKind::kDeadlock);
  EXPECT_EQ(all[0].certainty, Certainty::kInferred);
}

TEST(DetectorTest, PoolExhaustionIsAWarningAfterItsThreshold) {
  SnapshotBuilder b;
  b.pool(1, "p", 2);
  const auto w0 = b.thread("p-0", 1);
  const auto w1 = b.thread("p-1", 1);
  // Both send into a channel whose receiver knot cannot name.
  b.send_full(w0, 0x100, {});
  b.send_full(w1, 0x100, {});
  DetectorOptions o;
  o.exhaustion_threshold = 3s;
  Detector d(o);
  WaitForGraph g = WaitForGraph::build(b.get());
  EXPECT_TRUE(g.dead_threads(Mode::kInferred).empty());
  EXPECT_TRUE(d.observe(b.get(), g).empty());
  EXPECT_TRUE(d.observe(b.get(), g).empty()) << "parked 2 s, threshold 3 s";
  b.get().time = kStart + 4s;
  EXPECT_TRUE(d.observe(b.get(), g).empty()) << "first sight past the threshold";
  auto findings = d.observe(b.get(), g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kPoolExhaustion);
  EXPECT_FALSE(findings[0].is_proven());
  EXPECT_EQ(findings[0].pool_id, 1u);
  // A real path: from the pool to the channel that knot cannot see past.
  ASSERT_GE(findings[0].cycle.size(), 2u);
  EXPECT_EQ(g.node(findings[0].cycle.front()).label, "pool 'p'");
  EXPECT_EQ(g.node(findings[0].cycle.back()).label, "channel 'c'");
  // Nothing queued: not exhaustion, whatever the waits.
  b.get().pools[0].injector_depth = 0;
  Detector idle(DetectorOptions{0s, 10s});
  EXPECT_TRUE(idle.observe(b.get(), g).empty());
  EXPECT_TRUE(idle.observe(b.get(), g).empty());
}

// Regression (issue: a consumer pausing 1.5 s every 10 items raised 7
// exhaustion warnings per run): workers parked on a channel that a running
// thread drains are slow, not exhausted.
TEST(DetectorTest, ASlowConsumerIsNoPoolExhaustion) {
  SnapshotBuilder b;
  b.pool(1, "p", 4);
  const auto w0 = b.thread("p-0", 1);
  const auto consumer = b.thread("consumer");  // running (sleeping outside knot)
  b.send_full(w0, 0x100, {thread_actor(consumer)});
  DetectorOptions o;
  o.exhaustion_threshold = 0s;
  Detector d(o);
  EXPECT_TRUE(observe_until(d, b, 5).empty());
}

ThreadState off_cpu(std::int64_t) {
  return ThreadState::kOffCpu;
}
ThreadState on_cpu(std::int64_t) {
  return ThreadState::kOnCpu;
}

// tokio #4730 and rayon #1251's shapes: one task runs on and on while a
// thread waits for its pool. Nobody waiting: no warning.
TEST(DetectorTest, ALongTaskIsAWarningOnlyWhenSomeoneWaitsBehindIt) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  b.runs(w0, 0xE0);
  DetectorOptions o;
  o.long_task_threshold = 1s;
  o.thread_state = &on_cpu;
  Detector d(o);
  EXPECT_TRUE(observe_until(d, b, 30, 100ms).empty()) << "3 s, nobody waits";
  // 'main' waits for a closure queued behind it.
  const auto main_thread = b.thread("main");
  b.wait(main_thread, WaitKind::kInstall, 0x5000, "p").pool_id = 1;
  b.frame(main_thread, WaitKind::kInstall, 0xE9, 1);
  auto findings = observe_until(d, b, 30, 100ms);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kLongTask);
  EXPECT_EQ(findings[0].waiters, std::vector<int>{static_cast<int>(main_thread) - 1});
}

// tokio #4730: a task that never ends (a loop on CPU, or blocked outside
// knot) while its own caller waits for it in install is a warning either
// way; what the OS says of the thread only changes what the report says.
TEST(DetectorTest, ALongTaskItsOwnCallerWaitsForIsAWarningOnOrOffCpu) {
  SnapshotBuilder b;
  b.pool(1, "p");
  const auto w0 = b.thread("p-0", 1);
  const auto main_thread = b.thread("main");
  b.runs(w0, 0xF0);
  b.wait(main_thread, WaitKind::kInstall, 0x5000, "p").pool_id = 1;
  b.frame(main_thread, WaitKind::kInstall, 0xF0, 1);  // main waits for that very task
  DetectorOptions o;
  o.long_task_threshold = 1s;
  for (auto* state : {&on_cpu, &off_cpu}) {
    o.thread_state = state;
    Detector d(o);
    SnapshotBuilder copy = b;
    EXPECT_TRUE(observe_until(d, copy, 9, 100ms).empty()) << "before the threshold";
    auto findings = observe_until(d, copy, 10, 100ms);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::kLongTask);
    EXPECT_EQ(findings[0].task_state,
              state == &on_cpu ? ThreadState::kOnCpu : ThreadState::kOffCpu);
    EXPECT_EQ(findings[0].waiters, std::vector<int>{static_cast<int>(main_thread) - 1});
  }
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
  // So does a task started, even one that suspended at once (kFiber).
  EXPECT_TRUE(observe_at(12s).empty());
  auto findings_again = observe_at(14s);
  ASSERT_EQ(findings_again.size(), 1u) << "stalled again after the progress";
  b.at(w0).task.num_started = 7;
  EXPECT_TRUE(observe_at(15s).empty());
  EXPECT_TRUE(observe_at(19s).empty()) << "4 s since the start, threshold 5 s";
  b.thread("busy");
  EXPECT_TRUE(observe_at(20s).empty());
}

}  // namespace
}  // namespace knot::instr
