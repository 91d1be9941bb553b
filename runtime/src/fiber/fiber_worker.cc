// The kFiber part of the worker (README.md): a job taken by a worker's
// scheduler runs on a fiber; a waiting fiber task suspends, and its wake
// queues it to run again on any worker of its pool.

#include "../registry.h"
#include "../thread_record.h"
#include "../worker.h"
#include "fiber.h"
#include "fiber_pool.h"
#include "knot/runtime/detail/scheduler.h"

namespace knot::detail {

namespace {

// The calling thread's worker, read afresh on every call: a loop that runs
// jobs on a fiber may move to another thread between two calls, and the
// compiler must not keep the thread-local's address from the first.
[[gnu::noinline]] Worker* this_worker() noexcept {
  Worker* w = t_current_worker;
  asm volatile("" ::: "memory");
  return w;
}

}  // namespace

bool Worker::execute_on_fiber(Item item) noexcept {
  if (Fiber::is_resume_job(item.job)) {
    run_fiber(Fiber::from_resume_job(item.job));
    return true;
  }
  Fiber* f = cached_;
  cached_ = nullptr;
  if (f == nullptr)
    f = fibers_->take();
  if (f == nullptr)
    return false;  // no stack for a fiber: the job runs on the thread, as under kBlock
  f->job = item;
  f->isolation = item.tag;
  run_fiber(f);
  return true;
}

void Worker::run_fiber(Fiber* f) noexcept {
  for (;;) {
    running_ = f;
    isolation_ = f->isolation;
    // The thread's task mark names the fiber; its jobs are marked in the
    // fiber's own record (fiber_body).
    const SavedTask below = record_->marks().enter_fiber(f->record().index(), f);
    const Fiber::Exit why = f->resume();
    record_->marks().leave_task(below);
    running_ = nullptr;
    f->isolation = isolation_;
    isolation_ = 0;
    if (why == Fiber::Exit::kDone) {
      if (cached_ == nullptr) {
        cached_ = f;
      } else {
        fibers_->give_back(f);
      }
      return;
    }
    // Suspended: the scheduler's arrival. If the waker came first, go on
    // with the fiber at once; else the waker queues it and `f` is theirs.
    if (!f->arrive())
      return;
  }
}

// The body of every fiber: run the job the scheduler gave it, then the jobs
// left on the bottom of its worker's deque, on the same fiber: a scheduler
// would only hand them to this fiber again, at the cost of two switches
// each. A resume job goes back to the scheduler, which switches fibers.
void Worker::fiber_body(Fiber& fiber) noexcept {
  Item item = fiber.job;
  fiber.job = {};
  ContextMarks& marks = fiber.record().marks();
  constexpr SavedTask kNone{0, 0, 0};
  for (;;) {
    marks.enter_task(item.job);
    item.job->execute_fn(item.job);
    Worker* self = this_worker();  // the job may have moved to another worker
    self->job_finished(item);
    item = self->deque_.pop();
    if (!item || Fiber::is_resume_job(item.job)) {
      marks.leave_task(kNone);
      if (item)
        self->put_back(item.job, item.tag);
      return;
    }
    self->isolation_ = item.tag;
  }
}

Yield Worker::yield_on_fiber(Fiber* fiber, Item item) noexcept {
  // A fiber task runs the job on its own fiber, as fiber_body runs the jobs
  // left on its deque; a woken fiber needs the scheduler: left queued.
  if (Fiber::is_resume_job(item.job)) {
    put_back(item.job, item.tag);
    return Yield::kIdle;
  }
  const std::uint64_t saved = isolation_;
  isolation_ = item.tag;
  ContextMarks& marks = fiber->record().marks();
  const SavedTask below = marks.enter_task(item.job);
  item.job->execute_fn(item.job);
  marks.leave_task(below);
  Worker* self = this_worker();  // the job may have moved this fiber to another worker
  self->isolation_ = saved;
  self->job_finished(item);
  return Yield::kExecuted;
}

void Worker::push_resume(Fiber* f) noexcept {
  deque_.push(&f->resume_job, 0);
  registry_->sleep().new_local_job();
}

bool on_fiber() noexcept {
  return current_fiber() != nullptr;
}

Fiber* current_fiber() noexcept {
  Worker* w = t_current_worker;
  return w != nullptr ? w->running_fiber() : nullptr;
}

void wake_fiber(Fiber* f) noexcept {
  if (!f->arrive())
    return;  // it has not switched out yet: its scheduler resumes it
  Worker* w = t_current_worker;
  if (w != nullptr && w->registry() == f->registry()) {
    w->push_resume(f);
  } else {
    f->registry()->fibers()->push_ready(f);
  }
}

void fiber_wait(Fiber* f, JobLatch& latch) noexcept {
  while (!latch.probe()) {
    if (latch.try_suspend(f))
      f->suspend();
  }
}

}  // namespace knot::detail
