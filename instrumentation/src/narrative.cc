// Narrator (narrative.h): the summary line and the narrative of a finding.

#include "narrative.h"

#include <algorithm>
#include <map>
#include <set>

#include "graph_labels.h"
#include "process_info.h"

namespace knot::instr {

namespace {

std::string fullness(const ResourceFacts& f) {
  if (!f.capacity)
    return "";
  return " (" + std::to_string(f.length) + "/" + std::to_string(*f.capacity) + " full)";
}

}  // namespace

// ============================================================================
// Facts
// ============================================================================

const ThreadView& Narrator::thread(int n) const {
  return s_.threads[static_cast<std::size_t>(node(n).thread)];
}

const ResourceFacts* Narrator::facts(int n) const {
  const GraphNode& r = node(n);
  if (r.kind != NodeKind::kResource || r.described_by < 0)
    return nullptr;
  return &s_.threads[static_cast<std::size_t>(r.described_by)].wait->facts;
}

const PoolSnapshot* Narrator::pool(int n) const {
  const GraphNode& p = node(n);
  return p.pool >= 0 ? &s_.pools[static_cast<std::size_t>(p.pool)] : nullptr;
}

const PoolSnapshot* Narrator::pool_by_id(std::uint64_t id) const {
  for (const PoolSnapshot& p : s_.pools) {
    if (p.id == id)
      return &p;
  }
  return nullptr;
}

// worker_stages() names the stages a pool's workers run: " (running stage 'x')".
std::string Narrator::worker_stages(const PoolSnapshot& p) const {
  std::set<std::string> stages;
  for (const ThreadView& t : s_.threads) {
    if (t.pool_id == p.id && !t.is_fiber && !t.stage.empty())
      stages.insert(quoted(t.stage));
  }
  if (stages.empty())
    return "";
  return (stages.size() == 1 ? " (running stage " : " (running stages ") +
         join_labels({stages.begin(), stages.end()}) + ")";
}

std::string Narrator::wakers(int n) const {
  std::vector<std::string> names;
  bool guessed = false;
  for (const GraphEdge& e : g_.edges()) {
    if (e.from == n && !e.is_wait) {
      names.push_back(node(e.to).label);
      guessed = guessed || e.basis == Basis::kInferred;
    }
  }
  std::string out = (names.size() == 1 ? "only by " : "by ") + join_labels(names);
  if (guessed)
    out += " (as far as knot can tell: " + node(n).assumption + ")";
  return out;
}

// thread_list() names the threads of `threads` (snapshot indices) that are
// not graph nodes of `except`: outside threads by name, workers by pool.
std::string Narrator::thread_list(const std::vector<int>& threads,
                                  const std::vector<int>& except) const {
  std::vector<std::string> outside;
  std::map<std::uint64_t, std::vector<std::string>> workers;
  for (const int t : threads) {
    const ThreadView& view = s_.threads[static_cast<std::size_t>(t)];
    const int n = g_.find(thread_node_id(view));
    if (n >= 0 && std::find(except.begin(), except.end(), n) != except.end())
      continue;
    if (view.worker_index || view.is_fiber) {
      workers[view.pool_id].push_back(quoted(view.name));
    } else {
      outside.push_back(thread_label(view));
    }
  }
  std::vector<std::string> parts = outside;
  for (const auto& [pool_id, names] : workers) {
    const PoolSnapshot* p = pool_by_id(pool_id);
    const std::string pool_name = p != nullptr ? quoted(p->name) : "#" + std::to_string(pool_id);
    // Name a few; a pool of spares may have hundreds.
    constexpr std::size_t kMaxNames = 8;
    std::vector<std::string> shown(
        names.begin(),
        names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), kMaxNames)));
    if (names.size() > kMaxNames)
      shown.push_back(std::to_string(names.size() - kMaxNames) + " more");
    parts.push_back(std::to_string(names.size()) + (names.size() == 1 ? " thread" : " threads") +
                    " of pool " + pool_name + " (" + join_labels(shown) + ")");
  }
  return join_labels(parts);
}

// waiting_behind() says who waits behind a long task: threads, and tasks
// queued in pools that have no other free worker.
std::string Narrator::waiting_behind(const Finding& f) const {
  std::vector<std::string> parts;
  if (!f.waiters.empty())
    parts.push_back(thread_list(f.waiters, {}));
  for (const std::uint64_t id : f.starved_pools) {
    const PoolSnapshot* p = pool_by_id(id);
    if (p != nullptr)
      parts.push_back(std::to_string(p->queued_jobs()) + " tasks queued in pool " +
                      quoted(p->name));
  }
  if (parts.empty())
    return "others wait";
  const bool one = f.starved_pools.empty() && f.waiters.size() == 1;
  return join_labels(parts) + (one ? " waits" : " wait");
}

