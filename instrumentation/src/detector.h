// Detector: verdicts from a sequence of snapshots (docs/detection.md).
//
//   Finding    one verdict: deadlock (proven or inferred), self-deadlock,
//              and the warnings: pool exhaustion, long task, stall
//   Detector   feeds on snapshots (each with its WaitForGraph) and returns
//              the findings confirmed on this one and not reported before
//
// Confirmation: a finding counts only when the previous snapshot showed the
// same thing: the same waits on its cycle (thread and `since`, so no thread
// woke and waited again in between) and no progress on any counter of what
// it involves. A torn snapshot can therefore never raise an alarm on its
// own. A deadlock that rests on a guess (inferred) must also stay unchanged
// for `inferred_threshold`. Each finding is reported once, keyed by its
// cycle: threads that later get stuck behind the same cycle do not make a
// second report; it can be reported again only after it went away and
// formed anew. Pure logic: time comes from the snapshots.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "knot/runtime/snapshot.h"
#include "wait_for_graph.h"

namespace knot::instr {

enum class FindingKind : std::uint8_t {
  kDeadlock,
  kSelfDeadlock,
  kPoolExhaustion,
  kLongTask,
  kStall,
};

// to_string() is the report's verdict kind: "deadlock", "self_deadlock", ...
const char* to_string(FindingKind kind) noexcept;

// Certainty: proven (every edge exact), inferred (a deadlock if the named
// assumptions hold), suspected (a warning).
enum class Certainty : std::uint8_t { kProven, kInferred, kSuspected };
const char* to_string(Certainty certainty) noexcept;

// ThreadState is what the OS says of a thread running a long task.
enum class ThreadState : std::uint8_t { kUnknown, kOnCpu, kOffCpu };

struct Finding {
  FindingKind kind = FindingKind::kDeadlock;
  Certainty certainty = Certainty::kProven;
  // Involved threads: indices into RuntimeSnapshot::threads. Deadlocks:
  // every thread of the dead set that reaches the cycle.
  std::vector<int> threads;
  // Deadlocks: the cycle's node indices, in order; warnings: the path from
  // the waiting pool or thread to what knot cannot see (may be empty).
  std::vector<int> cycle;
  Mode mode = Mode::kProof;                  // the liveness the cycle is dead in
  std::vector<std::string> assumptions;      // inferred deadlocks: what they rest on
  std::uint64_t pool_id = 0;                 // pool exhaustion: the pool
  int task_thread = -1;                      // long task: the thread running it
  std::vector<int> waiters;                  // long task: the threads that wait behind it
  std::vector<std::uint64_t> starved_pools;  // long task: pools whose queued tasks wait for it
  ThreadState task_state = ThreadState::kUnknown;  // long task: on or off CPU
  std::chrono::nanoseconds age{0};                 // how long the condition had existed

  bool is_proven() const noexcept { return certainty == Certainty::kProven; }
};

struct DetectorOptions {
  std::chrono::nanoseconds exhaustion_threshold = std::chrono::seconds(1);
  std::chrono::nanoseconds stall_threshold = std::chrono::seconds(10);
  std::chrono::nanoseconds inferred_threshold = std::chrono::seconds(5);
  std::chrono::nanoseconds long_task_threshold = std::chrono::seconds(3);
  // thread_state() asks the OS whether a thread (by TID) runs; only for the
  // threads of long tasks. Null: unknown (the watchdog reads /proc; tests
  // pass their own).
  ThreadState (*thread_state)(std::int64_t tid) = nullptr;
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
    std::string key;                        // identity: the cycle and its waits
    std::string fingerprint;                // key plus the progress counters involved
    std::chrono::nanoseconds must_last{0};  // how long it must stay unchanged
  };
  struct TaskSeen {
    std::uintptr_t job = 0;
    std::uint64_t num_started = 0;
    std::chrono::steady_clock::time_point since;
  };

  std::vector<Candidate> deadlocks(const RuntimeSnapshot& s, const WaitForGraph& g,
                                   Mode mode) const;
  std::vector<Candidate> exhaustions(const RuntimeSnapshot& s, const WaitForGraph& g) const;
  std::vector<Candidate> long_tasks(const RuntimeSnapshot& s, const WaitForGraph& g);
  bool is_stalled(const RuntimeSnapshot& s) const;
  std::vector<Finding> confirm(std::vector<Candidate> candidates,
                               std::chrono::steady_clock::time_point now);
  std::vector<Finding> check_stall(const RuntimeSnapshot& s, bool any_deadlock);

  DetectorOptions options_;
  // Fingerprints seen on the previous snapshot, with when each was first
  // seen unchanged.
  std::map<std::string, std::chrono::steady_clock::time_point> previous_;
  std::set<std::string> reported_;  // keys reported and still present
  bool wants_confirmation_ = false;
  std::map<std::uint32_t, TaskSeen> tasks_;  // running tasks, by thread index
  // Stall tracking: the progress counter and when it last moved.
  std::uint64_t last_progress_ = 0;
  std::chrono::steady_clock::time_point last_progress_time_{};
  bool has_progress_ = false;
  bool stall_reported_ = false;
};

}  // namespace knot::instr
