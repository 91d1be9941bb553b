// WaitForGraph::build() (wait_for_graph.h): the graph of one snapshot, one
// step per function, in this order:
//
//   1. add_contexts()         a node per thread and fiber task
//   2. add_pools()            a node per pool: "a free worker of it"
//   3. add_top_waits()        each context's top wait: a parked wait, a
//                             helping frame, or nothing (it runs)
//   4. add_pool_wakers()      who can free a worker of each pool
//   5. add_resource_wakers()  who can release each resource, and how that
//                             is known (exact, inferred, unknown)
//   6. add_pool_summaries()   "all N workers parked on X", for the cycle
//
// The liveness rules are in docs/detection.md; solving is graph_solve.cc.

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "graph_labels.h"
#include "wait_for_graph.h"

namespace knot::instr {

namespace {

// What a context is doing at the top of its stack.
enum class Top : std::uint8_t {
  kParked,   // parked in a knot primitive (ThreadView::wait), untimed
  kTimed,    // parked with a deadline
  kBlocked,  // inside a blocking_region
  kFrame,    // in a helping wait (join, scope, install): the top frame
  kRunning,  // running a task, or a thread outside any wait
  kIdle,     // a worker with nothing to do
  kTorn,     // its wait stack could not be read whole
};

// The frame index of a context's top helping wait, or -1.
int top_frame_of(const ThreadView& t) {
  if (t.frames.empty())
    return -1;
  const WaitFrame& top = t.frames.back();
  // A task running above the frame (a helping worker took one) is the top.
  return t.task.job == top.under_job ? static_cast<int>(t.frames.size()) - 1 : -1;
}

Top top_of(const ThreadView& t) {
  if (t.wait) {
    if (t.wait->kind == WaitKind::kBlockingRegion)
      return Top::kBlocked;
    return t.wait->is_timed ? Top::kTimed : Top::kParked;
  }
  if (!t.frames_complete)
    return Top::kTorn;
  if (top_frame_of(t) >= 0)
    return Top::kFrame;
  if (t.task.job != 0 || !t.worker_index)
    return Top::kRunning;
  return Top::kIdle;
}

std::string side_suffix(const WaitView& w) {
  switch (w.kind) {
    case WaitKind::kChannelSend:
      return ":send";
    case WaitKind::kChannelRecv:
      return ":recv";
    case WaitKind::kSharedMutex:
      return ":read";
    case WaitKind::kMutex:
      return w.facts.is_shared_mutex ? ":write" : "";
    default:
      return "";
  }
}

}  // namespace

// GraphBuilder holds the indices the steps share.
class GraphBuilder {
 public:
  explicit GraphBuilder(const RuntimeSnapshot& s) : s_(s) {}

  WaitForGraph build() {
    add_contexts();
    add_pools();
    add_top_waits();
    add_pool_wakers();
    add_resource_wakers();
    add_pool_summaries();
    g_.solve();
    return std::move(g_);
  }

 private:
  // ---- 1. contexts ----
  void add_contexts() {
    for (std::size_t i = 0; i < s_.threads.size(); ++i) {
      const ThreadView& t = s_.threads[i];
      GraphNode n;
      n.id = thread_node_id(t);
      n.kind = NodeKind::kThread;
      n.label = thread_label(t);
      n.thread = static_cast<int>(i);
      const int node = add(std::move(n));
      // A mutex held by a fiber task names it by minus its index.
      ctx_by_owner_[t.is_fiber ? -static_cast<std::int64_t>(t.index) : t.os_thread_id] = node;
      if (!t.is_fiber)
        ctx_by_index_[t.index] = node;
      index_jobs(t, node);
    }
  }

  // The jobs a context runs or waits inside of, and their groups: whoever
  // waits for one of them waits for this context.
  void index_jobs(const ThreadView& t, int node) {
    if (t.task.job != 0)
      job_runner_[t.task.job] = node;
    if (t.task.group != 0)
      group_runners_[t.task.group].push_back(node);
    for (const WaitFrame& f : t.frames) {
      if (f.under_job != 0)
        job_runner_[f.under_job] = node;
      if (f.under_group != 0)
        group_runners_[f.under_group].push_back(node);
    }
  }

