// ReportIndex (report_index.h): maps from ids to the report's parts, and
// the cycle taken apart into steps.

#include "report_index.h"

#include <algorithm>
#include <charconv>

namespace knot::view::detail {

namespace {

// The report's types, by their short names (text_format.cc lists the same
// ones: a duplicate finder pairs the two lists of using-declarations).
using knot::report::Edge;
using knot::report::Report;
using knot::report::Resource;
using knot::report::Thread;

std::string edge_key(std::string_view from, std::string_view to) {
  std::string key(from);
  key += '\x1f';
  key += to;
  return key;
}

std::string quoted(std::string_view name) {
  return "'" + std::string(name) + "'";
}

}  // namespace

NodeRef parse_node_id(std::string_view id) {
  NodeRef ref;
  const std::size_t colon = id.find(':');
  ref.kind = std::string(id.substr(0, colon));
  if (colon == std::string_view::npos)
    return ref;
  std::string_view rest = id.substr(colon + 1);
  const std::size_t second = rest.find(':');
  const std::string_view number = rest.substr(0, second);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error == std::errc() && end == number.data() + number.size() && !number.empty())
    ref.number = value;
  if (second != std::string_view::npos)
    ref.side = std::string(rest.substr(second + 1));
  return ref;
}

ReportIndex::ReportIndex(const Report& report) : report_(report) {
  for (const auto& node : report.graph.nodes)
    nodes_.try_emplace(node.id, &node);
  for (const auto& thread : report.threads)
    threads_.try_emplace(thread.tid, &thread);
  for (const auto& pool : report.pools)
    pools_.try_emplace(pool.id, &pool);
  for (const auto& resource : report.resources)
    resources_.try_emplace(resource.id, &resource);
  for (const auto& edge : report.graph.edges)
    edges_.try_emplace(edge_key(edge.from, edge.to), &edge);

  std::vector<std::string> cycle = report.cycle;
  if (cycle.size() > 1 && cycle.front() == cycle.back())
    cycle.pop_back();  // written closed: a -> b -> a
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const std::string& from = cycle[i];
    const std::string& to = cycle[(i + 1) % cycle.size()];
    cycle_nodes_.insert(from);
    cycle_edges_.insert(edge_key(from, to));
    cycle_steps_.emplace_back(from, to);
  }
}

const Thread* ReportIndex::thread_by_tid(std::int64_t tid) const {
  auto it = threads_.find(tid);
  return it == threads_.end() ? nullptr : it->second;
}

const knot::report::Pool* ReportIndex::pool_by_id(std::uint64_t id) const {
  auto it = pools_.find(id);
  return it == pools_.end() ? nullptr : it->second;
}

const Resource* ReportIndex::resource_by_id(std::uint64_t id) const {
  auto it = resources_.find(id);
  return it == resources_.end() ? nullptr : it->second;
}

std::string ReportIndex::thread_name(std::int64_t tid) const {
  const Thread* thread = thread_by_tid(tid);
  if (thread == nullptr || thread->name.empty())
    return "tid " + std::to_string(tid);
  return quoted(thread->name);
}

std::string ReportIndex::owner_name(const Resource& resource) const {
  if (resource.owner_fiber != 0) {
    for (const Thread& t : report_.threads) {
      if (t.index == resource.owner_fiber && !t.name.empty())
        return "fiber task " + quoted(t.name);
    }
    return "fiber task #" + std::to_string(resource.owner_fiber);
  }
  return "thread " + thread_name(resource.owner_tid);
}

std::string ReportIndex::pool_name(std::uint64_t id) const {
  const knot::report::Pool* pool = pool_by_id(id);
  if (pool == nullptr || pool->name.empty())
    return "#" + std::to_string(id);
  return quoted(pool->name);
}

