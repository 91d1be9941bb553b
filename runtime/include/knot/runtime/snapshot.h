// Introspection: read-only views of the pools' state, for the watchdog,
// tools and tests.
//
//   WorkerState   running / searching / sleeping / parked
//   WorkerView    one worker: state, queue depth, tasks completed, OS thread id
//   PoolSnapshot  one pool: its workers, injector depth, pending tasks
//   snapshot_pools()  every live pool
//   live_objects()    what the runtime still holds: pools, fibers, orphaned
//                     jobs (a leak check at teardown)
//
// Reading a snapshot never blocks a worker: every field is a relaxed atomic
// load. The price is that a snapshot is torn: each field is exact at the
// instant it was read, but different fields were read at different
// instants. A worker may, for example, appear "running" with a depth read
// after it emptied its deque. Counters (tasks_completed) only grow, so two
// snapshots taken in a row compare safely.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <chrono>
#include <optional>

#include "knot/runtime/observer.h"
#include "knot/runtime/options.h"

namespace knot {

// WorkerState is what a worker thread is doing. The worker itself stores it
// (relaxed) at each transition; readers may see it late.
enum class WorkerState : std::uint8_t {
  kRunning,    // running a task (or helping while it waits in join/scope)
  kSearching,  // idle, looking for a task to run (spinning)
  kSleeping,   // idle, asleep on its futex until work arrives
  kParked,     // blocked inside a knot primitive or a blocking_region
  kStopped,    // not started yet, or exited
};

std::string_view to_string(WorkerState state) noexcept;

// WorkerView is one worker at the moment of the snapshot.
struct WorkerView {
  std::size_t index = 0;
  std::int64_t os_thread_id = 0;  // Linux TID, as in /proc/PID/task
  WorkerState state = WorkerState::kStopped;
  std::size_t queue_depth = 0;        // jobs in this worker's deque
  std::uint64_t tasks_completed = 0;  // jobs this worker took from a queue and ran
  bool is_spare = false;              // a kCompensate spare standing in for a blocked worker
};

// QueuedBy says how many jobs in a pool's injector `submitter` queued there
// (install() or spawn() from outside the pool).
struct QueuedBy {
  ActorId submitter = 0;
  std::size_t count = 0;
};

// PoolSnapshot is one pool at the moment of the snapshot.
struct PoolSnapshot {
  std::uint64_t id = 0;  // unique per process, never reused
  std::string name{};
  BlockingPolicy policy = BlockingPolicy::kBlock;
  std::size_t num_threads = 0;     // the pool's size (spares not counted)
  std::size_t num_spares = 0;      // kCompensate, kFiber: spares in `workers` now
  std::size_t max_spares = 0;      // kCompensate, kFiber: the most spares it may use
  std::size_t num_suspended = 0;   // kFiber: tasks suspended in a wait now
  std::size_t num_ready = 0;       // kFiber: woken tasks waiting for a worker to resume them
  std::size_t injector_depth = 0;  // jobs submitted from outside, not yet taken
  std::size_t pending_tasks = 0;   // spawned or injected jobs not finished
  bool is_shutting_down = false;
  std::vector<WorkerView> workers{};    // the pool's workers, then its spares in use
  std::vector<QueuedBy> injected_by{};  // the injector's jobs by submitter

