// ReportIndex: the lookups every renderer needs over one report (a node's
// label, a thread by tid, whether something is in the cycle), built once.
// Tolerates dangling ids and duplicates: a missing label falls back to one
// derived from the id, the first of duplicates wins. Holds pointers into
// the report, which must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "knot/report/report.h"
#include "knot/view/aggregate.h"

namespace knot::view::detail {

// NodeRef is a graph node id taken apart: "thread:12", "pool:1",
// "resource:7", "resource:7:send".
struct NodeRef {
  std::string kind;  // thread, pool, resource (or whatever the id says)
  std::optional<std::uint64_t> number;
  std::string side;  // send, recv or empty
};

NodeRef parse_node_id(std::string_view id);

class ReportIndex {
 public:
  explicit ReportIndex(const knot::report::Report& report);

  const knot::report::Report& report() const { return report_; }

  // node_label() is the node's label in the user's words; for a node the
  // graph does not list (or lists without a label), one made from the id
  // and the threads, pools and resources it names.
  std::string node_label(std::string_view id) const;

  const knot::report::Thread* thread_by_tid(std::int64_t tid) const;
  const knot::report::Pool* pool_by_id(std::uint64_t id) const;
  const knot::report::Resource* resource_by_id(std::uint64_t id) const;

  // thread_name() is "'name'" (or "tid N" for a thread without a name, or
  // with an unknown tid).
  std::string thread_name(std::int64_t tid) const;
  // owner_name() names a mutex's owner: "thread 'name'", "fiber task
  // 'name'" (owner_fiber set), or "thread tid N" when unknown.
  std::string owner_name(const knot::report::Resource& resource) const;
  // pool_name() is "'name'" or "#id".
  std::string pool_name(std::uint64_t id) const;

  bool is_cycle_node(std::string_view id) const { return cycle_nodes_.contains(std::string(id)); }
  // is_cycle_edge() is true for an edge between two consecutive nodes of
  // the cycle (the last node wraps around to the first).
  bool is_cycle_edge(const knot::report::Edge& edge) const;
  bool is_thread_in_cycle(const knot::report::Thread& thread) const;

  // cycle_steps() is the cycle as (from, to) pairs, closed: the last pair
  // leads back to the first node. Empty without a cycle.
  const std::vector<std::pair<std::string, std::string>>& cycle_steps() const {
    return cycle_steps_;
  }
  // cycle_chain() is "a -> b -> c -> a" in node labels; empty without a cycle.
  std::string cycle_chain() const;
  // edge_between() is the first graph edge from `from` to `to`, if any.
  const knot::report::Edge* edge_between(std::string_view from, std::string_view to) const;

  // focus_resources() are the resources in the cycle, in cycle order, then
  // those the cycle's threads wait on, then those they hold (exclusively
  // or shared); when there is no cycle, the resources some thread waits on.
  std::vector<const knot::report::Resource*> focus_resources() const;

 private:
  const knot::report::Report& report_;
  std::unordered_map<std::string, const knot::report::Node*> nodes_;
  std::unordered_map<std::int64_t, const knot::report::Thread*> threads_;
  std::unordered_map<std::uint64_t, const knot::report::Pool*> pools_;
  std::unordered_map<std::uint64_t, const knot::report::Resource*> resources_;
  std::unordered_map<std::string, const knot::report::Edge*> edges_;  // "from\x1fto"
  std::unordered_set<std::string> cycle_nodes_;
  std::unordered_set<std::string> cycle_edges_;  // "from\x1fto"
  std::vector<std::pair<std::string, std::string>> cycle_steps_;
};

// The thread groups as both renderers show them: grouped by `level`, the
// groups with a thread in the cycle first, then those with a thread whose
// long task the report describes, otherwise in aggregate()'s order.
std::vector<Bucket> ordered_buckets(const ReportIndex& index, Similarity level);
bool bucket_in_cycle(const ReportIndex& index, const Bucket& bucket);
bool bucket_runs_long_task(const ReportIndex& index, const Bucket& bucket);
// bucket_members() is the bucket's threads, in its order.
std::vector<const knot::report::Thread*> bucket_members(const ReportIndex& index,
                                                        const Bucket& bucket);

}  // namespace knot::view::detail