std::string Narrator::frame_text(const WaitFrame& f) const {
  std::string pool = "pool #" + std::to_string(f.pool_id);
  if (const PoolSnapshot* p = pool_by_id(f.pool_id))
    pool = "pool " + quoted(p->name);
  std::string what = f.kind == WaitKind::kJoin    ? "a join in "
                     : f.kind == WaitKind::kScope ? "a scope in "
                                                  : "an install on ";
  std::string where = f.site != 0 && name_site_ ? name_site_(f.site) : std::string();
  return what + pool + " (" + format_seconds(seconds(s_.time - f.since)) +
         (where.empty() ? "" : ", in " + where) + ")";
}

std::string Narrator::buried_waits(const ThreadView& t, int top_frame) const {
  const std::size_t end = top_frame >= 0 ? static_cast<std::size_t>(top_frame) : t.frames.size();
  std::vector<std::string> below;
  for (std::size_t i = 0; i < end && i < t.frames.size(); ++i)
    below.push_back(frame_text(t.frames[i]));
  return join_labels(below);
}

// ============================================================================
// Sentences: one per step of a cycle
// ============================================================================

std::string Narrator::sentence(int a, int b) const {
  switch (node(a).kind) {
    case NodeKind::kThread:
      return thread_sentence(a, b);
    case NodeKind::kPool:
      return pool_sentence(a, b);
    case NodeKind::kScope:
    case NodeKind::kResource:
      return resource_sentence(a, b);
  }
  return node(a).label + " waits for " + node(b).label;
}

std::string Narrator::thread_sentence(int a, int b) const {
  const GraphNode& na = node(a);
  const GraphNode& nb = node(b);
  const GraphEdge* e = g_.edge(a, b);
  const std::string label = e != nullptr ? e->label : "waits for";
  const ThreadView& t = thread(a);
  const bool helps = !t.wait && na.top_frame >= 0 && !t.is_fiber;
  const std::string subject = na.label + (helps ? " (helping while it waits)" : "");
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
    const bool install =
        t.wait ? t.wait->kind == WaitKind::kInstall
               : na.top_frame >= 0 &&
                     t.frames[static_cast<std::size_t>(na.top_frame)].kind == WaitKind::kInstall;
    return subject +
           (install ? " waits for the closure it sent to " : " waits for tasks it submitted to ") +
           nb.label + queued;
  }
  if (nb.kind == NodeKind::kThread) {
    std::string s = subject + " " + label + " " + nb.label;
    const ThreadView& runner = thread(b);
    if (runner.task.job != 0 && na.top_frame >= 0 &&
        runner.task.job != t.frames[static_cast<std::size_t>(na.top_frame)].awaited) {
      s += ", under a task that thread took later, while it waited";
    }
    return s;
  }
  const ResourceFacts* f = facts(b);
  std::string extra;
  if (f != nullptr && nb.wait_kind == WaitKind::kChannelSend)
    extra = fullness(*f);
  if (f != nullptr && nb.wait_kind == WaitKind::kLatch)
    extra = " (count " + std::to_string(f->count) + ")";
  return subject + " " + label + " " + nb.label + extra;
}

