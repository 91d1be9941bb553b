// WaitForGraph: who waits for whom in one RuntimeSnapshot, and who can
// never be woken (docs/detection.md).
//
//   GraphNode   a thread, a pool (its free workers) or one side of a resource
//   GraphEdge   "waits_for" (a thread on what it parked in) or "woken_by"
//               (a resource on whoever can release it)
//   WaitForGraph::build()  the graph, with the liveness fixed point solved
//
// Every node is an OR node: a parked thread is alive if what it waits for
// is; a resource is alive if any of its wakers is (any receiver may drain a
// channel). Alive to begin with: threads that are not parked, timed waits,
// blocking regions, and any resource with a waker knot cannot see (a
// channel side nobody used yet, a mutex owner that is not a knot thread).
// Liveness then spreads backwards along the edges to a fixed point; what
// stays dead can never be woken. Pure logic: no threads, no clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "knot/runtime/snapshot.h"

namespace knot::instr {

enum class NodeKind : std::uint8_t { kThread, kPool, kResource };

struct GraphNode {
  std::string
      id;  // "thread:<tid>", "fiber:<index>", "pool:<id>", "resource:<address>[:send|:recv]"
  NodeKind kind = NodeKind::kThread;
  std::string label;  // in the user's names: "thread 'embed'", "channel 'processed'"
  bool is_alive = false;
  std::string why_alive;  // for alive nodes the graph starts from: "running", "timed wait", ...
  int thread = -1;        // kThread: index into RuntimeSnapshot::threads
  int pool = -1;          // kPool: index into RuntimeSnapshot::pools
  // kResource: the wait kind, and a waiting thread whose facts describe it.
  WaitKind wait_kind = WaitKind::kBlockingRegion;
  int described_by = -1;
};

struct GraphEdge {
  int from = 0;
  int to = 0;
  bool is_wait = true;  // true: "waits_for"; false: "woken_by"
  std::string label;    // "waits to send into", "drained by", ...
};

class WaitForGraph {
 public:
  static WaitForGraph build(const RuntimeSnapshot& snapshot);

  const std::vector<GraphNode>& nodes() const noexcept { return nodes_; }
  const std::vector<GraphEdge>& edges() const noexcept { return edges_; }

  // dead_threads() lists the thread nodes that can never be woken.
  std::vector<int> dead_threads() const;

  // cycle_from() walks from dead node `start` through dead successors until
  // a node repeats and returns that cycle (node indices, in order, the
  // repeated node once). Every dead node has a dead successor, so a cycle
  // always exists.
  std::vector<int> cycle_from(int start) const;

  // successors() are the nodes `node` waits for or is woken by.
  std::vector<int> successors(int node) const;

  // find() is the node with `id`, or -1.
  int find(const std::string& id) const;

 private:
  int add_node(GraphNode node);
  void add_edge(int from, int to, bool is_wait, std::string label);
  void solve();

  std::vector<GraphNode> nodes_;
  std::vector<GraphEdge> edges_;
};

// thread_node_id() is the graph id of a thread: "thread:<tid>", or
// "fiber:<index>" for a suspended fiber task (it has no OS thread).
std::string thread_node_id(const ThreadView& thread);

// thread_label() is how reports name a thread: "thread 'embed'", with its
// stage when that differs from the name: "thread 'global-0' (stage 'reprocess')".
std::string thread_label(const ThreadView& thread);

// resource_kind() is the report's name for what a wait of `kind` waits on:
// "channel", "latch", "mutex", "shared_mutex", "region" or "pool".
std::string resource_kind(WaitKind kind);

// resource_label() names a waited-for resource: "channel 'processed'",
// "mutex 'cache'", "latch #3f10" for an unnamed one.
std::string resource_label(const WaitView& wait);

}  // namespace knot::instr
