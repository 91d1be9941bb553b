// The report's data model: what knot knows about a process at one moment,
// and, once the watchdog judged it, its verdict.
//
//   Report    the whole document (schema "knot.report/1")
//   Process   which process, when started, on which host
//   Verdict   deadlock / self_deadlock / pool_exhaustion / long_task / stall /
//             on_demand, with its certainty and assumptions
//   Pool      a pool and its workers' occupancy
//   Thread    a thread: names, role, state, current wait, wait stack, stack
//   Resource  a primitive threads wait on, with its facts
//   Graph     the wait-for graph: nodes and labelled edges; the cycle
//   Frame     one symbolized stack frame
//
// Plain value types with no dependency on the runtime, so that knot-view
// reads reports on a machine that never ran the program. The JSON form is
// in report_json.h; docs/report-schema.md documents every field.
#pragma once

// C++20 at least, as for the runtime (knot/runtime/detail/cxx_standard.h,
// which this library does not include): a minimum, never a forced flag.
#if __cplusplus < 202002L
#error "knot needs C++20 or later: compile with -std=c++20 (or a newer standard)"
#endif

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace knot::report {

// kSchema names the major version of the format that readers take;
// kWrittenSchema the revision knot writes (1.1 added certainty and
// assumptions, wait stacks, holders, long tasks and edge bases; 1.2 the
// potential_deadlock verdict and its hazard).
inline constexpr std::string_view kSchema = "knot.report/1";
inline constexpr std::string_view kWrittenSchema = "knot.report/1.2";

// Frame is one stack frame. A pc whose code was inlined gives several
// Frames with the same pc: each inlined call (is_inlined), innermost
// first, then the real function.
struct Frame {
  std::uint64_t pc = 0;
  std::string module{};      // path of the executable or library
  std::uint64_t offset = 0;  // pc relative to the module's load address
  std::string build_id{};    // hex, empty if unknown
  std::string function{};    // demangled, empty if unknown
  std::string file{};        // source file, empty if unknown
  int line = 0;              // 0 if unknown
  bool is_knot = false;      // a frame of knot itself (viewers fold these)
  bool is_inlined = false;   // inlined into the next frame (same pc)
};

struct Process {
  std::int64_t pid = 0;
  std::string executable{};
  std::vector<std::string> arguments{};
  std::string start_time{};  // ISO 8601, UTC
  std::string host{};
  std::string knot_version{};
};

struct Verdict {
  // "deadlock", "self_deadlock", "pool_exhaustion", "long_task", "stall", "on_demand",
  // "potential_deadlock" (1.2: a cycle of dependencies seen in a run that did not hang)
  std::string kind{};
  bool is_proven = false;  // proven (every edge of the cycle exact), nothing else
  std::string time{};      // ISO 8601, UTC, when it was reached
  double age_seconds = 0;  // how long the condition had existed by then
  // "proven", "inferred" (a deadlock if `assumptions` hold) or "suspected"
  // (a warning); "potential" for a potential_deadlock (it hangs when the
  // `assumptions`, its conditions, hold at once); empty before 1.1.
  std::string certainty{};
  std::vector<std::string> assumptions{};
};

struct Worker {
  std::size_t index = 0;
  std::int64_t tid = 0;
  std::string state{};  // running, searching, sleeping, parked, stopped
  std::size_t queue_depth = 0;
  std::uint64_t tasks_completed = 0;
};

// QueuedBy: how many of a pool's queued tasks someone outside it submitted.
struct QueuedBy {
  std::string submitter{};  // "thread 'embed'", "pool 'extract'"
  std::size_t count = 0;
};

struct Pool {
  std::uint64_t id = 0;
  std::string name{};
  std::string policy{};  // block, compensate, fiber
  std::size_t num_threads = 0;
  std::size_t injector_depth = 0;
  std::size_t pending_tasks = 0;
  std::uint64_t tasks_completed = 0;
  std::size_t num_spares = 0;  // compensation threads running now
  std::vector<Worker> workers{};
  std::vector<QueuedBy> queued_by{};  // the tasks waiting in its injector, by submitter
};

struct Wait {
  std::string kind{};          // join, install, latch, channel_send, channel_recv, mutex, ...
  std::uint64_t resource = 0;  // Resource::id
  std::string name{};
  bool is_timed = false;
  double seconds = 0;  // how long the thread had been waiting
};

// WaitFrame: one helping wait on a thread's wait stack (a join whose half
// was stolen, a scope, an install on another pool), bottom first.
struct WaitFrame {
  std::string kind{};    // join, scope, install
  std::string awaits{};  // what it waits for, in the user's names
  std::uint64_t pool_id = 0;
  double seconds = 0;  // how long it has waited
  bool is_isolated = false;
  bool is_top = false;          // the thread's top wait (no task runs above it)
  std::optional<Frame> site{};  // the code that called the wait
};

// TaskInfo: the task a thread runs and for how long, with what the OS said
// of the thread (long tasks).
struct TaskInfo {
  double seconds = 0;        // at least this long (since the watchdog saw it start)
  std::string cpu{};         // on_cpu, off_cpu, unknown
  std::string proc_state{};  // the state letter of /proc/<pid>/task/<tid>/stat (R, S, D, ...)
  std::string wchan{};       // the kernel function it sleeps in, if any
  std::string where{};       // the innermost function of its stack, if captured
  std::optional<std::uint32_t> fiber{};  // kFiber: the fiber task it runs (Thread::index)
};

struct Thread {
  std::uint32_t index = 0;
  std::int64_t tid = 0;
  std::string name{};
  std::string stage{};
  std::optional<std::uint64_t> pool_id{};  // set for workers and fiber tasks
  std::optional<std::size_t> worker_index{};
  std::string role{};  // worker, spare, fiber (a suspended fiber task), outside
  // running, idle (a worker with no task), parked, blocked (blocking_region), unknown
  std::string state{};
  std::optional<Wait> wait{};
  std::vector<std::uint64_t> holds{};         // ids of the mutexes it owns
  std::vector<std::uint64_t> holds_shared{};  // ids of the shared mutexes it holds in shared mode
  std::vector<WaitFrame> wait_stack{};        // its helping waits, bottom first
  std::optional<TaskInfo> task{};             // long tasks: the task it runs
  std::string stack_source{};                 // "wait_site", "signal", "unresponsive", "none"
  std::vector<Frame> stack{};
};

// Holder: who holds one live handle of a channel side, or one shared hold
// of a shared mutex, and how knot knows.
struct Holder {
  std::string side{};    // send, recv (channels), read (shared mutexes)
  std::string holder{};  // "thread 'main'", "pool 'global'"
  std::string basis{};   // used (exact), created (a guess: not used yet), shared (a guess), held
};

struct Resource {
  std::uint64_t id = 0;
  std::string kind{};  // channel, latch, mutex, shared_mutex, pool, region
  std::string name{};
  std::optional<std::size_t> capacity{};
  std::size_t length = 0;
  std::size_t num_senders = 0;
  std::size_t num_receivers = 0;
  std::uint64_t num_sent = 0;
  std::uint64_t num_received = 0;
  std::int64_t count = 0;
  std::int64_t owner_tid = 0;
  // A mutex held by a fiber task (kFiber): the task's Thread::index, and
  // owner_tid is 0 (the task has no thread while it waits). 0 otherwise.
  std::uint32_t owner_fiber = 0;
  std::size_t num_readers = 0;
  std::uint64_t pool_id = 0;
  // Who used each side lately, in the user's words ("thread 'embed'",
  // "pool 'global'"), most recent first.
  std::vector<std::string> recent_senders{};
  std::vector<std::string> recent_receivers{};
  std::vector<Holder> holders{};      // live handles (channels), shared holds (shared mutexes)
  std::size_t untracked_handles = 0;  // live handles knot does not follow one by one
  bool has_parked_writers = false;    // shared mutexes: a writer waits (readers queue behind it)
};

// Graph node ids: "thread:<tid>", "pool:<pool id>", "resource:<resource id>",
// "resource:<resource id>:send" / ":recv" for a channel's sides.
struct Node {
  std::string id{};     // e.g. "thread:12", "pool:1", "channel:0x55d0..."
  std::string kind{};   // thread, pool, resource
  std::string label{};  // in the user's names: "thread 'embed'"
  bool is_alive = true;
};

struct Edge {
  std::string from{};
  std::string to{};
  std::string kind{};   // "waits_for" (a thread on a resource) or "woken_by"
  std::string label{};  // "waits to send into", "drained only by", ...
  std::string basis{};  // "exact" or "inferred" (a guess); empty before 1.1
};

struct Graph {
  std::vector<Node> nodes{};
  std::vector<Edge> edges{};
};

// HazardEdge: one dependency of a potential deadlock (docs/hazards.md):
// the event `from` cannot happen while `to` has not, because `context`
// waited for `to` while it was responsible for `from`.
struct HazardEdge {
  std::string from{};  // graph node ids
  std::string to{};
  std::string context{};  // "thread 'embed'", "tasks of pool 'global'"
  // held (a mutex held across the wait), stage (it receives from the
  // channel), worker_slot (its task holds a worker while the wait parks),
  // after_wait (it sends or counts down after the wait), pool_stage (only
  // the pool's tasks use that side of the channel, or count the latch
  // down), helper (the pool's tasks waited for it within reach of a
  // worker of the pool that helped while holding a lock)
  std::string basis{};
  std::string text{};                         // the dependency in one sentence
  std::vector<Frame> wait_stack{};            // where the wait was first seen
  std::vector<Frame> responsibility_stack{};  // where the responsibility was first taken
};

// Hazard: the cycle of a potential deadlock and the condition under which
// it becomes a hang.
struct Hazard {
  std::string condition{};                  // one sentence: when it hangs
  std::vector<std::string> prevented_by{};  // policies that would prevent it
  std::vector<HazardEdge> edges{};          // in the order of `cycle`
  // Non-empty: the program exempted a class on the cycle
  // (exempt_from_hazards) and said why; such a report is written for the
  // record but announced nowhere.
  std::string silenced{};
};

struct Report {
  std::string schema{kWrittenSchema};
  std::string id{};       // unique per process: "<utc time>-<pid>-<sequence>"
  std::string trigger{};  // interval, parking_path, signal, api, exit
  Process process{};
  std::optional<Verdict> verdict{};
  std::vector<Pool> pools{};
  std::vector<Thread> threads{};
  std::vector<Resource> resources{};
  Graph graph{};
  std::vector<std::string> cycle{};  // node ids, in order
  std::string summary{};             // the narrative's first sentence, one line
  std::string narrative{};           // several sentences, in the user's names
  std::vector<std::string> advice{};
  // Verdict "potential_deadlock" (1.2): the dependency cycle found in a run
  // that did not hang.
  std::optional<Hazard> hazard{};
};

}  // namespace knot::report
