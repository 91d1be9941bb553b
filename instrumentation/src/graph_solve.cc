// WaitForGraph (wait_for_graph.h): liveness in three modes, and the walks
// over what stays dead (cycles) or what waits on the unknown (paths).

#include <algorithm>
#include <deque>
#include <limits>

#include "wait_for_graph.h"

namespace knot::instr {

int WaitForGraph::add_node(GraphNode node) {
  nodes_.push_back(std::move(node));
  out_.emplace_back();
  return static_cast<int>(nodes_.size()) - 1;
}

void WaitForGraph::add_edge(int from, int to, bool is_wait, Basis basis, std::string label,
                            bool is_host) {
  // One edge per pair: a second one (two handles held by one thread) adds
  // nothing to liveness; an exact edge replaces an inferred one.
  for (const int e : out_[static_cast<std::size_t>(from)]) {
    GraphEdge& existing = edges_[static_cast<std::size_t>(e)];
    if (existing.to == to) {
      if (existing.basis == Basis::kInferred && basis == Basis::kExact) {
        existing.basis = basis;
        existing.label = std::move(label);
      }
      return;
    }
  }
  out_[static_cast<std::size_t>(from)].push_back(static_cast<int>(edges_.size()));
  edges_.push_back({from, to, is_wait, basis, std::move(label), is_host});
}

int WaitForGraph::find(const std::string& id) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].id == id)
      return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> WaitForGraph::successors(int node) const {
  std::vector<int> out;
  for (const int e : out_[static_cast<std::size_t>(node)])
    out.push_back(edges_[static_cast<std::size_t>(e)].to);
  return out;
}

const GraphEdge* WaitForGraph::edge(int from, int to) const {
  for (const int e : out_[static_cast<std::size_t>(from)]) {
    if (edges_[static_cast<std::size_t>(e)].to == to)
      return &edges_[static_cast<std::size_t>(e)];
  }
  return nullptr;
}

void WaitForGraph::solve() {
  for (const Mode mode : {Mode::kProof, Mode::kInferred, Mode::kKnown}) {
    const std::vector<bool> alive = propagate(mode, -1, {});
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      nodes_[i].alive[static_cast<int>(mode)] = alive[i];
  }
}

// propagate() spreads liveness backwards from the seeded nodes: an OR node
// is alive once one successor is, an AND node once all are (a breadth-first
// walk, linear in the graph).
std::vector<bool> WaitForGraph::propagate(Mode mode, int excluded,
                                          const std::vector<int>& also_alive) const {
  const auto counts = [mode](const GraphEdge& e) {
    return mode != Mode::kProof || e.basis == Basis::kExact;
  };
  std::vector<std::vector<int>> waiters(nodes_.size());
  std::vector<int> missing(nodes_.size(), 0);  // AND nodes: successors not yet alive
  for (const GraphEdge& e : edges_) {
    if (!counts(e))
      continue;
    waiters[static_cast<std::size_t>(e.to)].push_back(e.from);
    ++missing[static_cast<std::size_t>(e.from)];
  }
  std::vector<bool> alive(nodes_.size(), false);
  std::deque<int> work;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const GraphNode& n = nodes_[i];
    bool seeded = n.seed == Seed::kRuns;
    if (mode != Mode::kKnown)
      seeded = seeded || n.seed == Seed::kUnknown;
    // Under kProof a guessed waker is an unknown one.
    if (mode == Mode::kProof && n.has_inferred)
      seeded = true;
    seeded = seeded || std::find(also_alive.begin(), also_alive.end(), static_cast<int>(i)) !=
                           also_alive.end();
    if (seeded && static_cast<int>(i) != excluded) {
      alive[i] = true;
      work.push_back(static_cast<int>(i));
    }
  }
  while (!work.empty()) {
    const int n = work.front();
    work.pop_front();
    for (const int w : waiters[static_cast<std::size_t>(n)]) {
      const GraphNode& waiter = nodes_[static_cast<std::size_t>(w)];
      if (alive[static_cast<std::size_t>(w)] || w == excluded)
        continue;
      if (waiter.is_and) {
        if (--missing[static_cast<std::size_t>(w)] > 0)
          continue;
        if (mode == Mode::kKnown && waiter.unknown_members > 0)
          continue;
      }
      alive[static_cast<std::size_t>(w)] = true;
      work.push_back(w);
    }
  }
  return alive;
}

std::vector<int> WaitForGraph::waiters_behind(int target, bool for_its_slot,
                                              std::vector<int>* starved_pools) const {
  // The fiber task a worker thread runs is part of it here: what waits for
  // the task waits for the thread.
  std::vector<int> targets{target};
  for (const GraphEdge& e : edges_) {
    if (e.is_host && e.to == target)
      targets.push_back(e.from);
  }
  const auto is_target = [&](int n) {
    return std::find(targets.begin(), targets.end(), n) != targets.end();
  };
  std::vector<int> job_waiters;
  if (for_its_slot) {
    for (const GraphEdge& e : edges_) {
      const NodeKind from = node(e.from).kind;
      if (is_target(e.to) && !is_target(e.from) &&
          (from == NodeKind::kThread || from == NodeKind::kScope))
        job_waiters.push_back(e.from);
    }
  }
  const std::vector<bool> without = propagate(Mode::kKnown, target, job_waiters);
  std::vector<int> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (is_target(static_cast<int>(i)) || !nodes_[i].is_alive(Mode::kKnown) || without[i])
      continue;
    if (nodes_[i].kind == NodeKind::kThread)
      out.push_back(static_cast<int>(i));
    if (nodes_[i].kind == NodeKind::kPool && starved_pools != nullptr)
      starved_pools->push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> WaitForGraph::dead_threads(Mode mode) const {
  std::vector<int> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind == NodeKind::kThread && !nodes_[i].is_alive(mode))
      out.push_back(static_cast<int>(i));
  }
  return out;
}

