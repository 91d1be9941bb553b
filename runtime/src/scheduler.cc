// The scheduler's entry points for the templates (detail/scheduler.h):
// push and pop of a join, the waits of joins, scopes and installs, and the
// pool operations that spawns and broadcasts need.

#include <chrono>

#include "fiber/fiber.h"
#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/hazard_hook.h"
#include "registry.h"
#include "thread_record.h"
#include "worker.h"

namespace knot::detail {

// The entry points read the current worker instead of trusting the one the
// template passes: under kFiber a task may have moved to another worker
// since it read it (fiber/README.md). Without fibers they are the same.

void push_job(Worker*, Job* job) noexcept {
  t_current_worker->push(job);
}

bool pop_job_if(Worker*, Job* job) noexcept {
  return t_current_worker->pop_if(job);
}

void wait_until(Worker*, JobLatch& latch, WaitKind kind, const void* awaited,
                const Registry* pool) noexcept {
  // An install on another pool may wait for one of its workers, also when
  // it did not (hazard_hook.h); a join or scope in the pool is a help.
  if (kind == WaitKind::kInstall && hazards_on()) [[unlikely]]
    note_install(pool, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  if (latch.probe())
    return;
  Worker* self = t_current_worker;
  WaitFrame frame;
  frame.kind = kind;
  frame.awaited = reinterpret_cast<std::uintptr_t>(awaited);
  frame.pool_id = (pool != nullptr ? pool : self->registry())->id();
  frame.site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  frame.since = std::chrono::steady_clock::now();
  if (Fiber* f = self->running_fiber()) {
    // A fiber task suspends: the frame is the task's, wherever it resumes.
    ContextMarks& marks = f->record().marks();
    frame.under_job = marks.current_job();
    frame.under_group = marks.current_group();
    marks.push_frame(frame);
    fiber_wait(f, latch);
    marks.pop_frame();
    return;
  }
  ContextMarks& marks = self->record().marks();
  frame.under_job = marks.current_job();
  frame.under_group = marks.current_group();
  frame.is_isolated = self->is_isolated();
  marks.push_frame(frame);
  // The worker runs other tasks of its pool while it waits: the tracker
  // follows what it holds meanwhile (docs/hazards.md, "Helping").
  const bool notes_help = hazards_on();
  if (notes_help) [[unlikely]]
    note_help(self->registry(), frame.site, /*is_end=*/false);
  self->wait_until(latch);
  if (notes_help) [[unlikely]]
    note_help(self->registry(), frame.site, /*is_end=*/true);
  marks.pop_frame();
}

void wait_outside(JobLatch& latch, WaitKind kind, const Registry* pool, std::string_view name,
                  const void* awaited) noexcept {
  if (kind == WaitKind::kInstall && hazards_on()) [[unlikely]]
    note_install(pool, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  WaitSite site{pool, kind, name, /*is_timed=*/false, &describe_pool};
  ContextMarks& marks = ThreadRecord::this_thread().marks();
  WaitFrame frame;
  frame.kind = kind;
  frame.awaited = reinterpret_cast<std::uintptr_t>(awaited);
  frame.pool_id = pool->id();
  frame.under_job = marks.current_job();
  frame.under_group = marks.current_group();
  frame.site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  frame.since = std::chrono::steady_clock::now();
  marks.push_frame(frame);
  // The caller parks at once. Yielding a few dozen times first was tried: a
  // short install from outside then took 24 us instead of 57 on a quiet
  // machine, but on a loaded one the caller, queued behind other threads
  // by its own yields, could notice the end only a time slice later (a
  // median of 2.9 ms in one run of three, against 15-44 us parking).
  // Spinning 30 us without yielding gained 10-30% when quiet and, with two
  // busy threads beside the pool, held the CPU that the worker needed: 36
  // us against 7 us parking.
  while (!latch.probe()) {
    park(&latch, site, [&] { return latch.try_fall_asleep() || latch.is_sleeping(); });
  }
  marks.pop_frame();
}

JobLatch group_latch(const Registry* pool) noexcept {
  Worker* self = t_current_worker;
  // As install's: a waiter of another pool is woken across pools.
  return JobLatch(self != nullptr ? self->registry() : nullptr, self,
                  /*cross=*/self != nullptr && self->registry() != pool);
}

void wait_for_group(Registry* pool, JobLatch& latch, const void* group) noexcept {
  Worker* self = t_current_worker;
  if (self != nullptr && self->registry() == pool) {
    wait_until(self, latch, WaitKind::kScope, group, nullptr);
  } else if (self != nullptr) {
    wait_until(self, latch, WaitKind::kInstall, group, pool);
  } else {
    wait_outside(latch, WaitKind::kInstall, pool, pool->name(), group);
  }
}

Registry* registry_of(Worker* worker) noexcept {
  return worker->registry();
}

void inject_job(Registry* registry, Job* job) {
  registry->inject(job);
}

void add_pending(Registry* registry) noexcept {
  registry->add_pending();
}

void finish_pending(Registry* registry) noexcept {
  registry->finish_pending();
}

void handle_uncaught(Registry* registry, std::exception_ptr error) noexcept {
  registry->handle_uncaught(std::move(error));
}

std::uint64_t enter_isolation(Worker*) noexcept {
  return t_current_worker->enter_isolation();
}

void leave_isolation(Worker*, std::uint64_t previous) noexcept {
  t_current_worker->leave_isolation(previous);
}

std::string_view registry_name(const Registry* registry) noexcept {
  return registry->name();
}

}  // namespace knot::detail
