// WaitForGraph (wait_for_graph.h): nodes and edges from a snapshot, then
// the liveness fixed point.

#include "wait_for_graph.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <unordered_map>
#include <utility>

namespace knot::instr {

namespace {

std::string quoted(const std::string& name) {
  return "'" + name + "'";
}

std::string hex_id(std::uintptr_t address) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(address));
  return buf;
}

bool is_pool_wait(WaitKind kind) {
  return kind == WaitKind::kJoin || kind == WaitKind::kInstall || kind == WaitKind::kPoolShutdown;
}

// wait_label() is the edge label from a thread to what it waits in.
std::string wait_label(WaitKind kind) {
  switch (kind) {
    case WaitKind::kJoin:
      return "waits for its tasks in";
    case WaitKind::kInstall:
      return "waits for its closure in";
    case WaitKind::kLatch:
      return "waits for";
    case WaitKind::kChannelSend:
      return "waits to send into";
    case WaitKind::kChannelRecv:
      return "waits to receive from";
    case WaitKind::kMutex:
      return "waits to lock";
    case WaitKind::kSharedMutex:
      return "waits to lock (shared)";
    case WaitKind::kBlockingRegion:
      return "is blocked in";
    case WaitKind::kPoolShutdown:
      return "waits for the shutdown of";
  }
  return "waits for";
}

// resource_id() is the node id of what a wait is on.
std::string resource_id(const WaitView& wait) {
  if (is_pool_wait(wait.kind))
    return "pool:" + std::to_string(wait.facts.pool_id);
  std::string id = "resource:" + std::to_string(wait.resource);
  if (wait.kind == WaitKind::kChannelSend)
    id += ":send";
  if (wait.kind == WaitKind::kChannelRecv)
    id += ":recv";
  return id;
}

}  // namespace

std::string thread_node_id(const ThreadView& thread) {
  return thread.is_fiber ? "fiber:" + std::to_string(thread.index)
                         : "thread:" + std::to_string(thread.os_thread_id);
}

std::string thread_label(const ThreadView& thread) {
  std::string label =
      (thread.is_fiber ? "fiber task " : "thread ") +
      quoted(thread.name.empty() ? std::to_string(thread.os_thread_id) : thread.name);
  if (!thread.stage.empty() && thread.stage != thread.name)
    label += " (stage " + quoted(thread.stage) + ")";
  return label;
}

std::string resource_kind(WaitKind kind) {
  switch (kind) {
    case WaitKind::kChannelSend:
    case WaitKind::kChannelRecv:
      return "channel";
    case WaitKind::kLatch:
      return "latch";
    case WaitKind::kMutex:
      return "mutex";
    case WaitKind::kSharedMutex:
      return "shared_mutex";
    case WaitKind::kBlockingRegion:
      return "region";
    case WaitKind::kJoin:
    case WaitKind::kInstall:
    case WaitKind::kPoolShutdown:
      return "pool";
  }
  return "region";
}

std::string resource_label(const WaitView& wait) {
  std::string kind =
      wait.kind == WaitKind::kBlockingRegion ? "blocking region" : resource_kind(wait.kind);
  std::replace(kind.begin(), kind.end(), '_', ' ');
  if (!wait.name.empty())
    return kind + " " + quoted(wait.name);
  return kind + " #" + hex_id(wait.resource);
}

int WaitForGraph::add_node(GraphNode node) {
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size()) - 1;
}

void WaitForGraph::add_edge(int from, int to, bool is_wait, std::string label) {
  edges_.push_back({from, to, is_wait, std::move(label)});
}

int WaitForGraph::find(const std::string& id) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].id == id)
      return static_cast<int>(i);
  }
  return -1;
}