  std::size_t count(WorkerState state) const noexcept;
  // find_worker() is the worker (or spare) with this index, or null: idle
  // spares are left out, so a worker's index is not its position.
  const WorkerView* find_worker(std::size_t index) const noexcept;
  std::size_t queued_jobs() const noexcept;  // injector, every deque and the ready fibers
  std::uint64_t tasks_completed() const noexcept;
};

// snapshot_pools() returns a snapshot of every live pool, in creation order.
// It takes the process's pool-list lock, which no worker ever takes.
std::vector<PoolSnapshot> snapshot_pools();

// LiveObjects counts what the runtime holds in this process now. Once
// every pool is destroyed, fibers and orphaned_jobs are zero unless
// something leaked: tests check it at teardown.
struct LiveObjects {
  std::size_t pools = 0;   // pools created and not yet destroyed
  std::size_t fibers = 0;  // kFiber fibers made and not yet ended (a pool ends its own)
  // Job blocks from the slab of a worker whose thread ended, never freed.
  // Jobs that came from malloc (a thread without a slab, a slab at its
  // bound, AddressSanitizer builds) are left to a leak checker.
  std::size_t orphaned_jobs = 0;
};
// live_objects() reads the counts; it takes the pool-list lock. Exact when
// no thread of the runtime runs meanwhile (after every pool was destroyed).
LiveObjects live_objects() noexcept;

// WaitView is a thread's current wait: what the WaitSite said, since when,
// and the resource's facts read while the thread was still parked.
struct WaitView {
  WaitKind kind = WaitKind::kBlockingRegion;
  std::uintptr_t resource = 0;  // the primitive's address: an id, never dereferenced
  std::string name{};
  bool is_timed = false;
  std::chrono::steady_clock::time_point since{};
  ResourceFacts facts{};
  // The wait-site stack (return addresses, innermost first), when a stack
  // hook is installed (set_wait_stack_hook); empty otherwise.
  std::vector<std::uintptr_t> stack{};
};

// WaitFrame is one helping wait on a thread's wait stack. A worker that
// waits in join (its half was stolen), in scope, or in install on another
// pool does not park: it runs other tasks meanwhile, on top of the waiting
// frame, which cannot return before they do; a fiber task suspends there
// instead. Frames are listed bottom first; a parked wait, if any, is above
// the last one (ThreadView::wait).
struct WaitFrame {
  WaitKind kind = WaitKind::kJoin;  // kJoin, kInstall or kScope
  // What it waits for: the job it forked or sent (kJoin, kInstall; a
  // TaskMark::job names it while it runs), or the Scope (kScope; the
  // TaskMark::group of its running tasks). An id, never dereferenced.
  std::uintptr_t awaited = 0;
  std::uint64_t pool_id = 0;       // the pool that runs what it waits for
  std::uintptr_t under_job = 0;    // the task this wait is inside of (TaskMark::job then)
  std::uintptr_t under_group = 0;  // and that task's group (TaskMark::group then)
  std::uintptr_t site = 0;         // return address in the code that called the wait
  bool is_isolated = false;        // it helps only with tasks of its own isolation region
  std::chrono::steady_clock::time_point since{};
};

// TaskMark is the task a thread (or fiber task) runs now: the progress
// mark the watchdog compares from one snapshot to the next.
struct TaskMark {
  std::uintptr_t job = 0;         // the running job (0: none: idle, or not a worker); an id
  std::uintptr_t group = 0;       // that job's group (Job::group): the Scope it is a task of
  std::uint64_t num_started = 0;  // tasks started here so far: unchanged, same task
  std::uint32_t fiber = 0;        // kFiber worker: the ThreadView::index of the fiber task it runs
};

// ThreadView is one thread that knot knows: a worker, or any other thread
// that named itself, entered a stage or waited in a knot primitive; or a
// task of a kFiber pool (is_fiber) that runs or is suspended in a wait
// (it has no OS thread of its own: os_thread_id is 0).
struct ThreadView {
  std::uint32_t index = 0;        // knot's small id for the thread, never reused
  std::int64_t os_thread_id = 0;  // Linux TID; 0 for a fiber
  std::string name{};
  std::string stage{};        // innermost StageScope, or empty
  std::uint64_t pool_id = 0;  // the pool it is a worker of, or 0
  std::optional<std::size_t> worker_index{};
  std::optional<WaitView> wait{};   // set while it is parked (or in a blocking_region)
  bool is_fiber = false;            // a fiber task of pool `pool_id`
  std::vector<WaitFrame> frames{};  // its helping waits, bottom first
  bool frames_complete = true;      // false: deeper than kMaxWaitFrames, or torn while read
  TaskMark task{};
  // The SharedMutexes it holds in shared mode (ids: their addresses), and
  // whether that list is complete (a bounded list per thread).
  std::vector<std::uintptr_t> held_shared{};
  bool held_shared_complete = true;
};

// kMaxWaitFrames is the deepest wait stack a thread records in full.
inline constexpr std::size_t kMaxWaitFrames = 16;

// snapshot_threads() returns every live thread knot knows, in the order
// they became known. Each thread's fields are consistent with each other
// (read under that thread's lock, which it takes only when it parks,
// unparks or renames itself); different threads were read at different
// instants.
std::vector<ThreadView> snapshot_threads();

// num_wait_ends() counts the waits (parks and blocking regions) that ended
// since the process started: it grows whenever some knot thread makes
// progress past a wait. Relaxed.
std::uint64_t num_wait_ends() noexcept;

// RuntimeSnapshot is everything the runtime knows at one moment, for the
// watchdog: pools, threads with their waits and the waited resources'
// facts, and the progress counter.
//
// Consistency: it is torn. Pools are read first, then threads, then the
// counter; each pool's fields and each thread's fields are read at
// different instants (see PoolSnapshot and snapshot_threads()). What holds:
// a thread's wait, since, facts and stack belong together (the thread
// could not leave that wait while they were read); counters only grow; a
// wait with the same `since` in two snapshots is the same, unbroken wait.
// What does not: a worker's state in `pools` and its wait in `threads`
// may disagree; a resource's facts seen by two waiters may differ. The
// watchdog copes by confirming a verdict on a second snapshot.
struct RuntimeSnapshot {
  std::chrono::steady_clock::time_point time{};  // when reading began
  std::vector<PoolSnapshot> pools{};
  std::vector<ThreadView> threads{};
  std::uint64_t wait_ends = 0;  // num_wait_ends(), read last
};

// snapshot_runtime() takes a RuntimeSnapshot. It never blocks a thread
// that runs tasks: it takes the pool-list and thread-list locks and each
// thread record's lock for a copy, none of which a parked thread holds.
RuntimeSnapshot snapshot_runtime();

}  // namespace knot
