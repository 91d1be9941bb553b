// build_report() (report_builder.h): the report's sections, the narrative
// and the advice.

#include "report_builder.h"

#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>

#ifndef KNOT_VERSION
#define KNOT_VERSION "unknown"
#endif

namespace knot::instr {

namespace {

using report::Report;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

std::string format_seconds(double s) {
  char buf[32];
  if (s < 1.0) {
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  }
  return buf;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

report::Frame to_report_frame(const Frame& f) {
  return {.pc = f.pc,
          .module = f.module,
          .offset = f.offset,
          .build_id = f.build_id,
          .function = f.function,
          .file = f.file,
          .line = f.line,
          .is_knot = f.is_knot,
          .is_inlined = f.is_inlined};
}

std::vector<report::Frame> symbolized(Symbolizer* symbolizer,
                                      const std::vector<std::uintptr_t>& pcs, PcKind first) {
  std::vector<report::Frame> out;
  if (symbolizer == nullptr) {
    for (const std::uintptr_t pc : pcs) {
      report::Frame f;
      f.pc = pc;
      out.push_back(f);
    }
    return out;
  }
  for (const Frame& f : symbolizer->symbolize(pcs, first))
    out.push_back(to_report_frame(f));
  return out;
}

std::string edge_kind(const GraphEdge& e) {
  return e.is_wait ? "waits_for" : "woken_by";
}

// Narrator turns the cycle into sentences.
class Narrator {
 public:
  Narrator(const RuntimeSnapshot& s, const WaitForGraph& g) : s_(s), g_(g) {}

  const GraphNode& node(int n) const { return g_.nodes()[static_cast<std::size_t>(n)]; }

  const GraphEdge* edge(int from, int to) const {
    for (const GraphEdge& e : g_.edges()) {
      if (e.from == from && e.to == to)
        return &e;
    }
    return nullptr;
  }

  // The facts of a resource node, from the thread that described it.
  const ResourceFacts* facts(int n) const {
    const GraphNode& r = node(n);
    if (r.kind != NodeKind::kResource || r.described_by < 0)
      return nullptr;
    return &s_.threads[static_cast<std::size_t>(r.described_by)].wait->facts;
  }

  const PoolSnapshot* pool(int n) const {
    const GraphNode& p = node(n);
    return p.pool >= 0 ? &s_.pools[static_cast<std::size_t>(p.pool)] : nullptr;
  }

  // Stages that the pool's workers are running, for "(running stage 'x')".
  std::string worker_stages(const PoolSnapshot& p) const {
    std::set<std::string> stages;
    for (const ThreadView& t : s_.threads) {
      if (t.pool_id == p.id && !t.stage.empty())
        stages.insert("'" + t.stage + "'");
    }
    if (stages.empty())
      return "";
    std::string out = stages.size() == 1 ? " (running stage " : " (running stages ";
    bool first = true;
    for (const auto& st : stages) {
      out += (first ? "" : ", ") + st;
      first = false;
    }
    return out + ")";
  }

  std::string wakers(int n) const {
    std::vector<std::string> names;
    for (const GraphEdge& e : g_.edges()) {
      if (e.from == n && !e.is_wait)
        names.push_back(node(e.to).label);
    }
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0)
        out += i + 1 == names.size() ? " and " : ", ";
      out += names[i];
    }
    return names.size() == 1 ? "only by " + out : "by " + out;
  }

  std::string fullness(const ResourceFacts& f) const {
    if (!f.capacity)
      return "";
    return " (" + std::to_string(f.length) + "/" + std::to_string(*f.capacity) + " full)";
  }

