// Narrator: a finding told in the user's names (docs/detection.md,
// "Reports").
//
//   summary()    one line: "deadlock: thread 'embed' -> pool 'global' -> ..."
//   narrative()  a sentence per step of the cycle, the waits buried under
//                the threads' tops, who else is stuck, what it rests on
//   advice()     ways out that fit the cycle's shape (advice.cc)
//
// Reads a snapshot, its graph and a finding; writes text; keeps no state.
// Also tells on-demand reports (no finding).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "detector.h"
#include "knot/report/report.h"
#include "knot/runtime/snapshot.h"
#include "wait_for_graph.h"

namespace knot::instr {

// SiteNamer names the code at a return address, "build_index (index.cc:42)",
// or returns "" when it cannot.
using SiteNamer = std::function<std::string(std::uintptr_t)>;

class Narrator {
 public:
  Narrator(const RuntimeSnapshot& s, const WaitForGraph& g, SiteNamer name_site = {})
      : s_(s), g_(g), name_site_(std::move(name_site)) {}

  std::string summary(const Finding& f) const;
  std::string narrative(const Finding& f, const report::TaskInfo* task) const;
  std::vector<std::string> advice(const Finding& f, const report::TaskInfo* task) const;
  std::string on_demand(const std::string& reason, std::string& summary_out) const;

  // buried_waits() describes the waits under a thread's top, bottom first:
  // "an install on pool 'inner' (1.2 s, in build_index (index.cc:42))";
  // empty when it has none.
  std::string buried_waits(const ThreadView& t, int top_frame) const;
  // frame_text() describes one helping wait, as buried_waits() does.
  std::string frame_text(const WaitFrame& f) const;

 private:
  // ---- facts ----
  const GraphNode& node(int n) const { return g_.node(n); }
  const ThreadView& thread(int n) const;
  const ResourceFacts* facts(int n) const;
  const PoolSnapshot* pool(int n) const;
  const PoolSnapshot* pool_by_id(std::uint64_t id) const;
  std::string worker_stages(const PoolSnapshot& p) const;
  std::string wakers(int n) const;
  std::string thread_list(const std::vector<int>& threads, const std::vector<int>& except) const;
  std::string waiting_behind(const Finding& f) const;

  // ---- sentences (narrative.cc) ----
  std::string sentence(int a, int b) const;
  std::string thread_sentence(int a, int b) const;
  std::string pool_sentence(int a, int b) const;
  std::string resource_sentence(int a, int b) const;
  std::string deadlock_story(const Finding& f) const;
  std::string exhaustion_story(const Finding& f) const;
  std::string long_task_story(const Finding& f, const report::TaskInfo* task) const;
  std::string stall_story(const Finding& f) const;

  // ---- advice by shape (advice.cc) ----
  struct Shape;
  Shape shape_of(const Finding& f) const;
  void lock_advice(const Shape& shape, const Finding& f, std::vector<std::string>& out) const;
  void channel_advice(const Shape& shape, std::vector<std::string>& out) const;
  void latch_advice(const Shape& shape, std::vector<std::string>& out) const;
  void nesting_advice(const Shape& shape, std::vector<std::string>& out) const;
  void long_task_advice(const Finding& f, const report::TaskInfo* task,
                        std::vector<std::string>& out) const;

  const RuntimeSnapshot& s_;
  const WaitForGraph& g_;
  SiteNamer name_site_;
};

}  // namespace knot::instr
