// Worker: one thread of a pool, with its Chase-Lev deque.
//
// Its main loop, the helping wait (wait_until) and where it looks for work
// are in worker.cc. What a blocking policy adds lives in the policy's room
// and is consulted only where a worker parks or a job starts:
//
//   compensate/  kCompensate spares: a worker that parks is replaced by a
//                spare thread; a spare steps out when no longer needed
//   fiber/       kFiber: jobs run on fibers; a waiting job suspends its
//                fiber and the worker's thread goes on (the Worker members
//                execute_on_fiber, run_fiber, fiber_body, yield_on_fiber
//                and push_resume are defined in fiber/fiber_worker.cc)
//
// push() and pop_if() are inline here: they are the join fast path, and
// their only callers are the scheduler's entry points (scheduler.cc).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "injector.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/thread_pool.h"
#include "registry.h"
#include "ws_deque.h"

namespace knot::detail {

class Fiber;
class FiberPool;
class ThreadRecord;

class Worker {
 public:
  Worker(Registry* registry, std::size_t index);

  // main() is the thread's body: run jobs until the terminate latch is set
  // (a spare: until it exits for good).
  void main() noexcept;

  // ---- worker-only (called on this worker's own thread) ----
  void push(Job* job) noexcept {
    deque_.push(job, isolation_);
    registry_->sleep().new_local_job();
  }
  // pop_if() pops the bottom of the deque: true if it is `job`, which the
  // caller then runs; false if `job` was stolen.
  bool pop_if(Job* job) noexcept {
    Item item = deque_.pop();
    if (item.job == job) [[likely]]
      return true;
    // Not ours: our job was stolen. Anything else found here would belong
    // to an enclosing frame; put it back untouched.
    if (item)
      put_back(item.job, item.tag);
    return false;
  }
  void put_back(Job* job, std::uint64_t tag) noexcept;
  void wait_until(JobLatch& latch) noexcept;
  // kFiber: the fiber running on this worker now, or null in its scheduler.
  Fiber* running_fiber() const noexcept { return running_; }
  // The worker thread's record (its task mark and wait frames); set at start.
  ThreadRecord& record() const noexcept { return *record_; }
  bool is_isolated() const noexcept { return isolation_ != 0; }
  std::uint64_t isolation() const noexcept { return isolation_; }  // owner-only
  std::uint64_t enter_isolation() noexcept;
  void leave_isolation(std::uint64_t previous) noexcept { isolation_ = previous; }
  bool has_local_work() const noexcept { return !deque_.empty(); }
  // yield_now() runs one job this worker could take, if any (thread_pool.h).
  Yield yield_now() noexcept;
  // kFiber: make woken fiber `f` of this pool run again, from this worker's
  // deque (any worker may steal it).
  void push_resume(Fiber* f) noexcept;
  // The body of every fiber of a kFiber pool: run the job it was given.
  static void fiber_body(Fiber& fiber) noexcept;

  // ---- any thread ----
  Registry* registry() const noexcept { return registry_; }
  std::size_t index() const noexcept { return index_; }
  bool is_spare() const noexcept { return is_spare_; }
  WorkerView view() const noexcept;
  JobLatch& terminate_latch() noexcept { return terminate_; }
  void set_state(WorkerState s) noexcept { state_.store(s, std::memory_order_relaxed); }
  WorkerState state() const noexcept { return state_.load(std::memory_order_relaxed); }
  // The jobs of broadcasts (ThreadPool::broadcast) that only this worker
  // takes: any thread pushes (Registry::push_broadcast), the worker pops.
  Injector& inbox() noexcept { return inbox_; }

  // The thread, started and joined by the registry (spares: under the
  // spares' lock).
  pthread_t thread{};
  bool has_thread = false;  // a thread was started and not joined yet

 private:
  // run() is the loop of main() and wait_until(): until `latch` is set
  // (true), or, when `may_step_out`, until this spare stepped out (false).
  bool run(JobLatch& latch, bool may_step_out) noexcept;
  void execute(Item item) noexcept;
  // run_here() runs `item` on this stack inside isolation region `region`,
  // then counts it finished.
  void run_here(Item item, std::uint64_t region) noexcept;
  // job_finished() is the bookkeeping after any job this worker took ran.
  void job_finished(Item item) noexcept {
    if (item.is_injected)
      registry_->finish_pending();
    completed_.store(completed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // kFiber (fiber/fiber_worker.cc): run a job on a fiber, or resume a woken
  // fiber; false if no fiber could be had (the job is then run here).
  bool execute_on_fiber(Item item) noexcept;
  void run_fiber(Fiber* f) noexcept;
  // kFiber: yield_now() on fiber `f`, which runs `item` on its own stack.
  Yield yield_on_fiber(Fiber* f, Item item) noexcept;
  Item pop_local() noexcept;
  Item find_work() noexcept;
  Item steal_from_others() noexcept;
  bool pool_has_work() const noexcept;
  std::uint32_t next_random() noexcept;

  Registry* registry_;
  std::size_t index_;
  bool is_spare_;
  bool isolates_roots_;             // kCompensate: every root job runs in its own isolation region
  FiberPool* fibers_;               // kFiber: the pool's fibers (jobs run on them); else null
  Fiber* running_ = nullptr;        // owner-only: the fiber running on this worker
  ThreadRecord* record_ = nullptr;  // owner-only writes, at start: this thread's record
  Fiber* cached_ = nullptr;         // owner-only: a free fiber kept for the next job
  WsDeque deque_;
  Injector inbox_;
  std::uint64_t isolation_ = 0;    // owner-only: tag of the innermost region, 0 = none
  std::uint32_t rng_;              // owner-only: xorshift state for victim choice
  bool idle_since_sleep_ = false;  // owner-only: a spare stepped out after sleeping unneeded
  // Set by the owner thread only (set_state), read by snapshots (view) and by the owner's
  // WaitScope: relaxed, a value for display that publishes nothing.
  std::atomic<WorkerState> state_{WorkerState::kStopped};
  // Owner writes (load + store, no RMW), snapshots read: relaxed. A pool's first workers
  // store os_tid_ before started_.count_down(), which orders it before create() returns.
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::int64_t> os_tid_{0};
  JobLatch terminate_;
};

}  // namespace knot::detail
