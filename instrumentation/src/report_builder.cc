// build_report() (report_builder.h): the report's sections, one function
// each, in the order of the document.

#include "report_builder.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "graph_labels.h"
#include "knot/base/time_format.h"
#include "narrative.h"
#include "report_frames.h"

namespace knot::instr {

namespace {

using report::Report;

// SiteFrames: the frame that tells each wait site, by its return address.
using SiteFrames = std::unordered_map<std::uint64_t, report::Frame>;

std::string policy_name(BlockingPolicy policy) {
  switch (policy) {
    case BlockingPolicy::kBlock:
      return "block";
    case BlockingPolicy::kCompensate:
      return "compensate";
    case BlockingPolicy::kFiber:
      return "fiber";
  }
  return "block";
}

std::string thread_state(const ThreadView& t, const RuntimeSnapshot& s) {
  if (t.wait)
    return t.wait->kind == WaitKind::kBlockingRegion ? "blocked" : "parked";
  if (t.worker_index && t.task.job == 0 && t.frames.empty()) {
    for (const PoolSnapshot& p : s.pools) {
      const WorkerView* w = p.id == t.pool_id ? p.find_worker(*t.worker_index) : nullptr;
      if (w != nullptr &&
          (w->state == WorkerState::kSleeping || w->state == WorkerState::kSearching))
        return "idle";
    }
  }
  return "running";
}

std::string basis_name(HandleBasis basis) {
  switch (basis) {
    case HandleBasis::kUsed:
      return "used";
    case HandleBasis::kCreated:
      return "created";
    case HandleBasis::kShared:
      return "shared";
    case HandleBasis::kNone:
      break;
  }
  return "";
}

// ---- sections ----

report::Verdict verdict_of(const ReportContext& c) {
  const RuntimeSnapshot& s = *c.snapshot;
  // Timed at the snapshot that reached it (stacks and symbols were
  // gathered after it).
  const std::string when =
      base::utc_iso8601(std::chrono::system_clock::now() -
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::steady_clock::now() - s.time));
  report::Verdict v;
  v.time = when;
  if (c.finding == nullptr) {
    v.kind = "on_demand";
    return v;
  }
  v.kind = to_string(c.finding->kind);
  v.is_proven = c.finding->is_proven();
  v.certainty = to_string(c.finding->certainty);
  v.assumptions = c.finding->assumptions;
  v.age_seconds = seconds(c.finding->age);
  return v;
}

report::Pool pool_section(const PoolSnapshot& p, const RuntimeSnapshot& s) {
  report::Pool pool;
  pool.id = p.id;
  pool.name = p.name;
  pool.policy = policy_name(p.policy);
  pool.num_threads = p.num_threads;
  pool.num_spares = p.num_spares;
  pool.injector_depth = p.injector_depth;
  pool.pending_tasks = p.pending_tasks;
  pool.tasks_completed = p.tasks_completed();
  for (const QueuedBy& q : p.injected_by)
    pool.queued_by.push_back({actor_label(q.submitter, s), q.count});
  for (const WorkerView& w : p.workers) {
    pool.workers.push_back({w.index, w.os_thread_id, std::string(to_string(w.state)), w.queue_depth,
                            w.tasks_completed});
  }
  return pool;
}

// The holders of a resource: live channel handles, shared holds.
void add_holders(report::Resource& res, const WaitView& w, const RuntimeSnapshot& s) {
  const ResourceFacts& f = w.facts;
  if (res.kind == "channel") {
    for (const auto& [side, holders] :
         {std::pair{"send", &f.sender_handles}, std::pair{"recv", &f.receiver_handles}}) {
      for (const HandleHolder& h : *holders) {
        if (h.basis != HandleBasis::kNone)
          res.holders.push_back({side, actor_label(h.actor, s), basis_name(h.basis)});
      }
    }
    res.untracked_handles = f.untracked_senders + f.untracked_receivers;
  }
  if (f.is_shared_mutex) {
    res.has_parked_writers = f.has_parked_writers;
    for (const ThreadView& t : s.threads) {
      if (std::find(t.held_shared.begin(), t.held_shared.end(), w.resource) != t.held_shared.end())
        res.holders.push_back({"read", thread_label(t), "held"});
    }
  }
}

// One resource per waited-on primitive; `holds` collects who owns which.
void resources_section(const RuntimeSnapshot& s, Report& r,
                       std::unordered_map<std::int64_t, std::vector<std::uint64_t>>& holds) {
  std::set<std::uintptr_t> seen;
  for (const ThreadView& t : s.threads) {
    if (!t.wait || is_pool_wait(t.wait->kind) || !seen.insert(t.wait->resource).second)
      continue;
    const WaitView& w = *t.wait;
    const ResourceFacts& f = w.facts;
    report::Resource res;
    res.id = w.resource;
    res.kind = resource_kind(w.kind, f.is_shared_mutex);
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
    res.recent_senders.clear();
    for (const ActorId a : f.recent_senders) {
      if (a != 0)
        res.recent_senders.push_back(actor_label(a, s));
    }
    for (const ActorId a : w.kind == WaitKind::kLatch ? f.recent_counters : f.recent_receivers) {
      if (a != 0)
        res.recent_receivers.push_back(actor_label(a, s));
    }
    add_holders(res, w, s);
    if (f.owner_tid != 0)
      holds[f.owner_tid].push_back(w.resource);
    r.resources.push_back(std::move(res));
  }
}

// awaits_text() says what a frame waits for, with who runs it if known.
std::string awaits_text(const WaitFrame& f, const RuntimeSnapshot& s) {
  std::string pool = "pool #" + std::to_string(f.pool_id);
  for (const PoolSnapshot& p : s.pools) {
    if (p.id == f.pool_id)
      pool = "pool " + quoted(p.name);
  }
  std::string runner;
  for (const ThreadView& t : s.threads) {
    bool runs = f.kind != WaitKind::kScope && t.task.job == f.awaited;
    for (const WaitFrame& below : t.frames)
      runs = runs || (f.kind != WaitKind::kScope && below.under_job == f.awaited);
    if (runs)
      runner = thread_label(t);
  }
  switch (f.kind) {
    case WaitKind::kJoin:
      return "the half it forked" + (runner.empty() ? "" : ", running on " + runner);
    case WaitKind::kScope:
      return "the tasks of its scope in " + pool;
    default:
      return "its closure in " + pool + (runner.empty() ? " (queued)" : ", running on " + runner);
  }
}

std::vector<report::WaitFrame> wait_stack_of(const ThreadView& t, const GraphNode* node,
                                             const ReportContext& c) {
  std::vector<report::WaitFrame> out;
  for (std::size_t i = 0; i < t.frames.size(); ++i) {
    const WaitFrame& f = t.frames[i];
    report::WaitFrame w;
    w.kind = std::string(to_string(f.kind));
    w.awaits = awaits_text(f, *c.snapshot);
    w.pool_id = f.pool_id;
    w.seconds = seconds(c.snapshot->time - f.since);
    w.is_isolated = f.is_isolated;
    w.is_top = node != nullptr && node->top_frame == static_cast<int>(i);
    if (f.site != 0)
      w.site = site_frame(c.symbolizer, f.site);
    out.push_back(std::move(w));
  }
  return out;
}

// The stack of a thread: its wait site when parked, else a signal capture.
void stack_of(const ThreadView& t, const ReportContext& c, report::Thread& th) {
  th.stack_source = "none";
  if (t.wait) {
    if (!t.wait->stack.empty()) {
      th.stack_source = "wait_site";
      th.stack = symbolized(c.symbolizer, t.wait->stack, PcKind::kReturnAddress);
    }
    return;
  }
  if (c.running_stacks == nullptr)
    return;
  auto it = c.running_stacks->find(t.os_thread_id);
  if (it == c.running_stacks->end())
    return;
  if (it->second.status == CaptureStatus::kCaptured) {
    th.stack_source = "signal";
    th.stack = symbolized(c.symbolizer, it->second.pcs, it->second.first_pc);
  } else if (it->second.status == CaptureStatus::kUnresponsive) {
    th.stack_source = "unresponsive";
  }
}

// outward_sites(): a wait whose site is still knot's code (a template that
// was not inlined into the caller, such as ThreadPool::install<F>) is
// told at the first frame outside knot above it on the thread's stack, when
// the stack holds that site. `sites` receives each site's frame by its
// address, for the narrative.
void outward_sites(report::Thread& th, SiteFrames& sites) {
  for (report::WaitFrame& w : th.wait_stack) {
    if (!w.site)
      continue;
    const std::uint64_t pc = w.site->pc;
    if (w.site->is_knot) {
      const auto at = std::find_if(th.stack.begin(), th.stack.end(),
                                   [&](const report::Frame& f) { return f.pc == pc; });
      const auto user =
          std::find_if(at, th.stack.end(), [](const report::Frame& f) { return !f.is_knot; });
      if (user != th.stack.end())
        w.site = *user;
    }
    sites.emplace(pc, *w.site);
  }
}

report::Thread thread_section(
    const ThreadView& t, const ReportContext& c,
    const std::unordered_map<std::int64_t, std::vector<std::uint64_t>>& holds, SiteFrames& sites) {
  const RuntimeSnapshot& s = *c.snapshot;
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
  th.holds_shared.assign(t.held_shared.begin(), t.held_shared.end());
  if (t.wait) {
    const WaitView& w = *t.wait;
    th.wait = report::Wait{std::string(to_string(w.kind)),
                           is_pool_wait(w.kind) ? w.facts.pool_id : w.resource, w.name, w.is_timed,
                           seconds(s.time - w.since)};
  }
  const int n = c.graph->find(thread_node_id(t));
  th.wait_stack = wait_stack_of(t, n >= 0 ? &c.graph->node(n) : nullptr, c);
  stack_of(t, c, th);
  outward_sites(th, sites);
  return th;
}

// The graph: nodes that take part in an edge, and every edge.
void graph_section(const WaitForGraph& g, Report& r) {
  std::vector<bool> used(g.nodes().size(), false);
  for (const GraphEdge& e : g.edges()) {
    used[static_cast<std::size_t>(e.from)] = true;
    used[static_cast<std::size_t>(e.to)] = true;
  }
  for (std::size_t i = 0; i < g.nodes().size(); ++i) {
    if (!used[i])
      continue;
    const GraphNode& n = g.nodes()[i];
    const char* kind = n.kind == NodeKind::kThread  ? "thread"
                       : n.kind == NodeKind::kPool  ? "pool"
                       : n.kind == NodeKind::kScope ? "scope"
                                                    : "resource";
    r.graph.nodes.push_back({n.id, kind, n.label, n.is_alive(Mode::kProof)});
  }
  for (const GraphEdge& e : g.edges()) {
    r.graph.edges.push_back({g.node(e.from).id, g.node(e.to).id,
                             e.is_wait ? "waits_for" : "woken_by", e.label,
                             e.basis == Basis::kExact ? "exact" : "inferred"});
  }
}

// The long task's thread: what the OS said, and the innermost function of
// its stack that is not knot's own.
std::optional<report::TaskInfo> task_section(const ReportContext& c, const Report& r) {
  if (c.finding == nullptr || c.finding->kind != FindingKind::kLongTask || c.task == nullptr)
    return std::nullopt;
  report::TaskInfo info = *c.task;
  info.seconds = seconds(c.finding->age);
  const ThreadView& t = c.snapshot->threads[static_cast<std::size_t>(c.finding->task_thread)];
  for (const report::Thread& th : r.threads) {
    if (th.index != t.index || th.stack.empty())
      continue;
    info.where = th.stack.front().function;
    for (const report::Frame& f : th.stack) {
      if (!f.function.empty() && !f.is_knot) {
        info.where = f.function;
        break;
      }
    }
  }
  return info;
}

}  // namespace