  // ---- 2. pools ----
  void add_pools() {
    for (std::size_t i = 0; i < s_.pools.size(); ++i) {
      const PoolSnapshot& p = s_.pools[i];
      GraphNode n;
      n.id = "pool:" + std::to_string(p.id);
      n.kind = NodeKind::kPool;
      n.label = "pool " + quoted(p.name);
      n.pool = static_cast<int>(i);
      pool_by_id_[p.id] = add(std::move(n));
    }
  }

  int pool_node(std::uint64_t id) {
    if (auto it = pool_by_id_.find(id); it != pool_by_id_.end())
      return it->second;
    // A pool that is gone or unknown: whatever it ran, knot cannot see it.
    GraphNode n;
    n.id = "pool:" + std::to_string(id);
    n.kind = NodeKind::kPool;
    n.label = "pool #" + std::to_string(id);
    n.seed = Seed::kUnknown;
    n.why = "pool not in the snapshot";
    const int node = add(std::move(n));
    pool_by_id_[id] = node;
    return node;
  }

  // ---- 3. top waits ----
  void add_top_waits() {
    for (std::size_t i = 0; i < s_.threads.size(); ++i) {
      const ThreadView& t = s_.threads[i];
      const int ctx = find(thread_node_id(t));
      switch (top_of(t)) {
        case Top::kParked:
          add_parked_wait(ctx, t, static_cast<int>(i));
          break;
        case Top::kFrame:
          add_frame_wait(ctx, t, top_frame_of(t));
          break;
        case Top::kTimed:
          seed(ctx, Seed::kRuns, "timed wait");
          break;
        case Top::kBlocked:
          seed(ctx, Seed::kRuns, "blocked in a blocking region (outside knot's view)");
          break;
        case Top::kRunning:
          add_running(ctx, t);
          break;
        case Top::kIdle:
          seed(ctx, Seed::kRuns, "idle worker");
          break;
        case Top::kTorn:
          seed(ctx, Seed::kUnknown, "its wait stack changed while it was read");
          break;
      }
    }
  }

  // A running context runs; a running fiber task runs only as long as the
  // worker thread that runs it does (a thread blocked outside knot blocks
  // its fiber too).
  void add_running(int ctx, const ThreadView& t) {
    if (t.is_fiber) {
      for (const ThreadView& host : s_.threads) {
        if (!host.is_fiber && host.task.fiber == t.index && t.index != 0) {
          g_.add_edge(ctx, find(thread_node_id(host)), true, Basis::kExact, "runs on",
                      /*is_host=*/true);
          return;
        }
      }
    }
    seed(ctx, Seed::kRuns, t.task.job != 0 ? "running a task" : "not in a wait");
  }

  void add_parked_wait(int ctx, const ThreadView& t, int thread) {
    const WaitView& w = *t.wait;
    if (is_pool_wait(w.kind)) {
      // install() or join() from outside: the frame names the job.
      if (!t.frames.empty() && t.frames.back().pool_id == w.facts.pool_id &&
          t.frames.back().kind == w.kind) {
        add_frame_wait(ctx, t, static_cast<int>(t.frames.size()) - 1);
      } else {
        g_.add_edge(ctx, pool_node(w.facts.pool_id), true, Basis::kExact, wait_label(w.kind));
      }
      return;
    }
    const std::string id = "resource:" + std::to_string(w.resource) + side_suffix(w);
    int r = find(id);
    if (r < 0) {
      GraphNode n;
      n.id = id;
      n.kind = NodeKind::kResource;
      n.label = resource_label(w);
      n.wait_kind = w.kind;
      n.described_by = thread;
      r = add(std::move(n));
    }
    g_.add_edge(ctx, r, true, Basis::kExact, wait_label(w.kind));
  }