std::string ReportIndex::node_label(std::string_view id) const {
  if (auto it = nodes_.find(std::string(id)); it != nodes_.end() && !it->second->label.empty())
    return it->second->label;
  const NodeRef ref = parse_node_id(id);
  if (!ref.number)
    return std::string(id);
  if (ref.kind == "thread")
    return "thread " + thread_name(static_cast<std::int64_t>(*ref.number));
  if (ref.kind == "pool")
    return "pool " + pool_name(*ref.number);
  if (ref.kind == "resource") {
    const Resource* resource = resource_by_id(*ref.number);
    if (resource == nullptr)
      return std::string(id);
    std::string label =
        (resource->kind.empty() ? "resource" : resource->kind) + " " +
        (resource->name.empty() ? "#" + std::to_string(resource->id) : quoted(resource->name));
    if (!ref.side.empty())
      label += " (" + ref.side + ")";
    return label;
  }
  return std::string(id);
}

bool ReportIndex::is_cycle_edge(const Edge& edge) const {
  return cycle_edges_.contains(edge_key(edge.from, edge.to));
}

bool ReportIndex::is_thread_in_cycle(const Thread& thread) const {
  if (is_cycle_node("thread:" + std::to_string(thread.tid)))
    return true;
  // A pool in the cycle stands for its workers: they are its slots.
  return thread.pool_id && is_cycle_node("pool:" + std::to_string(*thread.pool_id));
}

std::string ReportIndex::cycle_chain() const {
  std::string chain;
  for (const auto& [from, to] : cycle_steps_) {
    if (chain.empty())
      chain = node_label(from);
    chain += " -> ";
    chain += node_label(to);
  }
  return chain;
}

const Edge* ReportIndex::edge_between(std::string_view from, std::string_view to) const {
  auto it = edges_.find(edge_key(from, to));
  return it == edges_.end() ? nullptr : it->second;
}

std::vector<const Resource*> ReportIndex::focus_resources() const {
  std::vector<const Resource*> out;
  std::unordered_set<std::uint64_t> seen;
  auto add = [&](std::uint64_t id) {
    const Resource* resource = resource_by_id(id);
    if (resource != nullptr && seen.insert(id).second)
      out.push_back(resource);
  };
  for (const auto& [from, to] : cycle_steps_) {
    const NodeRef ref = parse_node_id(from);
    if (ref.kind == "resource" && ref.number)
      add(*ref.number);
  }
  const bool has_cycle = !cycle_steps_.empty();
  for (const auto& thread : report_.threads) {
    if (thread.wait && (!has_cycle || is_thread_in_cycle(thread)))
      add(thread.wait->resource);
  }
  // What the cycle's threads hold: others wait behind it.
  for (const auto& thread : report_.threads) {
    if (!has_cycle || !is_thread_in_cycle(thread))
      continue;
    for (const std::uint64_t id : thread.holds)
      add(id);
    for (const std::uint64_t id : thread.holds_shared)
      add(id);
  }
  return out;
}

std::vector<Bucket> ordered_buckets(const ReportIndex& index, Similarity level) {
  std::vector<Bucket> buckets = aggregate(index.report().threads, level);
  std::stable_partition(buckets.begin(), buckets.end(),
                        [&](const Bucket& b) { return bucket_runs_long_task(index, b); });
  std::stable_partition(buckets.begin(), buckets.end(),
                        [&](const Bucket& b) { return bucket_in_cycle(index, b); });
  return buckets;
}

bool bucket_in_cycle(const ReportIndex& index, const Bucket& bucket) {
  return std::any_of(bucket.threads.begin(), bucket.threads.end(), [&](std::size_t i) {
    return index.is_thread_in_cycle(index.report().threads[i]);
  });
}

bool bucket_runs_long_task(const ReportIndex& index, const Bucket& bucket) {
  return std::any_of(bucket.threads.begin(), bucket.threads.end(),
                     [&](std::size_t i) { return index.report().threads[i].task.has_value(); });
}

std::vector<const Thread*> bucket_members(const ReportIndex& index, const Bucket& bucket) {
  std::vector<const Thread*> members;
  members.reserve(bucket.threads.size());
  for (std::size_t i : bucket.threads)
    members.push_back(&index.report().threads[i]);
  return members;
}

}  // namespace knot::view::detail