WaitForGraph WaitForGraph::build(const RuntimeSnapshot& s) {
  WaitForGraph g;
  std::unordered_map<std::string, int> by_id;
  std::unordered_map<std::int64_t, int> thread_by_tid;
  std::unordered_map<std::uint32_t, int> thread_by_index;

  // 1. Threads. A thread that is not parked, or whose wait ends by itself,
  // is alive to begin with.
  for (std::size_t i = 0; i < s.threads.size(); ++i) {
    const ThreadView& t = s.threads[i];
    GraphNode n;
    n.id = thread_node_id(t);
    n.kind = NodeKind::kThread;
    n.label = thread_label(t);
    n.thread = static_cast<int>(i);
    if (!t.wait) {
      n.is_alive = true;
      n.why_alive = "not parked";
    } else if (t.wait->is_timed) {
      n.is_alive = true;
      n.why_alive = "timed wait";
    } else if (t.wait->kind == WaitKind::kBlockingRegion) {
      n.is_alive = true;
      n.why_alive = "blocking region (outside knot's view)";
    }
    const int id = g.add_node(std::move(n));
    by_id[g.nodes_[id].id] = id;
    // A mutex held by a fiber task names it by minus its index.
    thread_by_tid[t.is_fiber ? -static_cast<std::int64_t>(t.index) : t.os_thread_id] = id;
    thread_by_index[t.index] = id;
  }

  // 2. Pools: a free worker of the pool. Woken by any of its workers.
  std::unordered_map<std::uint64_t, int> pool_by_id;
  for (std::size_t i = 0; i < s.pools.size(); ++i) {
    const PoolSnapshot& p = s.pools[i];
    GraphNode n;
    n.id = "pool:" + std::to_string(p.id);
    n.kind = NodeKind::kPool;
    n.label = "pool " + quoted(p.name);
    n.pool = static_cast<int>(i);
    const int id = g.add_node(std::move(n));
    by_id[g.nodes_[id].id] = id;
    pool_by_id[p.id] = id;
  }

  // 3. Resources, and each parked thread's wait edge.
  for (std::size_t i = 0; i < s.threads.size(); ++i) {
    const ThreadView& t = s.threads[i];
    if (!t.wait || t.wait->kind == WaitKind::kBlockingRegion)
      continue;
    const WaitView& w = *t.wait;
    const std::string rid = resource_id(w);
    int r;
    if (auto it = by_id.find(rid); it != by_id.end()) {
      r = it->second;
    } else {
      GraphNode n;
      n.id = rid;
      if (is_pool_wait(w.kind)) {
        // A pool that is gone or unknown: whatever it ran, knot cannot see it.
        n.kind = NodeKind::kPool;
        n.label = "pool #" + std::to_string(w.facts.pool_id);
        n.is_alive = true;
        n.why_alive = "pool not in the snapshot";
      } else {
        n.kind = NodeKind::kResource;
        n.label = resource_label(w);
        n.wait_kind = w.kind;
        n.described_by = static_cast<int>(i);
      }
      r = g.add_node(std::move(n));
      by_id[rid] = r;
    }
    g.add_edge(thread_by_index[t.index], r, true, wait_label(w.kind));
  }

  // 4. Wakers. Resource facts come from the thread that described it.
  auto actor_node = [&](ActorId actor) -> int {
    if (is_pool_actor(actor)) {
      auto it = pool_by_id.find(actor_id(actor));
      return it == pool_by_id.end() ? -1 : it->second;
    }
    auto it = thread_by_index.find(static_cast<std::uint32_t>(actor_id(actor)));
    return it == thread_by_index.end() ? -1 : it->second;
  };
  const std::size_t num_nodes = g.nodes_.size();
  for (std::size_t r = 0; r < num_nodes; ++r) {
    GraphNode& n = g.nodes_[r];
    const int node = static_cast<int>(r);
    if (n.kind == NodeKind::kPool && n.pool >= 0) {
      const PoolSnapshot& p = s.pools[static_cast<std::size_t>(n.pool)];
      bool all_known = !p.workers.empty();
      for (const WorkerView& w : p.workers) {
        auto it = thread_by_tid.find(w.os_thread_id);
        if (it == thread_by_tid.end()) {
          all_known = false;
          continue;
        }
        g.add_edge(node, it->second, false, "needs a free worker, such as");
      }
      if (!all_known) {
        n.is_alive = true;
        n.why_alive = "a worker knot cannot see";
      }
      continue;
    }
    if (n.kind != NodeKind::kResource)
      continue;
    const WaitView& w = *s.threads[static_cast<std::size_t>(n.described_by)].wait;
    const ResourceFacts& f = w.facts;
    auto wake_by_actors = [&](const RecentActors& actors, const char* label) {
      bool any = false;
      for (ActorId a : actors) {
        if (a == 0)
          continue;
        const int waker = actor_node(a);
        if (waker < 0) {
          n.is_alive = true;
          n.why_alive = "a recent user that has exited or is unknown";
          continue;
        }
        any = true;
        g.add_edge(node, waker, false, label);
      }
      if (!any && !n.is_alive) {
        n.is_alive = true;
        n.why_alive = "no user of the other side seen yet";
      }
    };
    switch (w.kind) {
      case WaitKind::kChannelSend:
        if (f.num_receivers == 0 || (f.capacity && f.length < *f.capacity)) {
          n.is_alive = true;
          n.why_alive = f.num_receivers == 0 ? "closed" : "has room";
        }
        wake_by_actors(f.recent_receivers, "drained by");
        break;
      case WaitKind::kChannelRecv:
        if (f.num_senders == 0 || f.length > 0) {
          n.is_alive = true;
          n.why_alive = f.num_senders == 0 ? "closed" : "has messages";
        }
        wake_by_actors(f.recent_senders, "fed by");
        break;
      case WaitKind::kLatch:
        if (f.count <= 0) {
          n.is_alive = true;
          n.why_alive = "open";
        }
        wake_by_actors(f.recent_counters, "counted down by");
        break;
      case WaitKind::kMutex:
      case WaitKind::kSharedMutex: {
        auto it = thread_by_tid.find(f.owner_tid);
        if (f.owner_tid == 0 || it == thread_by_tid.end()) {
          n.is_alive = true;
          n.why_alive = f.owner_tid == 0 ? "not held" : "held by a thread knot cannot see";
        } else {
          g.add_edge(node, it->second, false, "held by");
        }
        if (w.kind == WaitKind::kMutex && f.num_readers > 0) {
          n.is_alive = true;  // readers are not tracked one by one
          n.why_alive = "shared holders knot cannot name";
        }
        break;
      }
      default:
        n.is_alive = true;
        n.why_alive = "not modelled";
        break;
    }
  }

  // 5. A pool whose workers all wait, untimed, on one resource: say so
  // directly, so that the cycle reads "pool 'global' -> channel 'processed'".
  for (std::size_t p = 0; p < num_nodes; ++p) {
    GraphNode& n = g.nodes_[p];
    if (n.kind != NodeKind::kPool || n.pool < 0 || n.is_alive)
      continue;
    int common = -1;
    bool same = true;
    for (const int worker : g.successors(static_cast<int>(p))) {
      const auto wait_succ = g.successors(worker);
      if (g.nodes_[static_cast<std::size_t>(worker)].is_alive || wait_succ.size() != 1) {
        same = false;
        break;
      }
      if (common >= 0 && wait_succ[0] != common)
        same = false;
      common = wait_succ[0];
    }
    if (same && common >= 0) {
      const std::size_t count = s.pools[static_cast<std::size_t>(n.pool)].workers.size();
      const GraphNode& target = g.nodes_[static_cast<std::size_t>(common)];
      std::string how = "all " + std::to_string(count) + " workers parked";
      if (target.kind == NodeKind::kResource)
        how += " (" + wait_label(target.wait_kind) + ")";
      else
        how += " waiting for";
      // Put it first, so cycle_from() prefers it over a single worker.
      g.edges_.insert(g.edges_.begin(), GraphEdge{static_cast<int>(p), common, false, how});
    }
  }

  g.solve();
  return g;
}

