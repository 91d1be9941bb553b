// WaitForGraph: who waits for whom in one RuntimeSnapshot, and who can
// never be woken (docs/detection.md).
//
//   GraphNode   a context (a thread or a fiber task: its top of stack), a
//               pool (a free worker for a queued task), a scope (its tasks),
//               or one side of a resource
//   GraphEdge   "waits_for" (a context on what its top wait waits for) or
//               "woken_by" (a resource on whoever can release it); each says
//               how it is known: exact, or inferred (a guess, named)
//   WaitForGraph::build()  the graph, with liveness solved three ways
//
// Nodes are OR nodes (alive if any successor is: any receiver may drain a
// channel) or AND nodes (alive only if every successor is: a writer needs
// every reader to leave, a scope every task to end). Some are alive to
// begin with: a context that runs, a timed wait, a resource that does not
// wait; others have a waker knot cannot see (unknown). Liveness spreads
// backwards to a fixed point, in three modes:
//
//   kProof     unknown wakers count as alive and inferred edges as unknown:
//              what stays dead is a proven deadlock
//   kInferred  inferred edges count as exact: what is dead here but alive
//              under kProof is a deadlock that rests on the named guesses
//   kKnown     unknown wakers count as dead: what is dead here but alive
//              under kInferred waits only on what knot cannot see (the
//              ground for warnings such as pool exhaustion)
//
// Pure logic: no threads, no clocks. Built by graph_build.cc; solved and
// walked by graph_solve.cc; labels in graph_labels.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "knot/runtime/snapshot.h"

namespace knot::instr {

enum class NodeKind : std::uint8_t { kThread, kPool, kScope, kResource };

// How a node comes to be alive before any propagation.
enum class Seed : std::uint8_t {
  kNone,     // alive only through its successors
  kRuns,     // alive by what knot sees: it runs, its wait ends by itself, ...
  kUnknown,  // waits on something knot cannot see (alive, but only maybe)
};

enum class Basis : std::uint8_t { kExact, kInferred };

enum class Mode : std::uint8_t { kProof = 0, kInferred = 1, kKnown = 2 };
inline constexpr std::size_t kNumModes = 3;

struct GraphNode {
  // "thread:<tid>", "fiber:<index>", "pool:<id>", "scope:<address>",
  // "resource:<address>[:send|:recv|:read|:write]"
  std::string id;
  NodeKind kind = NodeKind::kThread;
  std::string label;  // in the user's names: "thread 'embed'", "channel 'processed'"
  bool is_and = false;
  // AND nodes: members knot knows exist but cannot name (a reader of a
  // shared mutex it cannot match to a thread): alive under kProof and
  // kInferred, dead under kKnown.
  int unknown_members = 0;
  Seed seed = Seed::kNone;
  std::string why;  // for seeded nodes: "running", "timed wait", "has room", ...
  // Inferred waker edges leave: under kProof the node counts as unknown,
  // and `assumption` is what a verdict resting on them assumes.
  bool has_inferred = false;
  std::string assumption;
  int thread = -1;  // kThread: index into RuntimeSnapshot::threads
  int pool = -1;    // kPool: index into RuntimeSnapshot::pools (-1: not in it)
  // kResource: the wait kind, and a waiting thread whose facts describe it.
  WaitKind wait_kind = WaitKind::kBlockingRegion;
  int described_by = -1;
  // kThread: the index of the frame in ThreadView::frames that is its top
  // wait (-1: a parked wait, or no wait).
  int top_frame = -1;
  bool alive[kNumModes] = {false, false, false};

  bool is_alive(Mode m = Mode::kProof) const noexcept { return alive[static_cast<int>(m)]; }
};

struct GraphEdge {
  int from = 0;
  int to = 0;
  bool is_wait = true;  // true: "waits_for"; false: "woken_by"
  Basis basis = Basis::kExact;
  std::string label;     // "waits to send into", "drained by", ...
  bool is_host = false;  // a running fiber task to the worker thread that runs it
};

class WaitForGraph {
 public:
  static WaitForGraph build(const RuntimeSnapshot& snapshot);

  const std::vector<GraphNode>& nodes() const noexcept { return nodes_; }
  const std::vector<GraphEdge>& edges() const noexcept { return edges_; }
  const GraphNode& node(int n) const noexcept { return nodes_[static_cast<std::size_t>(n)]; }

  // dead_threads() lists the context nodes (threads and fiber tasks) that
  // are dead under `mode`.
  std::vector<int> dead_threads(Mode mode = Mode::kProof) const;

  // cycle_from() is a cycle through nodes dead under `mode` that `start`
  // (dead) leads to, in order, each node once; it prefers a cycle through
  // a resource (the lock or channel that explains it) and exact edges.
  std::vector<int> cycle_from(int start, Mode mode = Mode::kProof) const;

  // path_to_unknown() is, for a node alive under kProof but dead under
  // kKnown, a path of such nodes ending at one that waits on what knot
  // cannot see (a kUnknown seed, an unknown member, a guessed waker);
  // empty if none.
  std::vector<int> path_to_unknown(int start) const;

  // waiters_behind() are the contexts alive under kKnown only because
  // `target` (a thread) is: if it never moved on (a task that never ends),
  // they would wait forever. With `for_its_slot`, those that wait for the
  // tasks it runs are assumed to get them in the end: what remains waits
  // for its worker slot (a queued task) or for a lock it holds. Linear in
  // the graph. `starved_pools`, if given, receives the pools that would
  // have no free worker left.
  std::vector<int> waiters_behind(int target, bool for_its_slot,
                                  std::vector<int>* starved_pools = nullptr) const;

  // successors() are the nodes `node` waits for or is woken by.
  std::vector<int> successors(int node) const;
  // edge() is the edge from `from` to `to`, or null.
  const GraphEdge* edge(int from, int to) const;

  // find() is the node with `id`, or -1.
  int find(const std::string& id) const;

 private:
  friend class GraphBuilder;
  int add_node(GraphNode node);
  void add_edge(int from, int to, bool is_wait, Basis basis, std::string label,
                bool is_host = false);
  void solve();
  // propagate() is the liveness under `mode`, with node `excluded` (if not
  // -1) never alive; `also_alive` nodes are seeded too.
  std::vector<bool> propagate(Mode mode, int excluded, const std::vector<int>& also_alive) const;

  std::vector<GraphNode> nodes_;
  std::vector<GraphEdge> edges_;
  std::vector<std::vector<int>> out_;  // edge indices by source node
};

}  // namespace knot::instr
