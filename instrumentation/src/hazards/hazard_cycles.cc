// find_cycles() (hazard_cycles.h).

#include "hazard_cycles.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace knot::instr::hazards {

namespace {

// The longest cycle followed: longer ones need as many contexts stuck at
// once and are left out (docs/hazards.md, "Limits").
constexpr std::size_t kMaxLength = 8;

using Adjacency = std::map<EventKey, std::vector<EdgeRecord>>;

std::uint64_t pool_class(const Recorded& rec, std::uint64_t pool_id) {
  for (const auto& [cls, info] : rec.classes) {
    if (info.primitive == Primitive::kPool && info.pool_id == pool_id)
      return cls;
  }
  const auto p = rec.pools.find(pool_id);
  if (p != rec.pools.end()) {
    for (const auto& [cls, info] : rec.classes) {
      if (info.primitive == Primitive::kPool && !p->second.name.empty() &&
          info.name == p->second.name)
        return cls;
    }
  }
  return 0;
}

// pool_level_edges(): an event only one pool's tasks make happen depends on
// a free worker of that pool.
void add_pool_level_edges(const Recorded& rec, Adjacency& adjacency) {
  for (const auto& [event, users] : rec.users) {
    if (!users.threads.empty() || users.pools.size() != 1)
      continue;
    const std::uint64_t pool_id = *users.pools.begin();
    const std::uint64_t cls = pool_class(rec, pool_id);
    if (cls == 0)
      continue;
    EdgeRecord e;
    e.blocked = event;
    e.awaited = {cls, Event::kWorker};
    e.basis = Basis::kPoolStage;
    const auto p = rec.pools.find(pool_id);
    e.context = p != rec.pools.end() && !p->second.name.empty()
                    ? "tasks of pool '" + p->second.name + "'"
                    : "tasks of pool #" + std::to_string(pool_id);
    e.context_pool = pool_id;
    e.responsibility_origin = users.origin;
    adjacency[event].push_back(std::move(e));
  }
}

// is_conserved_ring(): a cycle of stage threads, each receiving from one
// channel of the ring and sending into the next, where every stage sends at
// most one message per message received: the messages in the ring are
// only those injected into it (sends that forwarded nothing), and it hangs
// only if they fill every channel and leave each stage one in hand. Fewer
// than that: the cycle cannot close.
bool is_conserved_ring(const Recorded& rec, const std::vector<EdgeRecord>& edges) {
  std::size_t room = 0;
  std::size_t injected = 0;
  for (const EdgeRecord& e : edges) {
    if (e.basis != Basis::kStage || e.blocked.event != Event::kRoom ||
        e.awaited.event != Event::kRoom)
      return false;
    if (rec.multi_forward.count({e.blocked.cls, e.awaited.cls}) != 0)
      return false;
    const auto cls = rec.classes.find(e.awaited.cls);
    if (cls == rec.classes.end() || cls->second.capacity == 0)
      return false;
    room += cls->second.capacity + 1;
    const auto in = rec.injected.find(e.awaited.cls);
    injected += in != rec.injected.end() ? in->second : 0;
  }
  return injected < room;
}

// is_feasible(): whether the cycle's conditions can hold at once.
bool is_feasible(const Recorded& rec, const std::vector<EdgeRecord>& edges) {
  // A cycle of one: a read taken again while held for reading, which
  // hangs only if a writer comes in between.
  if (edges.size() == 1) {
    const auto cls = rec.classes.find(edges[0].blocked.cls);
    return edges[0].blocked == edges[0].awaited && edges[0].blocked.event == Event::kUnlock &&
           cls != rec.classes.end() && cls->second.has_writers;
  }
  // A pool of N workers is exhausted by a wait only if N tasks can be in
  // it at once: knot must have seen N distinct tasks wait there, or the
  // wait inside forked work (a parallel loop's pieces reach it on every
  // worker). One long-lived task that waits there cannot fill a pool.
  for (const EdgeRecord& e : edges) {
    if (e.basis != Basis::kWorkerSlot || e.forked_seen)
      continue;
    const auto pool = rec.pools.find(e.context_pool);
    if (pool != rec.pools.end() && e.tasks_seen < pool->second.num_threads)
      return false;
  }
  std::set<std::uint64_t> full;
  std::set<std::uint64_t> empty;
  bool only_messages = true;
  for (const EdgeRecord& e : edges) {
    if (e.blocked.event == Event::kRoom)
      full.insert(e.blocked.cls);
    if (e.blocked.event == Event::kMessage)
      empty.insert(e.blocked.cls);
    if (e.blocked.event != Event::kMessage)
      only_messages = false;
  }
  if (only_messages)
    return false;
  if (is_conserved_ring(rec, edges))
    return false;
  for (const std::uint64_t c : full) {
    if (empty.count(c) != 0)
      return false;
  }
  // A helper that holds L may take up a task that waits for W only if such
  // a task was seen waiting while a helper held L (a help that held
  // nothing, or other locks, says nothing about L's).
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const EdgeRecord& e = edges[i];
    if (e.awaited.event != Event::kHelped)
      continue;
    const EdgeRecord& next = edges[(i + 1) % edges.size()];
    if (next.helper_held.count(e.blocked) == 0)
      return false;
  }
  // A pool-level edge "E needs a worker of P" closes the cycle only if the
  // tasks of P that wait in it have not already caused E themselves.
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const EdgeRecord& e = edges[i];
    if (e.basis != Basis::kPoolStage || e.blocked.event == Event::kRoom)
      continue;
    const EdgeRecord& next = edges[(i + 1) % edges.size()];
    if (next.basis == Basis::kWorkerSlot && next.done_before.count(e.blocked) != 0)
      return false;
  }
  return true;
}