std::string Narrator::pool_sentence(int a, int b) const {
  const GraphNode& na = node(a);
  const GraphNode& nb = node(b);
  const PoolSnapshot* p = pool(a);
  const std::size_t n = p != nullptr ? p->workers.size() : 0;
  if (nb.kind == NodeKind::kThread) {
    return na.label + " has no free worker: " + nb.label + " is one of its " + std::to_string(n) +
           " workers";
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
  if (nb.kind == NodeKind::kThread || nb.kind == NodeKind::kScope || nb.kind == NodeKind::kPool)
    how = "waiting for";
  const ResourceFacts* f = facts(b);
  return "all " + std::to_string(n) + " workers of " + na.label + stages + " are " + how + " " +
         nb.label + (f != nullptr && nb.wait_kind == WaitKind::kChannelSend ? fullness(*f) : "");
}

std::string Narrator::resource_sentence(int a, int b) const {
  const GraphNode& na = node(a);
  if (na.kind == NodeKind::kScope) {
    const GraphEdge* e = g_.edge(a, b);
    return na.label + " " + (e != nullptr ? e->label : "waits for") + " " + node(b).label;
  }
  const ResourceFacts* f = facts(a);
  switch (na.wait_kind) {
    case WaitKind::kChannelSend:
      return na.label + " is drained " + wakers(a);
    case WaitKind::kChannelRecv:
      return na.label + " is fed " + wakers(a);
    case WaitKind::kLatch:
      return na.label + " is counted down " + wakers(a);
    case WaitKind::kMutex:
      if (f != nullptr && f->is_shared_mutex) {
        return na.label + " cannot be locked for writing while " + node(b).label +
               " holds it (a writer waits for every holder to leave)";
      }
      return na.label + " is held by " + node(b).label;
    case WaitKind::kSharedMutex:
      return na.label + " lets no new reader in while " + node(b).label +
             " waits to write or writes (writers go first)";
    default:
      return na.label + " waits for " + node(b).label;
  }
}

// ============================================================================
// Stories, by finding
// ============================================================================

std::string Narrator::summary(const Finding& f) const {
  switch (f.kind) {
    case FindingKind::kDeadlock:
    case FindingKind::kSelfDeadlock: {
      std::string chain;
      for (const int n : f.cycle)
        chain += node(n).label + " -> ";
      chain += node(f.cycle.front()).label;
      const std::string kind = f.kind == FindingKind::kSelfDeadlock ? "self-deadlock" : "deadlock";
      return kind + (f.certainty == Certainty::kInferred ? " (inferred)" : "") + ": " + chain;
    }
    case FindingKind::kPoolExhaustion: {
      const PoolSnapshot* p = pool_by_id(f.pool_id);
      return "pool exhaustion: all " + std::to_string(f.threads.size()) + " workers of " +
             (p != nullptr ? "pool " + quoted(p->name) : std::string("a pool")) + " waiting for " +
             format_seconds(seconds(f.age)) + " with " +
             std::to_string(p != nullptr ? p->queued_jobs() : 0) + " tasks queued";
    }
    case FindingKind::kLongTask: {
      const ThreadView& t = s_.threads[static_cast<std::size_t>(f.task_thread)];
      return "long task: " + thread_label(t) + " has run one task for " +
             format_seconds(seconds(f.age)) + " while " + waiting_behind(f) + " behind it";
    }
    case FindingKind::kStall:
      return "stall: no progress in knot for " + format_seconds(seconds(f.age)) + ", " +
             std::to_string(f.threads.size()) + " threads waiting";
  }
  return "";
}

std::string Narrator::narrative(const Finding& f, const report::TaskInfo* task) const {
  switch (f.kind) {
    case FindingKind::kDeadlock:
    case FindingKind::kSelfDeadlock:
      return deadlock_story(f);
    case FindingKind::kPoolExhaustion:
      return exhaustion_story(f);
    case FindingKind::kLongTask:
      return long_task_story(f, task);
    case FindingKind::kStall:
      return stall_story(f);
  }
  return "";
}

std::string Narrator::deadlock_story(const Finding& f) const {
  std::string text;
  for (std::size_t i = 0; i < f.cycle.size(); ++i)
    text += (i == 0 ? "" : "; ") + sentence(f.cycle[i], f.cycle[(i + 1) % f.cycle.size()]);
  text += ". ";
  // Waits buried under the tops of the cycle's threads: they cannot
  // return, nor release what they hold, before the top does.
  for (const int n : f.cycle) {
    if (node(n).kind != NodeKind::kThread)
      continue;
    const std::string buried = buried_waits(thread(n), node(n).top_frame);
    if (!buried.empty()) {
      text += "Under that wait, " + node(n).label + " still waits in " + buried +
              ": none of it can return before the wait above it does. ";
    }
  }
  if (f.kind == FindingKind::kSelfDeadlock) {
    const ThreadView& waiter = thread(f.cycle.front());
    text += waiter.is_fiber
                ? "The fiber task waits for a mutex it already holds: it locked it twice (a fiber "
                  "task never runs other tasks while it waits). "
                : "The thread waits for a mutex it already holds lower on its own stack: it "
                  "locked it twice, directly or in a task it ran while it waited for other work. ";
  }
  const std::string stuck =
      std::to_string(f.threads.size()) + " threads stuck for " + format_seconds(seconds(f.age));
  if (f.certainty == Certainty::kInferred) {
    text += "If " + join_labels(f.assumptions) +
            ", none of them can ever be woken (inferred, not "
            "proven: " +
            stuck + ").";
  } else {
    text += "None of them can ever be woken (proven: " + stuck + ").";
  }
  const std::string behind = thread_list(f.threads, f.cycle);
  if (!behind.empty())
    text += " Also stuck behind it: " + behind + ".";
  return text;
}

std::string Narrator::exhaustion_story(const Finding& f) const {
  const PoolSnapshot* p = pool_by_id(f.pool_id);
  const std::string name = p != nullptr ? "pool " + quoted(p->name) : "a pool";
  std::string text = "Every worker of " + name + " has been waiting for at least " +
                     format_seconds(seconds(f.age)) + " while " +
                     std::to_string(p != nullptr ? p->queued_jobs() : 0) +
                     " tasks wait in its queues:";
  for (std::size_t i = 0; i < f.threads.size(); ++i) {
    const ThreadView& t = s_.threads[static_cast<std::size_t>(f.threads[i])];
    const int n = g_.find(thread_node_id(t));
    std::string what = t.wait
                           ? std::string(to_string(t.wait->kind)) + " on " + resource_label(*t.wait)
                           : "a helping wait";
    if (!t.wait && n >= 0 && node(n).top_frame >= 0)
      what = frame_text(t.frames[static_cast<std::size_t>(node(n).top_frame)]);
    text += (i == 0 ? " " : "; ") + thread_label(t) + " in " + what;
  }
  text += ".";
  if (!f.cycle.empty()) {
    const GraphNode& last = node(f.cycle.back());
    text += " Nothing knot can see will wake them: " + last.label + " waits on " +
            (last.why.empty() ? std::string("what knot cannot see") : last.why) + ".";
  }
  text += " Suspected, not proven: that may still come.";
  return text;
}

std::string Narrator::long_task_story(const Finding& f, const report::TaskInfo* task) const {
  const ThreadView& t = s_.threads[static_cast<std::size_t>(f.task_thread)];
  std::string text = thread_label(t);
  if (task != nullptr && task->fiber) {
    for (const ThreadView& fiber : s_.threads) {
      if (fiber.is_fiber && fiber.index == *task->fiber)
        text += ", running " + thread_label(fiber) + ",";
    }
  }
  text += " has run the same task for at least " + format_seconds(seconds(f.age));
  if (task != nullptr && task->cpu == "off_cpu") {
    text += ", blocked off CPU" +
            (task->wchan.empty() ? std::string() : " (in the kernel's " + task->wchan + ")");
  } else if (task != nullptr && task->cpu == "on_cpu") {
    text += ", on CPU (computing or spinning)";
  }
  text += ", while " + waiting_behind(f) + " behind it.";
  const int n = g_.find(thread_node_id(t));
  const std::string buried = buried_waits(t, n >= 0 ? node(n).top_frame : -1);
  if (!buried.empty()) {
    text += " The task runs on top of earlier waits of the same thread (" + buried +
            "): if it waits for something they hold (a lock, a once-flag), it never ends.";
  }
  if (task != nullptr && task->fiber) {
    text +=
        " A fiber task that blocks outside knot blocks its worker thread too: the pool "
        "cannot run its other tasks there.";
  }
  text += " Suspected: it may be slow, not stuck.";
  return text;
}

std::string Narrator::stall_story(const Finding& f) const {
  std::string text = "No knot wait ended and no task completed for " +
                     format_seconds(seconds(f.age)) + ". Waiting:";
  for (std::size_t i = 0; i < f.threads.size(); ++i) {
    const ThreadView& t = s_.threads[static_cast<std::size_t>(f.threads[i])];
    text += (i == 0 ? " " : "; ") + thread_label(t) + " in " +
            (t.wait ? std::string(to_string(t.wait->kind)) + " on " + resource_label(*t.wait)
                    : std::string("a helping wait"));
  }
  std::vector<std::string> unknown;
  for (const GraphNode& n : g_.nodes()) {
    if (n.seed == Seed::kUnknown && !n.why.empty())
      unknown.push_back(n.label + " (" + n.why + ")");
  }
  text += ".";
  if (!unknown.empty())
    text += " What knot cannot see: " + join_labels(unknown) + ".";
  text += " Suspected: something outside knot's view may still wake them.";
  return text;
}

std::string Narrator::on_demand(const std::string& reason, std::string& summary_out) const {
  std::size_t parked = 0, helping = 0;
  for (const ThreadView& t : s_.threads) {
    parked += t.wait ? 1 : 0;
    helping += !t.wait && !t.frames.empty() ? 1 : 0;
  }
  summary_out = "on-demand report: " + std::to_string(s_.threads.size()) + " threads, " +
                std::to_string(parked) + " parked, " + std::to_string(helping) + " helping, " +
                std::to_string(s_.pools.size()) + " pools";
  std::string text = "Report requested (" + reason + "). " + summary_out + ".";
  const auto dead = g_.dead_threads(Mode::kProof);
  if (!dead.empty()) {
    text += " " + std::to_string(dead.size()) +
            " threads cannot be woken right now (not yet confirmed as a deadlock).";
  }
  return text;
}

}  // namespace knot::instr