  // A helping (or suspended, or parked outside) wait for a job or a scope.
  void add_frame_wait(int ctx, const ThreadView& t, int frame) {
    GraphNode& n = g_.nodes_[static_cast<std::size_t>(ctx)];
    n.top_frame = frame;
    const WaitFrame& f = t.frames[static_cast<std::size_t>(frame)];
    if (f.kind == WaitKind::kScope) {
      g_.add_edge(ctx, scope_node(f), true, Basis::kExact, "waits for the tasks of");
      return;
    }
    const int runner = runner_of(f.awaited, ctx);
    if (runner >= 0) {
      g_.add_edge(ctx, runner, true, Basis::kExact,
                  f.kind == WaitKind::kJoin ? "waits for the half it forked, which runs on"
                                            : "waits for its closure, which runs on");
    } else if (f.kind == WaitKind::kInstall) {
      g_.add_edge(ctx, pool_node(f.pool_id), true, Basis::kExact,
                  "waits for its queued closure in");
    } else {
      // A stolen half between its thief's queue and its mark: about to run
      // or just done.
      seed(ctx, Seed::kRuns, "the half it forked is being taken or finished");
    }
  }

  // The scope a frame waits for: every task of it that runs must end (AND);
  // with none running, its queued tasks need a free worker.
  int scope_node(const WaitFrame& f) {
    const std::string id = "scope:" + std::to_string(f.awaited);
    if (const int existing = find(id); existing >= 0)
      return existing;
    GraphNode n;
    n.id = id;
    n.kind = NodeKind::kScope;
    n.is_and = true;
    n.label = "the tasks of a scope in " + g_.node(pool_node(f.pool_id)).label;
    const int node = add(std::move(n));
    bool any = false;
    if (auto it = group_runners_.find(f.awaited); it != group_runners_.end()) {
      std::set<int> runners(it->second.begin(), it->second.end());
      for (const int runner : runners) {
        g_.add_edge(node, runner, false, Basis::kExact, "has a task running on");
        any = true;
      }
    }
    if (!any)
      g_.add_edge(node, pool_node(f.pool_id), false, Basis::kExact, "has tasks queued in");
    return node;
  }

  int runner_of(std::uintptr_t job, int self) const {
    auto it = job_runner_.find(job);
    return it == job_runner_.end() || it->second == self ? -1 : it->second;
  }

  // ---- 4. pool wakers ----
  void add_pool_wakers() {
    for (std::size_t i = 0; i < s_.pools.size(); ++i) {
      const PoolSnapshot& p = s_.pools[i];
      const int node = pool_by_id_.at(p.id);
      if (p.workers.empty()) {
        seed(node, Seed::kUnknown, "no worker in the snapshot");
        continue;
      }
      // Spares (kCompensate, kFiber) are among the workers while active: a
      // spare starts only when a worker parks, so one that could still
      // come is no free worker now.
      for (const WorkerView& w : p.workers)
        add_worker_waker(node, w, p);
    }
  }

  void add_worker_waker(int pool, const WorkerView& w, const PoolSnapshot& p) {
    auto it = ctx_by_owner_.find(w.os_thread_id);
    if (w.os_thread_id == 0 || it == ctx_by_owner_.end()) {
      seed(pool, Seed::kUnknown, "a worker knot cannot see");
      return;
    }
    const ThreadView& t = thread_of(it->second);
    const Top top = top_of(t);
    if (top == Top::kIdle) {
      seed(pool, Seed::kRuns, "worker " + quoted(t.name) + " is idle");
    } else if (top == Top::kFrame && !t.is_fiber &&
               !t.frames[static_cast<std::size_t>(top_frame_of(t))].is_isolated) {
      seed(pool, Seed::kRuns,
           "worker " + quoted(t.name) + " helps while it waits and can run a queued task");
    } else if (top == Top::kFrame && !t.is_fiber && p.policy == BlockingPolicy::kCompensate &&
               p.num_spares < p.max_spares) {
      // An isolated join runs only its own tree; once it finds nothing to
      // run it sleeps, counts as parked, and a spare takes its place.
      seed(pool, Seed::kRuns,
           "worker " + quoted(t.name) +
               " waits in an isolated join: when it sleeps, a spare takes its place");
    } else {
      g_.add_edge(pool, it->second, false, Basis::kExact, "needs a free worker, such as");
    }
  }