std::string cycle_key(const std::vector<EdgeRecord>& edges) {
  // Rotation-free: start at the smallest node.
  std::size_t start = 0;
  for (std::size_t i = 1; i < edges.size(); ++i) {
    if (edges[i].blocked < edges[start].blocked)
      start = i;
  }
  std::ostringstream out;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const EdgeRecord& e = edges[(start + i) % edges.size()];
    out << std::hex << e.blocked.cls << ':' << static_cast<int>(e.blocked.event) << ';';
  }
  return out.str();
}

// is_sole_cause(): an edge from a stage (kStage, kAfterWait) holds only if
// its context is the only one that makes the event happen: with other
// receivers (or senders, or counters) about, one of them stuck stops
// nothing. A pool's tasks are many contexts; their share is the pool-level
// edge's.
bool is_sole_cause(const Recorded& rec, const EdgeRecord& e) {
  if (e.basis != Basis::kStage && e.basis != Basis::kAfterWait)
    return true;
  if (e.context_pool != 0)
    return false;
  const auto users = rec.users.find(e.blocked);
  if (users == rec.users.end())
    return false;
  return users->second.pools.empty() && users->second.threads.size() == 1 &&
         *users->second.threads.begin() == e.context;
}

}  // namespace

std::vector<Cycle> find_cycles(const Recorded& rec, std::size_t max_cycles) {
  Adjacency adjacency;
  for (const auto& [key, e] : rec.edges) {
    (void)key;
    if (is_sole_cause(rec, e))
      adjacency[e.blocked].push_back(e);
  }
  add_pool_level_edges(rec, adjacency);

  std::vector<EventKey> nodes;
  for (const auto& [node, out] : adjacency) {
    (void)out;
    nodes.push_back(node);
  }
  std::vector<Cycle> cycles;
  std::set<std::string> seen;
  std::vector<EdgeRecord> path;
  std::set<EventKey> on_path;
  // Elementary cycles through `start` whose other nodes are all greater
  // than it: each cycle is found once, from its smallest node.
  std::function<void(const EventKey&, const EventKey&)> walk = [&](const EventKey& start,
                                                                   const EventKey& at) {
    if (cycles.size() >= max_cycles * 4)
      return;
    const auto it = adjacency.find(at);
    if (it == adjacency.end())
      return;
    for (const EdgeRecord& e : it->second) {
      if (e.awaited == start) {
        path.push_back(e);
        if (is_feasible(rec, path)) {
          const std::string key = cycle_key(path);
          if (seen.insert(key).second) {
            Cycle c;
            for (const EdgeRecord& p : path)
              c.edges.push_back({p});
            c.key = key;
            cycles.push_back(std::move(c));
          }
        }
        path.pop_back();
        continue;
      }
      if (e.awaited < start || on_path.count(e.awaited) != 0 || path.size() + 1 >= kMaxLength)
        continue;
      path.push_back(e);
      on_path.insert(e.awaited);
      walk(start, e.awaited);
      on_path.erase(e.awaited);
      path.pop_back();
    }
  };
  for (const EventKey& start : nodes) {
    on_path = {start};
    walk(start, start);
  }
  for (Cycle& c : cycles) {
    for (const CycleEdge& e : c.edges) {
      const auto cls = rec.classes.find(e.record.blocked.cls);
      if (cls != rec.classes.end() && !cls->second.exempt_reason.empty()) {
        c.exempt_reason = cls->second.exempt_reason;
        break;
      }
    }
  }
  std::stable_sort(cycles.begin(), cycles.end(),
                   [](const Cycle& a, const Cycle& b) { return a.edges.size() < b.edges.size(); });
  if (cycles.size() > max_cycles)
    cycles.resize(max_cycles);
  return cycles;
}

}  // namespace knot::instr::hazards