std::vector<int> WaitForGraph::successors(int node) const {
  std::vector<int> out;
  for (const GraphEdge& e : edges_) {
    if (e.from == node)
      out.push_back(e.to);
  }
  return out;
}

void WaitForGraph::solve() {
  // Reverse adjacency: when `to` turns alive, every `from` does (OR nodes).
  std::vector<std::vector<int>> waiters(nodes_.size());
  for (const GraphEdge& e : edges_)
    waiters[static_cast<std::size_t>(e.to)].push_back(e.from);
  std::deque<int> work;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].is_alive)
      work.push_back(static_cast<int>(i));
  }
  while (!work.empty()) {
    const int n = work.front();
    work.pop_front();
    for (const int w : waiters[static_cast<std::size_t>(n)]) {
      if (!nodes_[static_cast<std::size_t>(w)].is_alive) {
        nodes_[static_cast<std::size_t>(w)].is_alive = true;
        work.push_back(w);
      }
    }
  }
}

std::vector<int> WaitForGraph::dead_threads() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind == NodeKind::kThread && !nodes_[i].is_alive)
      out.push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> WaitForGraph::cycle_from(int start) const {
  std::vector<int> path;
  std::vector<int> position(nodes_.size(), -1);
  int n = start;
  while (n >= 0 && position[static_cast<std::size_t>(n)] < 0) {
    position[static_cast<std::size_t>(n)] = static_cast<int>(path.size());
    path.push_back(n);
    int next = -1;
    for (const GraphEdge& e : edges_) {
      if (e.from == n && !nodes_[static_cast<std::size_t>(e.to)].is_alive) {
        next = e.to;
        break;
      }
    }
    n = next;
  }
  if (n < 0)
    return {};  // not reached for a dead start: see the header
  return {path.begin() + position[static_cast<std::size_t>(n)], path.end()};
}

}  // namespace knot::instr
