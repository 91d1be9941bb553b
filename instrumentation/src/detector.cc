// Detector (detector.h): candidates from one snapshot, confirmation against
// the previous ones, and reporting each finding once.

#include "detector.h"

#include <algorithm>
#include <utility>

#include "graph_labels.h"

namespace knot::instr {

namespace {

using Clock = std::chrono::steady_clock;

// top_since() is when a thread's top wait began: its parked wait, else its
// top helping frame (or the epoch, for a thread outside any wait).
Clock::time_point top_since(const ThreadView& t, const GraphNode& n) {
  if (t.wait)
    return t.wait->since;
  if (n.top_frame >= 0)
    return t.frames[static_cast<std::size_t>(n.top_frame)].since;
  return {};
}

// wait_key() identifies one unbroken wait of one thread (or fiber task).
std::string wait_key(const ThreadView& t, const GraphNode& n) {
  return std::to_string(t.index) + "@" +
         std::to_string(top_since(t, n).time_since_epoch().count()) + "#" +
         std::to_string(t.task.num_started);
}

// progress() is what a resource or pool has done so far: any change means
// someone got through it.
std::string progress(const WaitView& w) {
  const ResourceFacts& f = w.facts;
  return std::to_string(f.num_sent) + "/" + std::to_string(f.num_received) + "/" +
         std::to_string(f.count) + "/" + std::to_string(f.owner_tid) + "/" +
         std::to_string(f.num_readers);
}

const ThreadView& thread_at(const RuntimeSnapshot& s, const GraphNode& n) {
  return s.threads[static_cast<std::size_t>(n.thread)];
}

// reached_dead() lists the nodes `from` reaches through nodes dead under
// `mode`: the stuck part of the graph behind a set of threads.
std::vector<int> reached_dead(const WaitForGraph& g, const std::vector<int>& from, Mode mode) {
  std::vector<bool> seen(g.nodes().size(), false);
  std::vector<int> out;
  std::vector<int> work = from;
  for (const int n : from)
    seen[static_cast<std::size_t>(n)] = true;
  while (!work.empty()) {
    const int x = work.back();
    work.pop_back();
    out.push_back(x);
    for (const int y : g.successors(x)) {
      if (!seen[static_cast<std::size_t>(y)] && !g.node(y).is_alive(mode)) {
        seen[static_cast<std::size_t>(y)] = true;
        work.push_back(y);
      }
    }
  }
  return out;
}

// present_cycle() starts the cycle at a thread outside any pool, if there
// is one (the story reads from the stage that started it), else at a thread.
void present_cycle(const RuntimeSnapshot& s, const WaitForGraph& g, std::vector<int>& cycle) {
  auto is_thread = [&](int n) { return g.node(n).kind == NodeKind::kThread; };
  auto is_outside = [&](int n) {
    return is_thread(n) && !thread_at(s, g.node(n)).worker_index &&
           !thread_at(s, g.node(n)).is_fiber;
  };
  auto first = std::find_if(cycle.begin(), cycle.end(), is_outside);
  if (first == cycle.end())
    first = std::find_if(cycle.begin(), cycle.end(), is_thread);
  if (first != cycle.end())
    std::rotate(cycle.begin(), first, cycle.end());
}

}  // namespace

const char* to_string(FindingKind kind) noexcept {
  switch (kind) {
    case FindingKind::kDeadlock:
      return "deadlock";
    case FindingKind::kSelfDeadlock:
      return "self_deadlock";
    case FindingKind::kPoolExhaustion:
      return "pool_exhaustion";
    case FindingKind::kLongTask:
      return "long_task";
    case FindingKind::kStall:
      return "stall";
  }
  return "unknown";
}

const char* to_string(Certainty certainty) noexcept {
  switch (certainty) {
    case Certainty::kProven:
      return "proven";
    case Certainty::kInferred:
      return "inferred";
    case Certainty::kSuspected:
      return "suspected";
  }
  return "suspected";
}

// deadlocks() groups the threads dead under `mode` by the cycle they lead
// to. Under kInferred only the threads alive under kProof count: the
// others are proven.
std::vector<Detector::Candidate> Detector::deadlocks(const RuntimeSnapshot& s,
                                                     const WaitForGraph& g, Mode mode) const {
  std::map<std::vector<int>, std::vector<int>> groups;  // cycle -> thread nodes
  for (const int node : g.dead_threads(mode)) {
    if (mode == Mode::kInferred && !g.node(node).is_alive(Mode::kProof))
      continue;
    std::vector<int> cycle = g.cycle_from(node, mode);
    if (!cycle.empty())
      groups[cycle].push_back(node);
  }
  std::vector<Candidate> out;
  for (auto& [canonical, members] : groups) {
    Candidate c;
    Finding& f = c.finding;
    f.mode = mode;
    f.certainty = mode == Mode::kProof ? Certainty::kProven : Certainty::kInferred;
    f.cycle = canonical;
    present_cycle(s, g, f.cycle);
    const GraphNode& second = g.node(f.cycle.size() == 2 ? f.cycle[1] : f.cycle[0]);
    // A thread waiting for a mutex it holds itself (exclusively, or in
    // shared mode while it asks for the exclusive lock).
    const bool self = f.cycle.size() == 2 && second.kind == NodeKind::kResource &&
                      second.wait_kind == WaitKind::kMutex;
    f.kind = self ? FindingKind::kSelfDeadlock : FindingKind::kDeadlock;
    // Identity: the cycle and its threads' waits, so that threads joining
    // the stuck set behind it later do not make it a new deadlock.
    c.key = mode == Mode::kProof ? "D:" : "I:";
    auto newest = Clock::time_point::min();
    for (const int n : canonical) {
      const GraphNode& node = g.node(n);
      c.key += node.id;
      if (node.kind == NodeKind::kThread) {
        const ThreadView& t = thread_at(s, node);
        c.key += "=" + wait_key(t, node);
        newest = std::max(newest, top_since(t, node));
      }
      c.key += ";";
    }
    // Everyone stuck behind it, and the progress of what they wait on.
    std::string progress_text;
    for (const int n : reached_dead(g, members, mode)) {
      const GraphNode& node = g.node(n);
      if (node.kind == NodeKind::kThread) {
        const ThreadView& t = thread_at(s, node);
        f.threads.push_back(node.thread);
        progress_text += wait_key(t, node) + (t.wait ? "=" + progress(*t.wait) : "") + ";";
      } else if (node.kind == NodeKind::kPool && node.pool >= 0) {
        progress_text +=
            "p" + std::to_string(s.pools[static_cast<std::size_t>(node.pool)].tasks_completed()) +
            ";";
      }
      if (mode == Mode::kInferred && node.has_inferred && !node.assumption.empty() &&
          std::find(f.assumptions.begin(), f.assumptions.end(), node.assumption) ==
              f.assumptions.end()) {
        f.assumptions.push_back(node.assumption);
      }
    }
    std::sort(f.threads.begin(), f.threads.end());
    c.fingerprint = c.key + "|" + progress_text;
    c.must_last =
        mode == Mode::kInferred ? options_.inferred_threshold : std::chrono::nanoseconds(0);
    f.age = newest == Clock::time_point::min() ? std::chrono::nanoseconds(0) : s.time - newest;
    out.push_back(std::move(c));
  }
  return out;
}

// exhaustions(): a pool whose every worker waits, with tasks queued, where
// nothing knot sees as alive can free a worker (only what it cannot see,
// not what it guessed), for longer than the threshold. A pool whose workers wait on a running
// thread (a slow consumer) is not exhausted: it is slow.
std::vector<Detector::Candidate> Detector::exhaustions(const RuntimeSnapshot& s,
                                                       const WaitForGraph& g) const {
  std::vector<Candidate> out;
  for (const PoolSnapshot& pool : s.pools) {
    const int node = g.find("pool:" + std::to_string(pool.id));
    if (node < 0 || pool.workers.empty() || pool.queued_jobs() == 0)
      continue;
    const GraphNode& p = g.node(node);
    // Dead on guesses knot named (kInferred): that is an inferred deadlock,
    // reported as such once it lasts, not a second report of the same.
    if (p.is_alive(Mode::kKnown) || !p.is_alive(Mode::kProof) || !p.is_alive(Mode::kInferred))
      continue;
    Candidate c;
    c.finding.kind = FindingKind::kPoolExhaustion;
    c.finding.certainty = Certainty::kSuspected;
    c.finding.pool_id = pool.id;
    c.finding.mode = Mode::kKnown;
    auto newest = Clock::time_point::min();
    for (const int worker : g.successors(node)) {
      const GraphNode& w = g.node(worker);
      if (w.kind != NodeKind::kThread)
        continue;
      const ThreadView& t = thread_at(s, w);
      c.finding.threads.push_back(w.thread);
      c.key += wait_key(t, w) + ";";
      newest = std::max(newest, top_since(t, w));
    }
    if (c.finding.threads.empty())
      continue;
    c.finding.age = s.time - newest;
    if (c.finding.age < options_.exhaustion_threshold)
      continue;
    c.finding.cycle = g.path_to_unknown(node);
    c.key = "pool" + std::to_string(pool.id) + ":" + c.key;
    c.fingerprint = c.key;
    out.push_back(std::move(c));
  }
  return out;
}

// long_tasks(): a task that has run for longer than the threshold (the
// same task mark on its thread) while someone waits behind it.
std::vector<Detector::Candidate> Detector::long_tasks(const RuntimeSnapshot& s,
                                                      const WaitForGraph& g) {
  std::map<std::uint32_t, TaskSeen> still;
  std::vector<Candidate> out;
  for (std::size_t i = 0; i < s.threads.size(); ++i) {
    const ThreadView& t = s.threads[i];
    // Fiber tasks are judged through the worker thread that runs them.
    if (t.is_fiber || t.wait || t.task.job == 0)
      continue;
    const int node = g.find(thread_node_id(t));
    if (node < 0 || g.node(node).top_frame >= 0)
      continue;
    TaskSeen seen{t.task.job, t.task.num_started, s.time};
    if (auto it = tasks_.find(t.index); it != tasks_.end() && it->second.job == seen.job &&
                                        it->second.num_started == seen.num_started) {
      seen.since = it->second.since;
    }
    still[t.index] = seen;
    if (s.time - seen.since < options_.long_task_threshold)
      continue;
    // Whoever waits behind it: for its result, for its worker slot (tasks
    // queued in a pool with no free worker left), or for a lock it holds.
    // On CPU (a computation, or a loop that never ends) or off CPU (a
    // foreign lock, a sleep, a once-flag) only changes what the report says.
    const ThreadState state = options_.thread_state != nullptr
                                  ? options_.thread_state(t.os_thread_id)
                                  : ThreadState::kUnknown;
    std::vector<int> starved;
    std::vector<int> waiters = g.waiters_behind(node, /*for_its_slot=*/false, &starved);
    std::vector<std::uint64_t> starved_pools;
    for (const int p : starved) {
      const GraphNode& pool_node = g.node(p);
      if (pool_node.pool >= 0 &&
          s.pools[static_cast<std::size_t>(pool_node.pool)].queued_jobs() > 0)
        starved_pools.push_back(s.pools[static_cast<std::size_t>(pool_node.pool)].id);
    }
    if (waiters.empty() && starved_pools.empty())
      continue;
    Candidate c;
    c.finding.kind = FindingKind::kLongTask;
    c.finding.certainty = Certainty::kSuspected;
    c.finding.task_thread = static_cast<int>(i);
    c.finding.task_state = state;
    c.finding.starved_pools = std::move(starved_pools);
    c.finding.threads.push_back(static_cast<int>(i));
    for (const int w : waiters) {
      c.finding.waiters.push_back(g.node(w).thread);
      c.finding.threads.push_back(g.node(w).thread);
    }
    c.finding.age = s.time - seen.since;
    c.key = "task" + std::to_string(t.index) + "#" + std::to_string(t.task.num_started);
    c.fingerprint = c.key;
    out.push_back(std::move(c));
  }
  tasks_ = std::move(still);
  return out;
}

bool Detector::is_stalled(const RuntimeSnapshot& s) const {
  if (!has_progress_ || s.time - last_progress_time_ < options_.stall_threshold)
    return false;
  bool any_waiting = false;
  for (const ThreadView& t : s.threads) {
    if (t.wait) {
      any_waiting = any_waiting || (!t.wait->is_timed && t.wait->kind != WaitKind::kBlockingRegion);
      continue;
    }
    if (!t.frames.empty()) {
      any_waiting = true;
      continue;
    }
    if (!t.worker_index || t.task.job != 0)
      return false;  // a thread outside any wait may be doing anything
  }
  return any_waiting;
}

std::vector<Finding> Detector::confirm(std::vector<Candidate> candidates, Clock::time_point now) {
  std::map<std::string, Clock::time_point> seen_now;
  std::set<std::string> present_keys;
  std::vector<Finding> findings;
  for (auto& c : candidates) {
    auto before = previous_.find(c.fingerprint);
    const Clock::time_point first = before != previous_.end() ? before->second : now;
    seen_now[c.fingerprint] = first;
    present_keys.insert(c.key);
    if (reported_.count(c.key) != 0)
      continue;
    if (before == previous_.end()) {
      wants_confirmation_ = wants_confirmation_ || c.must_last.count() == 0;
      continue;
    }
    if (now - first < c.must_last)
      continue;
    reported_.insert(c.key);
    findings.push_back(std::move(c.finding));
  }
  previous_ = std::move(seen_now);
  // Forget what went away, so that it is reported again if it comes back.
  for (auto it = reported_.begin(); it != reported_.end();)
    it = present_keys.count(*it) != 0 ? std::next(it) : reported_.erase(it);
  return findings;
}

std::vector<Finding> Detector::check_stall(const RuntimeSnapshot& s, bool any_deadlock) {
  // Progress: waits that ended, tasks completed, and tasks started (a
  // kFiber pool may start thousands of tasks that each suspend at once).
  std::uint64_t progress_now = s.wait_ends;
  for (const PoolSnapshot& p : s.pools)
    progress_now += p.tasks_completed();
  for (const ThreadView& t : s.threads)
    progress_now += t.task.num_started;
  if (!has_progress_ || progress_now != last_progress_) {
    has_progress_ = true;
    last_progress_ = progress_now;
    last_progress_time_ = s.time;
    stall_reported_ = false;
    return {};
  }
  if (stall_reported_ || any_deadlock || !is_stalled(s))
    return {};
  stall_reported_ = true;
  Finding f;
  f.kind = FindingKind::kStall;
  f.certainty = Certainty::kSuspected;
  f.age = s.time - last_progress_time_;
  for (std::size_t i = 0; i < s.threads.size(); ++i) {
    if (s.threads[i].wait || !s.threads[i].frames.empty())
      f.threads.push_back(static_cast<int>(i));
  }
  return {std::move(f)};
}

std::vector<Finding> Detector::observe(const RuntimeSnapshot& s, const WaitForGraph& g) {
  std::vector<Candidate> candidates = deadlocks(s, g, Mode::kProof);
  for (auto& c : deadlocks(s, g, Mode::kInferred))
    candidates.push_back(std::move(c));
  const bool any_deadlock = !candidates.empty();
  for (auto& c : exhaustions(s, g))
    candidates.push_back(std::move(c));
  for (auto& c : long_tasks(s, g))
    candidates.push_back(std::move(c));
  wants_confirmation_ = false;
  std::vector<Finding> findings = confirm(std::move(candidates), s.time);
  for (auto& f : check_stall(s, any_deadlock))
    findings.push_back(std::move(f));
  return findings;
}

}  // namespace knot::instr
