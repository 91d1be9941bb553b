// TaskGroup: tasks run on a pool, waited for together, cancellable (oneTBB's
// task_group).
//
//   TaskGroup g;          on the current pool (the global pool off-pool)
//   TaskGroup g(pool);    on `pool`
//   g.run(f)              queue f() and return at once
//   g.wait()              return once every task run so far finished;
//                         rethrows the first exception; kComplete or kCanceled
//   g.cancel()            tasks not yet started will not start
//   g.is_canceling()      cancel() was called, or a task threw
//
// Unlike scope(), the tasks' lifetime is not a block: run() may be called
// from anywhere the group is reachable (its tasks included), and wait() may
// come later. On a worker of the group's pool wait() runs other tasks
// meanwhile, and the watchdog sees it as a scope's wait: for the tasks of
// this group, naming the threads that run them. Any other thread parks (a
// worker of another pool runs its own pool's tasks), seen as a wait on the
// pool, like install() from outside.
//
// Cancellation (cancel(), or an exception escaping a task) stops tasks that
// have not started: each is skipped when a worker takes it. A running task
// is never interrupted; it may poll is_canceling(). Cancellation does not
// reach into parallel calls made by the group's tasks (a parallel_for inside
// a task runs to its end). After wait() returns, the group is reusable and
// no longer canceling.
//
// One thread waits at a time. While a wait() is under way, only the
// group's own tasks may call run() (their runs are waited for too); a run()
// from any other thread then is a programming error, as is destroying the
// group. Between waits any thread may call run().
//
// The destructor cancels the tasks that have not started and waits for the
// others; an exception nobody waited for is dropped. Call wait() yourself to
// see it.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <atomic>
#include <cstddef>
#include <exception>
#include <utility>

#include "knot/runtime/detail/job.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/thread_pool.h"

namespace knot {

enum class TaskGroupStatus : std::uint8_t {
  kComplete,  // every task ran
  kCanceled,  // the group was canceled: some tasks may have been skipped
};

class TaskGroup {
 public:
  TaskGroup() noexcept : TaskGroup(current_or_global_pool()) {}
  explicit TaskGroup(ThreadPool& pool) noexcept : pool_(&pool) {}
  ~TaskGroup();

  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // run() queues `f` (called as f()) on the group's pool. Throws
  // Error(Errc::kShutDown) from outside a pool that is shutting down; the
  // task is then not counted.
  template <class F>
  void run(F&& f);

  // wait() returns once every task run so far (and every task they ran)
  // finished; rethrows the first exception a task threw. kCanceled when the
  // group was canceled, then resets the group for reuse.
  TaskGroupStatus wait();

  // cancel() marks the group canceled: tasks that have not started are
  // skipped. Any thread; never blocks.
  void cancel() noexcept { canceled_.store(true, std::memory_order_relaxed); }
  bool is_canceling() const noexcept { return canceled_.load(std::memory_order_relaxed); }

  ThreadPool& pool() const noexcept { return *pool_; }

 private:
  void record_error(std::exception_ptr error) noexcept {
    if (!has_error_.exchange(true, std::memory_order_relaxed))
      error_ = std::move(error);
    cancel();
  }
  // finish_one() retires one task; the one that leaves nothing pending while
  // a wait() is under way (its bias given up) sets that wait's latch. The
  // latch pointer was stored before the bias was given up, and the acq_rel
  // decrements order the two.
  void finish_one() noexcept {
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      latch_.load(std::memory_order_acquire)->set();
  }

  ThreadPool* pool_;
  // Tasks run and not finished, plus one (the bias) while no wait() is
  // under way: so the count reaches zero only inside a wait().
  std::atomic<std::size_t> pending_{1};
  std::atomic<detail::JobLatch*> latch_{nullptr};  // the running wait()'s
  std::atomic<bool> canceled_{false};
  std::atomic<bool> has_error_{false};
  std::exception_ptr error_;  // written once, by whoever flipped has_error_
};

template <class F>
void TaskGroup::run(F&& f) {
  pending_.fetch_add(1, std::memory_order_relaxed);
  auto task = [this, fn = std::forward<F>(f)]() mutable noexcept {
    if (!canceled_.load(std::memory_order_relaxed)) {
      try {
        fn();
      } catch (...) {
        record_error(std::current_exception());
      }
    }
    finish_one();
  };
  auto* job = new detail::HeapJob<decltype(task)>(std::move(task), this);
  try {
    detail::submit_job(pool_->registry(), job);
  } catch (...) {
    delete job;
    pending_.fetch_sub(1, std::memory_order_relaxed);  // the bias or a task keeps it above zero
    throw;
  }
}

inline TaskGroupStatus TaskGroup::wait() {
  detail::Registry* registry = pool_->registry();
  detail::JobLatch latch = detail::group_latch(registry);
  latch_.store(&latch, std::memory_order_release);
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    latch.set();  // nothing was pending
  } else {
    detail::wait_for_group(registry, latch, this);
  }
  // Every task finished: nobody else touches the group's state now.
  latch_.store(nullptr, std::memory_order_relaxed);
  pending_.store(1, std::memory_order_relaxed);
  const bool canceled = canceled_.exchange(false, std::memory_order_relaxed);
  if (has_error_.exchange(false, std::memory_order_relaxed)) {
    std::exception_ptr error = std::move(error_);
    error_ = nullptr;
    std::rethrow_exception(error);
  }
  return canceled ? TaskGroupStatus::kCanceled : TaskGroupStatus::kComplete;
}

inline TaskGroup::~TaskGroup() {
  if (pending_.load(std::memory_order_acquire) == 1)
    return;  // nothing outstanding
  cancel();
  try {
    wait();
  } catch (...) {
    // Nobody waited for it: dropped (see the header comment).
  }
}

}  // namespace knot
