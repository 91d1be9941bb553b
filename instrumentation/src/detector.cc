// Detector (detector.h): candidates from one snapshot, confirmation against
// the previous one, and reporting each finding once.

#include "detector.h"

#include <algorithm>
#include <map>
#include <utility>

namespace knot::instr {

namespace {

// wait_key() identifies one unbroken wait of one thread (or fiber task).
std::string wait_key(const ThreadView& t) {
  return std::to_string(t.index) + "@" +
         std::to_string(t.wait ? t.wait->since.time_since_epoch().count() : 0);
}

// progress() is what a resource or pool has done so far: any change means
// someone got through it.
std::string progress(const WaitView& w) {
  const ResourceFacts& f = w.facts;
  return std::to_string(f.num_sent) + "/" + std::to_string(f.num_received) + "/" +
         std::to_string(f.count) + "/" + std::to_string(f.owner_tid);
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
    case FindingKind::kStall:
      return "stall";
  }
  return "unknown";
}

std::vector<Detector::Candidate> Detector::deadlocks(const RuntimeSnapshot& s,
                                                     const WaitForGraph& g) const {
  // Group the dead threads by the cycle they lead to (a cycle is named by
  // its smallest node index, whatever node the walk entered it by).
  std::map<int, std::pair<std::vector<int>, std::vector<int>>>
      groups;  // cycle id -> (cycle, threads)
  for (const int node : g.dead_threads()) {
    std::vector<int> cycle = g.cycle_from(node);
    if (cycle.empty())
      continue;
    const int name = *std::min_element(cycle.begin(), cycle.end());
    auto& group = groups[name];
    if (group.first.empty())
      group.first = std::move(cycle);
    group.second.push_back(g.nodes()[static_cast<std::size_t>(node)].thread);
  }
  std::vector<Candidate> out;
  for (auto& [name, group] : groups) {
    auto& [cycle, threads] = group;
    std::sort(threads.begin(), threads.end());
    Candidate c;
    c.finding.is_proven = true;
    c.finding.threads = threads;
    // Start the cycle at a thread that is not a pool worker, if there is
    // one: the story reads from the stage that started it.
    auto starts_well = [&](int n) {
      const GraphNode& node = g.nodes()[static_cast<std::size_t>(n)];
      return node.kind == NodeKind::kThread &&
             !s.threads[static_cast<std::size_t>(node.thread)].worker_index.has_value();
    };
    auto first = std::find_if(cycle.begin(), cycle.end(), starts_well);
    if (first == cycle.end()) {
      first = std::find_if(cycle.begin(), cycle.end(), [&](int n) {
        return g.nodes()[static_cast<std::size_t>(n)].kind == NodeKind::kThread;
      });
    }
    if (first != cycle.end())
      std::rotate(cycle.begin(), first, cycle.end());
    c.finding.cycle = cycle;
    // A thread waiting for a mutex it holds itself.
    const bool self = cycle.size() == 2 &&
                      g.nodes()[static_cast<std::size_t>(cycle[1])].kind == NodeKind::kResource &&
                      g.nodes()[static_cast<std::size_t>(cycle[1])].wait_kind == WaitKind::kMutex;
    c.finding.kind = self ? FindingKind::kSelfDeadlock : FindingKind::kDeadlock;
    auto newest = std::chrono::steady_clock::time_point::min();
    for (const int t : threads) {
      const ThreadView& view = s.threads[static_cast<std::size_t>(t)];
      c.key += wait_key(view) + ";";
      c.fingerprint += progress(*view.wait) + ";";
      newest = std::max(newest, view.wait->since);
    }
    for (const int n : cycle) {
      const GraphNode& node = g.nodes()[static_cast<std::size_t>(n)];
      if (node.kind == NodeKind::kPool && node.pool >= 0) {
        c.fingerprint +=
            "p" + std::to_string(s.pools[static_cast<std::size_t>(node.pool)].tasks_completed());
      }
    }
    c.fingerprint = c.key + "|" + c.fingerprint;
    c.finding.age = s.time - newest;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Detector::Candidate> Detector::exhaustions(const RuntimeSnapshot& s,
                                                       const WaitForGraph& g) const {
  std::vector<Candidate> out;
  for (std::size_t p = 0; p < s.pools.size(); ++p) {
    const PoolSnapshot& pool = s.pools[p];
    if (pool.workers.empty() || pool.queued_jobs() == 0)
      continue;
    Candidate c;
    c.finding.kind = FindingKind::kPoolExhaustion;
    c.finding.pool_id = pool.id;
    auto newest = std::chrono::steady_clock::time_point::min();
    bool all_parked = true;
    bool any_dead = false;
    for (const WorkerView& w : pool.workers) {
      auto it = std::find_if(s.threads.begin(), s.threads.end(),
                             [&](const ThreadView& t) { return t.os_thread_id == w.os_thread_id; });
      if (it == s.threads.end() || !it->wait) {
        all_parked = false;
        break;
      }
      const int index = static_cast<int>(it - s.threads.begin());
      const int node = g.find("thread:" + std::to_string(it->os_thread_id));
      any_dead = any_dead || (node >= 0 && !g.nodes()[static_cast<std::size_t>(node)].is_alive);
      c.finding.threads.push_back(index);
      c.key += wait_key(*it) + ";";
      newest = std::max(newest, it->wait->since);
    }
    // A pool inside a proven deadlock is reported as that deadlock.
    if (!all_parked || any_dead)
      continue;
    c.finding.age = s.time - newest;
    if (c.finding.age < options_.exhaustion_threshold)
      continue;
    c.key = "pool" + std::to_string(pool.id) + ":" + c.key;
    c.fingerprint = c.key;
    out.push_back(std::move(c));
  }
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
    if (!t.worker_index)
      return false;  // a thread outside any wait may be doing anything
    // A worker outside a wait counts only if idle.
    for (const PoolSnapshot& p : s.pools) {
      const WorkerView* w = p.id == t.pool_id ? p.find_worker(*t.worker_index) : nullptr;
      if (w != nullptr && (w->state == WorkerState::kRunning || w->state == WorkerState::kParked))
        return false;
    }
  }
  return any_waiting;
}

std::vector<Finding> Detector::observe(const RuntimeSnapshot& s, const WaitForGraph& g) {
  std::vector<Candidate> candidates = deadlocks(s, g);
  const bool any_deadlock = !candidates.empty();
  for (auto& c : exhaustions(s, g))
    candidates.push_back(std::move(c));

  std::set<std::string> now;
  std::set<std::string> present_keys;
  std::vector<Finding> findings;
  wants_confirmation_ = false;
  for (auto& c : candidates) {
    now.insert(c.fingerprint);
    present_keys.insert(c.key);
    if (reported_.count(c.key) != 0)
      continue;
    if (previous_.count(c.fingerprint) == 0) {
      wants_confirmation_ = true;
      continue;
    }
    reported_.insert(c.key);
    findings.push_back(std::move(c.finding));
  }
  previous_ = std::move(now);
  // Forget what went away, so that it is reported again if it comes back.
  for (auto it = reported_.begin(); it != reported_.end();) {
    it = present_keys.count(*it) != 0 ? std::next(it) : reported_.erase(it);
  }

  // Stall: no wait ended and no task completed for the threshold.
  std::uint64_t progress_now = s.wait_ends;
  for (const PoolSnapshot& p : s.pools)
    progress_now += p.tasks_completed();
  if (!has_progress_ || progress_now != last_progress_) {
    has_progress_ = true;
    last_progress_ = progress_now;
    last_progress_time_ = s.time;
    stall_reported_ = false;
  } else if (!stall_reported_ && !any_deadlock && is_stalled(s)) {
    stall_reported_ = true;
    Finding f;
    f.kind = FindingKind::kStall;
    f.age = s.time - last_progress_time_;
    for (std::size_t i = 0; i < s.threads.size(); ++i) {
      if (s.threads[i].wait)
        f.threads.push_back(static_cast<int>(i));
    }
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace knot::instr