  // sentence() describes the step from cycle node `a` to node `b`.
  std::string sentence(int a, int b) const {
    const GraphNode& na = node(a);
    const GraphNode& nb = node(b);
    const GraphEdge* e = edge(a, b);
    const std::string label = e != nullptr ? e->label : "waits for";
    if (na.kind == NodeKind::kThread) {
      const ThreadView& t = s_.threads[static_cast<std::size_t>(na.thread)];
      const WaitKind k = t.wait ? t.wait->kind : WaitKind::kBlockingRegion;
      if (nb.kind == NodeKind::kPool) {
        const PoolSnapshot* p = pool(b);
        std::string queued;
        if (p != nullptr) {
          std::size_t own = 0;
          for (const QueuedBy& q : p->injected_by)
            own += q.submitter == ActorId{t.index} ? q.count : 0;
          queued = " (" + std::to_string(p->queued_jobs()) + " queued";
          if (own > 0)
            queued += ", " + std::to_string(own) + " of them its own";
          queued += ")";
        }
        return na.label +
               (k == WaitKind::kInstall ? " waits for the closure it sent to "
                                        : " waits for tasks it submitted to ") +
               nb.label + queued;
      }
      const ResourceFacts* f = facts(b);
      std::string extra;
      if (f != nullptr && k == WaitKind::kChannelSend)
        extra = fullness(*f);
      if (f != nullptr && k == WaitKind::kLatch)
        extra = " (count " + std::to_string(f->count) + ")";
      return na.label + " " + label + " " + nb.label + extra;
    }
    if (na.kind == NodeKind::kPool) {
      const PoolSnapshot* p = pool(a);
      if (nb.kind == NodeKind::kThread) {
        return na.label + " has no free worker: " + nb.label + " is one of its " +
               std::to_string(p != nullptr ? p->workers.size() : 0) + " workers";
      }
      const std::string stages = p != nullptr ? worker_stages(*p) : "";
      std::string how = "parked on";
      if (nb.wait_kind == WaitKind::kChannelSend)
        how = "parked sending into";
      if (nb.wait_kind == WaitKind::kChannelRecv)
        how = "parked receiving from";
      if (nb.wait_kind == WaitKind::kLatch)
        how = "parked waiting for";
      if (nb.wait_kind == WaitKind::kMutex || nb.wait_kind == WaitKind::kSharedMutex)
        how = "parked waiting to lock";
      const ResourceFacts* f = facts(b);
      return "all " + std::to_string(p != nullptr ? p->workers.size() : 0) + " workers of " +
             na.label + stages + " are " + how + " " + nb.label +
             (f != nullptr && nb.wait_kind == WaitKind::kChannelSend ? fullness(*f) : "");
    }
    // A resource and whoever can release it.
    switch (na.wait_kind) {
      case WaitKind::kChannelSend:
        return na.label + " is drained " + wakers(a);
      case WaitKind::kChannelRecv:
        return na.label + " is fed " + wakers(a);
      case WaitKind::kLatch:
        return na.label + " is counted down " + wakers(a);
      case WaitKind::kMutex:
      case WaitKind::kSharedMutex:
        return na.label + " is held by " + nb.label;
      default:
        return na.label + " " + label + " " + nb.label;
    }
  }