  // ---- 5. resource wakers ----
  void add_resource_wakers() {
    const std::size_t n = g_.nodes_.size();
    for (std::size_t r = 0; r < n; ++r) {
      if (g_.nodes_[r].kind != NodeKind::kResource)
        continue;
      const int node = static_cast<int>(r);
      const ThreadView& describer = s_.threads[static_cast<std::size_t>(g_.nodes_[r].described_by)];
      const WaitView& w = *describer.wait;
      switch (w.kind) {
        case WaitKind::kChannelSend:
          add_channel_wakers(node, w, /*send=*/true);
          break;
        case WaitKind::kChannelRecv:
          add_channel_wakers(node, w, /*send=*/false);
          break;
        case WaitKind::kLatch:
          add_latch_wakers(node, w);
          break;
        case WaitKind::kMutex:
          if (w.facts.is_shared_mutex) {
            add_writer_wakers(node, w);
          } else {
            add_owner(node, w.facts.owner_tid, "held by");
          }
          break;
        case WaitKind::kSharedMutex:
          add_reader_wakers(node, w);
          break;
        default:
          seed(node, Seed::kUnknown, "not modelled");
          break;
      }
    }
  }

  // A full send side waits for whoever holds a receiver (or an empty
  // receive side for whoever holds a sender): exact when the holder used
  // that handle and nobody else did; inferred otherwise.
  void add_channel_wakers(int node, const WaitView& w, bool send) {
    const ResourceFacts& f = w.facts;
    const char* label = send ? "drained by" : "fed by";
    const char* handle = send ? "receiver" : "sender";
    if (send ? f.num_receivers == 0 : f.num_senders == 0) {
      seed(node, Seed::kRuns, "closed");
      return;
    }
    if (send ? (f.capacity && f.length < *f.capacity) : f.length > 0)
      seed(node, Seed::kRuns, send ? "has room" : "has messages");
    const HandleHolders& holders = send ? f.receiver_handles : f.sender_handles;
    const RecentActors& recent = send ? f.recent_receivers : f.recent_senders;
    std::vector<std::string> guesses;
    for (const HandleHolder& h : holders)
      add_handle_holder(node, h, recent, label, guesses);
    const std::size_t untracked = send ? f.untracked_receivers : f.untracked_senders;
    if (untracked > 0)
      seed(node, Seed::kUnknown,
           std::to_string(untracked) + " " + handle + "s knot does not track");
    if (g_.successors(node).empty() && g_.node(node).seed == Seed::kNone)
      seed(node, Seed::kUnknown, std::string("no ") + handle + " knot can name");
    if (!guesses.empty()) {
      GraphNode& n = g_.nodes_[static_cast<std::size_t>(node)];
      const bool one = guesses.size() == 1;
      n.assumption = join_labels(guesses) + (one ? " holds the only " : " hold the only ") +
                     std::string(handle) + (one ? "" : "s") + " that can " +
                     (send ? "drain " : "feed ") + n.label;
    }
  }

  void add_handle_holder(int node, const HandleHolder& h, const RecentActors& recent,
                         const char* label, std::vector<std::string>& guesses) {
    if (h.basis == HandleBasis::kNone)
      return;
    std::vector<ActorId> actors{h.actor};
    if (h.basis == HandleBasis::kShared) {
      for (const ActorId a : recent) {
        if (a != 0 && std::find(actors.begin(), actors.end(), a) == actors.end())
          actors.push_back(a);
      }
    }
    for (const ActorId a : actors) {
      const int waker = actor_node(a);
      if (waker < 0) {
        seed(node, Seed::kUnknown, "a holder that has exited or is unknown");
        continue;
      }
      if (h.basis == HandleBasis::kUsed) {
        g_.add_edge(node, waker, false, Basis::kExact, label);
        continue;
      }
      g_.add_edge(node, waker, false, Basis::kInferred, std::string(label) + " (assumed)");
      g_.nodes_[static_cast<std::size_t>(node)].has_inferred = true;
      const std::string who = g_.node(waker).label;
      const std::string guess =
          h.basis == HandleBasis::kCreated
              ? who +
                    " (or whoever it handed the handle to: it made or moved it, and "
                    "nobody has used it since)"
              : who + " (sharing one handle)";
      if (std::find(guesses.begin(), guesses.end(), guess) == guesses.end())
        guesses.push_back(guess);
    }
  }