report::Report build_report(const ReportContext& c) {
  const RuntimeSnapshot& s = *c.snapshot;
  const WaitForGraph& g = *c.graph;
  Report r;
  r.id = c.id;
  r.trigger = c.trigger;
  r.process = process_info();
  r.verdict = verdict_of(c);
  for (const PoolSnapshot& p : s.pools)
    r.pools.push_back(pool_section(p, s));
  std::unordered_map<std::int64_t, std::vector<std::uint64_t>> holds;
  resources_section(s, r, holds);
  SiteFrames sites;
  for (const ThreadView& t : s.threads)
    r.threads.push_back(thread_section(t, c, holds, sites));
  graph_section(g, r);

  // Wait sites as the thread sections told them, with their stacks.
  const Narrator narrator(s, g, [&sites](std::uintptr_t site) {
    auto it = sites.find(site);
    return it != sites.end() ? site_name(it->second) : std::string();
  });
  if (c.finding == nullptr) {
    r.narrative = narrator.on_demand(c.reason, r.summary);
    return r;
  }
  const Finding& f = *c.finding;
  for (const int n : f.cycle)
    r.cycle.push_back(g.node(n).id);
  const std::optional<report::TaskInfo> task = task_section(c, r);
  if (task) {
    for (report::Thread& th : r.threads) {
      if (th.index == s.threads[static_cast<std::size_t>(f.task_thread)].index)
        th.task = task;
    }
  }
  r.summary = narrator.summary(f);
  r.narrative = narrator.narrative(f, task ? &*task : nullptr);
  r.advice = narrator.advice(f, task ? &*task : nullptr);
  return r;
}

}  // namespace knot::instr