  // advice() suggests a way out, by the cycle's shape.
  std::vector<std::string> advice(const std::vector<int>& cycle, FindingKind kind) const {
    std::vector<std::string> out;
    const GraphNode* pool_node = nullptr;
    const GraphNode* channel = nullptr;
    const GraphNode* mutex = nullptr;
    const GraphNode* latch = nullptr;
    const GraphNode* outside = nullptr;
    for (const int n : cycle) {
      const GraphNode& x = node(n);
      if (x.kind == NodeKind::kPool)
        pool_node = &x;
      if (x.kind == NodeKind::kResource &&
          (x.wait_kind == WaitKind::kChannelSend || x.wait_kind == WaitKind::kChannelRecv))
        channel = channel != nullptr ? channel : &x;
      if (x.kind == NodeKind::kResource &&
          (x.wait_kind == WaitKind::kMutex || x.wait_kind == WaitKind::kSharedMutex))
        mutex = &x;
      if (x.kind == NodeKind::kResource && x.wait_kind == WaitKind::kLatch)
        latch = &x;
      if (x.kind == NodeKind::kThread &&
          !s_.threads[static_cast<std::size_t>(x.thread)].worker_index.has_value())
        outside = &x;
    }
    if (kind == FindingKind::kSelfDeadlock && mutex != nullptr) {
      out.push_back("Do not wait for tasks (join, scope, parallel algorithms) while holding " +
                    mutex->label +
                    ": a worker that waits runs other tasks on top of its stack, "
                    "and one of them locked it again. Release the lock before the parallel "
                    "call, or run that call inside knot::isolate() so the worker only runs its "
                    "own subtasks.");
      return out;
    }
    if (pool_node != nullptr && channel != nullptr) {
      const PoolSnapshot* p =
          pool_node->pool >= 0 ? &s_.pools[static_cast<std::size_t>(pool_node->pool)] : nullptr;
      const std::string stages = p != nullptr ? worker_stages(*p) : "";
      // " (running stage 'x')" names the stage that fills the channel.
      const std::string filler = stages.empty()
                                     ? "the tasks that fill " + channel->label
                                     : stages.substr(10, stages.size() - 11) +
                                           " (the tasks that fill " + channel->label + ")";
      out.push_back("Run " + filler + " on a pool of its own (ThreadPool::install), so that " +
                    pool_node->label + " keeps workers free for the tasks of " +
                    (outside != nullptr ? outside->label : std::string("the draining stage")) +
                    ".");
      if (p != nullptr && p->policy == BlockingPolicy::kCompensate) {
        out.push_back(pool_node->label + " already replaces parked workers and has " +
                      std::to_string(p->num_spares) +
                      " spares in use: every spare took another task that blocks in turn. "
                      "Raising max_spares only postpones this; a pool of its own for the "
                      "stage does not (docs/policies.md).");
      } else {
        out.push_back(
            "Or let parked workers be replaced: BlockingPolicy::kCompensate, or kFiber, "
            "whose waiting tasks give their workers back (docs/policies.md), keeps " +
            pool_node->label + " running while its tasks wait.");
      }
    }
    if (pool_node != nullptr && mutex != nullptr) {
      out.push_back("Do not hold " + mutex->label + " while waiting for tasks of " +
                    pool_node->label + " that lock it; release it before the join or install.");
    }
    if (pool_node != nullptr && latch != nullptr) {
      out.push_back("Workers of " + pool_node->label + " block in Latch::wait() on " +
                    latch->label +
                    " while the tasks that count it down are queued behind them: "
                    "wait with a scope (which runs queued tasks) instead, or run the waiters on "
                    "another pool.");
    }
    if (pool_node == nullptr && channel != nullptr) {
      out.push_back(
          "The threads in this cycle each wait on the other's full channel: give one "
          "direction an unbounded channel, or send with try_send()/send_for() and "
          "drain the other channel meanwhile.");
    }
    if (out.empty()) {
      out.push_back(
          "Break the cycle: one of the waits above must not wait for the next "
          "(release, reorder or move it to another pool).");
    }
    return out;
  }

 private:
  const RuntimeSnapshot& s_;
  const WaitForGraph& g_;
};

std::string thread_state(const ThreadView& t, const RuntimeSnapshot& s) {
  if (t.wait)
    return t.wait->kind == WaitKind::kBlockingRegion ? "blocked" : "parked";
  if (t.worker_index) {
    for (const PoolSnapshot& p : s.pools) {
      const WorkerView* w = p.id == t.pool_id ? p.find_worker(*t.worker_index) : nullptr;
      if (w != nullptr &&
          (w->state == WorkerState::kSleeping || w->state == WorkerState::kSearching))
        return "idle";
    }
  }
  return "running";
}

std::vector<std::string> actor_labels(const RecentActors& actors, const RuntimeSnapshot& s) {
  std::vector<std::string> out;
  for (const ActorId a : actors) {
    if (a == 0)
      continue;
    std::string label;
    if (is_pool_actor(a)) {
      label = "pool #" + std::to_string(actor_id(a));
      for (const PoolSnapshot& p : s.pools) {
        if (p.id == actor_id(a))
          label = "pool '" + p.name + "'";
      }
    } else {
      label = "thread #" + std::to_string(actor_id(a));
      for (const ThreadView& t : s.threads) {
        if (t.index == actor_id(a))
          label = thread_label(t);
      }
    }
    out.push_back(label);
  }
  return out;
}

}  // namespace

std::string utc_now_iso8601() {
  return iso8601(std::chrono::system_clock::now());
}

const report::Process& process_info() {
  static const report::Process info = [] {
    report::Process p;
    p.pid = ::getpid();
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0)
      p.executable.assign(exe, static_cast<std::size_t>(n));
    std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
    std::string arg;
    bool first = true;
    while (std::getline(cmdline, arg, '\0')) {
      if (!first)
        p.arguments.push_back(arg);
      first = false;
    }
    // Start time: the process's start in clock ticks since boot (field 22
    // of /proc/self/stat) plus the boot time (btime in /proc/stat).
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    const std::size_t paren = line.rfind(')');
    long long ticks = 0;
    if (paren != std::string::npos) {
      std::istringstream fields(line.substr(paren + 2));
      std::string field;
      for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22)
          ticks = std::atoll(field.c_str());
      }
    }
    std::ifstream system_stat("/proc/stat");
    long long boot = 0;
    while (std::getline(system_stat, line)) {
      if (line.rfind("btime ", 0) == 0)
        boot = std::atoll(line.c_str() + 6);
    }
    const long hz = ::sysconf(_SC_CLK_TCK);
    if (boot > 0 && hz > 0) {
      const auto start = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(boot * 1000 + ticks * 1000 / hz));
      p.start_time = iso8601(start);
    }
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0)
      p.host = host;
    p.knot_version = KNOT_VERSION;
    return p;
  }();
  return info;
}