  // A latch waits for whoever will count it down: knot only saw who did.
  void add_latch_wakers(int node, const WaitView& w) {
    if (w.facts.count <= 0) {
      seed(node, Seed::kRuns, "open");
      return;
    }
    std::vector<std::string> names;
    for (const ActorId a : w.facts.recent_counters) {
      if (a == 0)
        continue;
      const int waker = actor_node(a);
      if (waker < 0) {
        seed(node, Seed::kUnknown, "a counter that has exited or is unknown");
        continue;
      }
      g_.add_edge(node, waker, false, Basis::kInferred, "counted down by (as seen before)");
      names.push_back(g_.node(waker).label);
    }
    GraphNode& n = g_.nodes_[static_cast<std::size_t>(node)];
    if (names.empty()) {
      seed(node, Seed::kUnknown, "nobody counted it down yet");
      return;
    }
    n.has_inferred = true;
    n.assumption = "only " + join_labels(names) + " count" + (names.size() == 1 ? "s " : " ") +
                   n.label + " down (" + (names.size() == 1 ? "the only one" : "the ones") +
                   " seen doing so)";
  }

  void add_owner(int node, std::int64_t owner, const char* label) {
    if (owner == 0) {
      seed(node, Seed::kRuns, "not held");
      return;
    }
    auto it = ctx_by_owner_.find(owner);
    if (it == ctx_by_owner_.end()) {
      seed(node, Seed::kUnknown, "held by a thread knot cannot see");
      return;
    }
    g_.add_edge(node, it->second, false, Basis::kExact, label);
  }

  // begin_shared_mutex_and() makes `node`, a wait on a shared mutex, an AND
  // node and adds the writer that holds the mutex, if any, as its first
  // member; returns the members added (0 or 1).
  std::size_t begin_shared_mutex_and(int node, const ResourceFacts& f) {
    g_.nodes_[static_cast<std::size_t>(node)].is_and = true;
    if (f.owner_tid == 0)
      return 0;
    add_owner(node, f.owner_tid, "held by");
    return 1;
  }

  // A writer of a shared mutex waits for the writer that holds it and for
  // every reader (AND): one holder that never leaves is enough to keep it.
  void add_writer_wakers(int node, const WaitView& w) {
    GraphNode& n = g_.nodes_[static_cast<std::size_t>(node)];
    const ResourceFacts& f = w.facts;
    std::size_t members = begin_shared_mutex_and(node, f);
    std::size_t found = 0;
    for (const ThreadView& t : s_.threads) {
      const auto count = static_cast<std::size_t>(
          std::count(t.held_shared.begin(), t.held_shared.end(), w.resource));
      if (count == 0)
        continue;
      found += count;
      g_.add_edge(node, find(thread_node_id(t)), false, Basis::kExact, "read-held by");
      ++members;
    }
    if (found > f.num_readers) {
      // A list names more readers than hold it: some entry is stale (read
      // while it changed), and any one of them might be.
      seed(node, Seed::kUnknown, "readers knot cannot match to threads");
      return;
    }
    if (found < f.num_readers)
      ++n.unknown_members;
    if (members == 0 && n.unknown_members == 0)
      seed(node, Seed::kRuns, "free");
    else if (members == 0)
      seed(node, Seed::kUnknown, "read-held by threads knot cannot name");
  }