namespace {

// shortest_cycle_through() is the shortest cycle through `start` over the
// nodes `ok` accepts, as a list of nodes starting at `start`; empty if none.
template <class Ok>
std::vector<int> shortest_cycle_through(const WaitForGraph& g, int start, Ok ok) {
  const std::size_t n = g.nodes().size();
  std::vector<int> parent(n, -1);
  std::vector<bool> seen(n, false);
  std::deque<int> work{start};
  seen[static_cast<std::size_t>(start)] = true;
  while (!work.empty()) {
    const int x = work.front();
    work.pop_front();
    for (const int y : g.successors(x)) {
      if (!ok(y))
        continue;
      if (y == start) {
        std::vector<int> cycle;
        for (int at = x; at != -1; at = parent[static_cast<std::size_t>(at)])
          cycle.push_back(at);
        std::reverse(cycle.begin(), cycle.end());
        return cycle;
      }
      if (!seen[static_cast<std::size_t>(y)]) {
        seen[static_cast<std::size_t>(y)] = true;
        parent[static_cast<std::size_t>(y)] = x;
        work.push_back(y);
      }
    }
  }
  return {};
}

}  // namespace

// cycle_from(): every resource, pool or scope that `start` reaches through
// dead nodes is a candidate; among the shortest cycles through each (and
// through `start`), take the one that goes through
// a resource (a lock or a channel explains a deadlock better than a pool
// alone), then the one with fewest inferred edges, then the shortest.
std::vector<int> WaitForGraph::cycle_from(int start, Mode mode) const {
  const auto dead = [&](int x) { return !node(x).is_alive(mode); };
  if (!dead(start))
    return {};
  std::vector<bool> reached(nodes_.size(), false);
  std::deque<int> work{start};
  reached[static_cast<std::size_t>(start)] = true;
  while (!work.empty()) {
    const int x = work.front();
    work.pop_front();
    for (const int y : successors(x)) {
      if (dead(y) && !reached[static_cast<std::size_t>(y)]) {
        reached[static_cast<std::size_t>(y)] = true;
        work.push_back(y);
      }
    }
  }
  std::vector<int> best;
  long best_score = std::numeric_limits<long>::min();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    // Candidates: what the threads wait on (few), and the start itself.
    if (!reached[i] || (nodes_[i].kind == NodeKind::kThread && static_cast<int>(i) != start))
      continue;
    std::vector<int> cycle = shortest_cycle_through(*this, static_cast<int>(i), dead);
    if (cycle.empty())
      continue;
    long resources = 0;
    long inferred = 0;
    for (std::size_t k = 0; k < cycle.size(); ++k) {
      resources += node(cycle[k]).kind == NodeKind::kResource ? 1 : 0;
      const GraphEdge* e = edge(cycle[k], cycle[(k + 1) % cycle.size()]);
      inferred += e != nullptr && e->basis == Basis::kInferred ? 1 : 0;
    }
    const long score =
        (resources > 0 ? 1'000'000 : 0) - inferred * 1000 - static_cast<long>(cycle.size());
    if (score > best_score || (score == best_score && cycle < best)) {
      best_score = score;
      best = cycle;
    }
  }
  // A canonical start: the smallest node index, so that the same cycle
  // found from different threads is the same list.
  if (!best.empty())
    std::rotate(best.begin(), std::min_element(best.begin(), best.end()), best.end());
  return best;
}

std::vector<int> WaitForGraph::path_to_unknown(int start) const {
  const auto waits_on_unknown = [&](int x) {
    const GraphNode& n = node(x);
    return !n.is_alive(Mode::kKnown) && n.is_alive(Mode::kProof);
  };
  if (!waits_on_unknown(start))
    return {};
  std::vector<int> parent(nodes_.size(), -1);
  std::vector<bool> seen(nodes_.size(), false);
  std::deque<int> work{start};
  seen[static_cast<std::size_t>(start)] = true;
  while (!work.empty()) {
    const int x = work.front();
    work.pop_front();
    const GraphNode& n = node(x);
    if (n.seed == Seed::kUnknown || n.unknown_members > 0 || n.has_inferred) {
      std::vector<int> path;
      for (int at = x; at != -1; at = parent[static_cast<std::size_t>(at)])
        path.push_back(at);
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (const int y : successors(x)) {
      if (waits_on_unknown(y) && !seen[static_cast<std::size_t>(y)]) {
        seen[static_cast<std::size_t>(y)] = true;
        parent[static_cast<std::size_t>(y)] = x;
        work.push_back(y);
      }
    }
  }
  return {};
}

}  // namespace knot::instr