report::Report build_report(const ReportContext& c) {
  const RuntimeSnapshot& s = *c.snapshot;
  const WaitForGraph& g = *c.graph;
  Narrator narrator(s, g);
  Report r;
  r.id = c.id;
  r.trigger = c.trigger;
  r.process = process_info();

  // Verdict, timed at the snapshot that reached it (stacks and symbols
  // were gathered after it).
  const std::string now = iso8601(std::chrono::system_clock::now() -
                                  std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      std::chrono::steady_clock::now() - s.time));
  if (c.finding != nullptr) {
    r.verdict = report::Verdict{to_string(c.finding->kind), c.finding->is_proven, now,
                                seconds(c.finding->age)};
  } else {
    r.verdict = report::Verdict{"on_demand", false, now, 0.0};
  }

  // Pools.
  for (const PoolSnapshot& p : s.pools) {
    report::Pool pool;
    pool.id = p.id;
    pool.name = p.name;
    pool.policy = p.policy == BlockingPolicy::kBlock        ? "block"
                  : p.policy == BlockingPolicy::kCompensate ? "compensate"
                                                            : "fiber";
    pool.num_threads = p.num_threads;
    pool.num_spares = p.num_spares;
    pool.injector_depth = p.injector_depth;
    pool.pending_tasks = p.pending_tasks;
    pool.tasks_completed = p.tasks_completed();
    for (const QueuedBy& q : p.injected_by) {
      RecentActors one{};
      one[0] = q.submitter;
      const auto labels = actor_labels(one, s);
      pool.queued_by.push_back({labels.empty() ? "unknown" : labels.front(), q.count});
    }
    for (const WorkerView& w : p.workers) {
      pool.workers.push_back({w.index, w.os_thread_id, std::string(to_string(w.state)),
                              w.queue_depth, w.tasks_completed});
    }
    r.pools.push_back(std::move(pool));
  }

  // Resources (one per waited-on primitive), and who holds which mutex.
  std::set<std::uintptr_t> seen;
  std::unordered_map<std::int64_t, std::vector<std::uint64_t>> holds;
  for (const ThreadView& t : s.threads) {
    if (!t.wait || t.wait->kind == WaitKind::kJoin || t.wait->kind == WaitKind::kInstall ||
        t.wait->kind == WaitKind::kPoolShutdown || !seen.insert(t.wait->resource).second) {
      continue;
    }
    const WaitView& w = *t.wait;
    const ResourceFacts& f = w.facts;
    report::Resource res;
    res.id = w.resource;
    res.kind = resource_kind(w.kind);
    res.name = w.name;
    res.capacity = f.capacity;
    res.length = f.length;
    res.num_senders = f.num_senders;
    res.num_receivers = f.num_receivers;
    res.num_sent = f.num_sent;
    res.num_received = f.num_received;
    res.count = f.count;
    // A mutex locked on a fiber task names the task by minus its index.
    res.owner_tid = f.owner_tid > 0 ? f.owner_tid : 0;
    res.owner_fiber = f.owner_tid < 0 ? static_cast<std::uint32_t>(-f.owner_tid) : 0;
    res.num_readers = f.num_readers;
    res.recent_senders = actor_labels(f.recent_senders, s);
    res.recent_receivers =
        actor_labels(w.kind == WaitKind::kLatch ? f.recent_counters : f.recent_receivers, s);
    if (f.owner_tid != 0)
      holds[f.owner_tid].push_back(w.resource);
    r.resources.push_back(std::move(res));
  }

  // Threads, with their stacks: the wait site for parked ones, a signal
  // capture for the others.
  for (const ThreadView& t : s.threads) {
    report::Thread th;
    th.index = t.index;
    th.tid = t.os_thread_id;
    th.name = t.name;
    th.stage = t.stage;
    if (t.worker_index || t.is_fiber) {
      th.pool_id = t.pool_id;
      th.worker_index = t.worker_index;
    }
    th.role = t.is_fiber ? "fiber" : t.worker_index ? "worker" : "outside";
    for (const PoolSnapshot& p : s.pools) {
      // A kCompensate spare: slots from num_threads up.
      if (t.worker_index && p.id == t.pool_id && *t.worker_index >= p.num_threads)
        th.role = "spare";
    }
    th.state = thread_state(t, s);
    const std::int64_t owner_id = t.is_fiber ? -static_cast<std::int64_t>(t.index) : t.os_thread_id;
    if (auto it = holds.find(owner_id); it != holds.end())
      th.holds = it->second;
    if (t.wait) {
      const WaitView& w = *t.wait;
      const bool on_pool = w.kind == WaitKind::kJoin || w.kind == WaitKind::kInstall ||
                           w.kind == WaitKind::kPoolShutdown;
      th.wait = report::Wait{std::string(to_string(w.kind)), on_pool ? w.facts.pool_id : w.resource,
                             w.name, w.is_timed, seconds(s.time - w.since)};
      if (!w.stack.empty()) {
        th.stack_source = "wait_site";
        th.stack = symbolized(c.symbolizer, w.stack, PcKind::kReturnAddress);
      } else {
        th.stack_source = "none";
      }
    } else if (c.running_stacks != nullptr) {
      auto it = c.running_stacks->find(t.os_thread_id);
      if (it == c.running_stacks->end()) {
        th.stack_source = "none";
      } else if (it->second.status == CaptureStatus::kCaptured) {
        th.stack_source = "signal";
        th.stack = symbolized(c.symbolizer, it->second.pcs, it->second.first_pc);
      } else {
        th.stack_source =
            it->second.status == CaptureStatus::kUnresponsive ? "unresponsive" : "none";
      }
    } else {
      th.stack_source = "none";
    }
    r.threads.push_back(std::move(th));
  }

  // The graph: nodes that take part in an edge.
  std::vector<bool> used(g.nodes().size(), false);
  for (const GraphEdge& e : g.edges()) {
    used[static_cast<std::size_t>(e.from)] = true;
    used[static_cast<std::size_t>(e.to)] = true;
  }
  for (std::size_t i = 0; i < g.nodes().size(); ++i) {
    if (!used[i])
      continue;
    const GraphNode& n = g.nodes()[i];
    const char* kind = n.kind == NodeKind::kThread ? "thread"
                       : n.kind == NodeKind::kPool ? "pool"
                                                   : "resource";
    r.graph.nodes.push_back({n.id, kind, n.label, n.is_alive});
  }
  for (const GraphEdge& e : g.edges()) {
    r.graph.edges.push_back({g.nodes()[static_cast<std::size_t>(e.from)].id,
                             g.nodes()[static_cast<std::size_t>(e.to)].id, edge_kind(e), e.label});
  }

  // Cycle, summary, narrative, advice.
  if (c.finding == nullptr) {
    std::size_t parked = 0;
    for (const ThreadView& t : s.threads)
      parked += t.wait ? 1 : 0;
    r.summary = "on-demand report: " + std::to_string(s.threads.size()) + " threads, " +
                std::to_string(parked) + " parked, " + std::to_string(s.pools.size()) + " pools";
    r.narrative = "Report requested (" + c.reason + "). " + r.summary + ".";
    const auto dead = g.dead_threads();
    if (!dead.empty()) {
      r.narrative += " " + std::to_string(dead.size()) +
                     " threads cannot be woken right now (not yet confirmed as a deadlock).";
    }
    return r;
  }

  const Finding& f = *c.finding;
  for (const int n : f.cycle)
    r.cycle.push_back(g.nodes()[static_cast<std::size_t>(n)].id);
  switch (f.kind) {
    case FindingKind::kDeadlock:
    case FindingKind::kSelfDeadlock: {
      std::string chain;
      for (const int n : f.cycle)
        chain += g.nodes()[static_cast<std::size_t>(n)].label + " -> ";
      chain += g.nodes()[static_cast<std::size_t>(f.cycle.front())].label;
      r.summary = std::string(f.kind == FindingKind::kSelfDeadlock ? "self-deadlock" : "deadlock") +
                  ": " + chain;
      std::string text;
      for (std::size_t i = 0; i < f.cycle.size(); ++i) {
        const int a = f.cycle[i];
        const int b = f.cycle[(i + 1) % f.cycle.size()];
        text += (i == 0 ? "" : "; ") + narrator.sentence(a, b);
      }
      text += ". ";
      if (f.kind == FindingKind::kSelfDeadlock) {
        const ThreadView* waiter = nullptr;
        if (!f.threads.empty())
          waiter = &s.threads[static_cast<std::size_t>(f.threads.front())];
        text += waiter != nullptr && waiter->is_fiber
                    ? "The fiber task waits for a mutex it already holds: it locked it twice "
                      "(a fiber task never runs other tasks while it waits). "
                    : "The thread waits for a mutex it already holds lower on its own stack: "
                      "it locked it twice, directly or in a task it ran while it waited for "
                      "other work. ";
      }
      text += "None of them can ever be woken (proven: " + std::to_string(f.threads.size()) +
              " threads stuck for " + format_seconds(seconds(f.age)) + ").";
      // Threads stuck behind the cycle without being in it.
      std::set<int> in_cycle(f.cycle.begin(), f.cycle.end());
      std::vector<std::string> behind;
      for (const int t : f.threads) {
        const int node = g.find(thread_node_id(s.threads[static_cast<std::size_t>(t)]));
        if (node >= 0 && in_cycle.count(node) == 0 &&
            g.nodes()[static_cast<std::size_t>(node)].kind == NodeKind::kThread &&
            !s.threads[static_cast<std::size_t>(t)].worker_index) {
          behind.push_back(g.nodes()[static_cast<std::size_t>(node)].label);
        }
      }
      if (!behind.empty()) {
        text += " Also stuck behind it:";
        for (std::size_t i = 0; i < behind.size(); ++i)
          text += (i == 0 ? " " : ", ") + behind[i];
        text += ".";
      }
      r.narrative = text;
      r.advice = narrator.advice(f.cycle, f.kind);
      break;
    }
    case FindingKind::kPoolExhaustion: {
      const PoolSnapshot* pool = nullptr;
      for (const PoolSnapshot& p : s.pools) {
        if (p.id == f.pool_id)
          pool = &p;
      }
      const std::string name = pool != nullptr ? "pool '" + pool->name + "'" : "a pool";
      const std::size_t queued = pool != nullptr ? pool->queued_jobs() : 0;
      r.summary = "pool exhaustion: all " + std::to_string(f.threads.size()) + " workers of " +
                  name + " parked for " + format_seconds(seconds(f.age)) + " with " +
                  std::to_string(queued) + " tasks queued";
      std::string text = "Every worker of " + name + " has been parked for at least " +
                         format_seconds(seconds(f.age)) + " while " + std::to_string(queued) +
                         " tasks wait in its queues:";
      for (std::size_t i = 0; i < f.threads.size(); ++i) {
        const ThreadView& t = s.threads[static_cast<std::size_t>(f.threads[i])];
        text += (i == 0 ? " " : "; ") + thread_label(t) + " in " +
                std::string(to_string(t.wait->kind)) + " on " + resource_label(*t.wait);
      }
      text +=
          ". Suspected, not proven: what they wait for may still come from a thread knot "
          "cannot see, or from the queued tasks themselves.";
      r.narrative = text;
      r.cycle.push_back("pool:" + std::to_string(f.pool_id));
      r.advice.push_back(
          "If the queued tasks are the ones that would wake the workers, run the "
          "waiting stage on a pool of its own (ThreadPool::install), or use a "
          "blocking policy that keeps the pool running (kCompensate or kFiber, "
          "docs/policies.md).");
      break;
    }
    case FindingKind::kStall: {
      r.summary = "stall: no progress in knot for " + format_seconds(seconds(f.age)) + ", " +
                  std::to_string(f.threads.size()) + " threads waiting";
      std::string text = "No knot wait ended and no task completed for " +
                         format_seconds(seconds(f.age)) + ". Waiting:";
      for (std::size_t i = 0; i < f.threads.size(); ++i) {
        const ThreadView& t = s.threads[static_cast<std::size_t>(f.threads[i])];
        text += (i == 0 ? " " : "; ") + thread_label(t) + " in " +
                std::string(to_string(t.wait->kind)) + " on " + resource_label(*t.wait);
      }
      text += ". Suspected: something outside knot's view may still wake them.";
      r.narrative = text;
      r.advice.push_back(
          "Look for a thread blocked outside knot (I/O, a foreign lock) that the "
          "waits above depend on; mark such code with knot::blocking_region() so "
          "that reports show it.");
      break;
    }
  }
  return r;
}

}  // namespace knot::instr