  // A reader waits while a writer holds the lock or is parked for it
  // (writers first): every one of them must get through (AND).
  void add_reader_wakers(int node, const WaitView& w) {
    GraphNode& n = g_.nodes_[static_cast<std::size_t>(node)];
    const ResourceFacts& f = w.facts;
    std::size_t members = begin_shared_mutex_and(node, f);
    for (const ThreadView& t : s_.threads) {
      if (t.wait && t.wait->resource == w.resource && t.wait->kind == WaitKind::kMutex) {
        g_.add_edge(node, find(thread_node_id(t)), false, Basis::kExact,
                    "blocked for readers by the waiting writer");
        ++members;
      }
    }
    if (f.has_parked_writers && members == (f.owner_tid != 0 ? 1u : 0u))
      ++n.unknown_members;
    if (members == 0 && n.unknown_members == 0)
      seed(node, Seed::kRuns, "no writer holds it or waits");
    else if (members == 0)
      seed(node, Seed::kUnknown, "a writer knot cannot see waits");
  }

  // ---- 6. summaries ----
  // A pool whose workers all wait, untimed, on one resource: say so
  // directly, so that the cycle reads "pool 'global' -> channel 'processed'".
  void add_pool_summaries() {
    for (const PoolSnapshot& snapshot_pool : s_.pools) {
      const int p = pool_by_id_.at(snapshot_pool.id);
      const GraphNode& n = g_.node(p);
      if (n.pool < 0 || n.seed != Seed::kNone)
        continue;
      const std::vector<int> workers = g_.successors(p);
      int common = -1;
      bool same = !workers.empty();
      for (const int worker : workers) {
        const std::vector<int> next = g_.successors(worker);
        if (g_.node(worker).seed != Seed::kNone || next.size() != 1 ||
            (common >= 0 && next[0] != common)) {
          same = false;
          break;
        }
        common = next[0];
      }
      if (!same || common < 0)
        continue;
      const PoolSnapshot& pool = s_.pools[static_cast<std::size_t>(n.pool)];
      const GraphNode& target = g_.node(common);
      std::string how = "all " + std::to_string(pool.workers.size()) + " workers parked";
      how += target.kind == NodeKind::kResource ? " (" + wait_label(target.wait_kind) + ")"
                                                : " waiting for";
      g_.add_edge(p, common, false, Basis::kExact, how);
    }
  }

  // ---- helpers ----
  int add(GraphNode n) {
    const int node = g_.add_node(std::move(n));
    by_id_[g_.node(node).id] = node;
    return node;
  }
  int find(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? -1 : it->second;
  }
  void seed(int node, Seed seed, std::string why) {
    GraphNode& n = g_.nodes_[static_cast<std::size_t>(node)];
    // kRuns wins over kUnknown: one sure waker is enough for an OR node.
    if (n.seed == Seed::kRuns || (n.seed == Seed::kUnknown && seed == Seed::kUnknown))
      return;
    n.seed = seed;
    n.why = std::move(why);
  }
  const ThreadView& thread_of(int node) const {
    return s_.threads[static_cast<std::size_t>(g_.node(node).thread)];
  }
  // actor_node() is the node of a primitive's user: its pool, or its thread.
  int actor_node(ActorId actor) {
    if (is_pool_actor(actor))
      return pool_by_id_.count(actor_id(actor)) != 0 ? pool_by_id_.at(actor_id(actor)) : -1;
    auto it = ctx_by_index_.find(static_cast<std::uint32_t>(actor_id(actor)));
    return it == ctx_by_index_.end() ? -1 : it->second;
  }

  const RuntimeSnapshot& s_;
  WaitForGraph g_;
  std::unordered_map<std::string, int> by_id_;
  std::unordered_map<std::int64_t, int> ctx_by_owner_;  // OS tid, or -index of a fiber task
  std::unordered_map<std::uint32_t, int> ctx_by_index_;
  std::unordered_map<std::uint64_t, int> pool_by_id_;
  std::unordered_map<std::uintptr_t, int> job_runner_;
  std::unordered_map<std::uintptr_t, std::vector<int>> group_runners_;
};

WaitForGraph WaitForGraph::build(const RuntimeSnapshot& snapshot) {
  return GraphBuilder(snapshot).build();
}

}  // namespace knot::instr
