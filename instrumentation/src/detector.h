// Detector: verdicts from a sequence of snapshots (docs/detection.md).
//
//   Finding    one verdict: deadlock, self-deadlock, pool exhaustion, stall
//   Detector   feeds on snapshots (each with its WaitForGraph) and returns
//              the findings confirmed on this one and not reported before
//
// Confirmation: a finding counts only when the previous snapshot showed the
// same thing: the same waits (thread and `since`, so no thread woke and
// parked again in between) and, for a deadlock, no progress on any counter
// of the resources and pools involved. A torn snapshot can therefore never
// raise an alarm on its own. Each finding is reported once; it can be
// reported again only after it went away and formed anew.
// Pure logic: time comes from the snapshots.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "knot/runtime/snapshot.h"
#include "wait_for_graph.h"

namespace knot::instr {

enum class FindingKind : std::uint8_t { kDeadlock, kSelfDeadlock, kPoolExhaustion, kStall };

// to_string() is the report's verdict kind: "deadlock", "self_deadlock", ...
const char* to_string(FindingKind kind) noexcept;

struct Finding {
  FindingKind kind = FindingKind::kDeadlock;
  bool is_proven = false;           // deadlocks are proven; exhaustion and stalls suspected
  std::vector<int> threads;         // involved threads: indices into RuntimeSnapshot::threads
  std::vector<int> cycle;           // deadlocks: node indices into the graph, in order
  std::uint64_t pool_id = 0;        // pool exhaustion: the pool
  std::chrono::nanoseconds age{0};  // how long the condition had existed
};

struct DetectorOptions {
  std::chrono::nanoseconds exhaustion_threshold = std::chrono::seconds(1);
  std::chrono::nanoseconds stall_threshold = std::chrono::seconds(10);
};

class Detector {
 public:
  explicit Detector(DetectorOptions options = {}) : options_(options) {}

  // observe() judges `snapshot` (whose graph is `graph`) and returns the
  // findings confirmed now that were not reported before.
  std::vector<Finding> observe(const RuntimeSnapshot& snapshot, const WaitForGraph& graph);

  // wants_confirmation() is true when the last snapshot showed a candidate
  // that one more snapshot could confirm: look again soon.
  bool wants_confirmation() const noexcept { return wants_confirmation_; }

 private:
  struct Candidate {
    Finding finding;
    std::string key;          // identity: the waits involved
    std::string fingerprint;  // key plus the progress counters involved
  };

  std::vector<Candidate> deadlocks(const RuntimeSnapshot& s, const WaitForGraph& g) const;
  std::vector<Candidate> exhaustions(const RuntimeSnapshot& s, const WaitForGraph& g) const;
  bool is_stalled(const RuntimeSnapshot& s) const;

  DetectorOptions options_;
  std::set<std::string> previous_;  // fingerprints seen on the previous snapshot
  std::set<std::string> reported_;  // keys reported and still present
  bool wants_confirmation_ = false;
  // Stall tracking: the progress counter and when it last moved.
  std::uint64_t last_progress_ = 0;
  std::chrono::steady_clock::time_point last_progress_time_{};
  bool has_progress_ = false;
  bool stall_reported_ = false;
};

}  // namespace knot::instr
