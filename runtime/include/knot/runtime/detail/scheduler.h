// The scheduler's entry points for the fork-join templates (join, scope,
// install, spawn). Implemented in runtime/src/scheduler.cc.
// Public only because templates call them; not part of the API.
#pragma once

#include <cstdint>
#include <exception>
#include <string_view>

#include "knot/runtime/detail/job.h"
#include "knot/runtime/observer.h"

namespace knot {
class ThreadPool;
}

namespace knot::detail {

// The worker running on this thread, or null off-pool. Set once by the
// worker's thread at start; read on every join.
// constinit: no dynamic initialization, so no TLS wrapper call on access.
// initial-exec: a fixed offset from the thread pointer even in the
// position-independent build of the library, instead of a call to
// __tls_get_addr that the linker may relax but whose register saves stay
// (the cost of every push and pop of a join).
// A shared build (BUILD_SHARED_LIBS=ON) keeps this model, on purpose: a
// program linked with libknot_runtime.so gets these thread-locals at load
// time like its own. One that dlopen()s the library after start takes
// its whole thread-local block (48 bytes, and the instrumentation's 32,
// as built on x86-64) from glibc's reserve of static TLS for such
// libraries (the glibc.rtld.optional_static_tls tunable, 512 bytes by
// default); dlopen() fails with "cannot allocate memory in static TLS
// block" only if other libraries used the reserve up, and the tunable
// raises it. Global-dynamic would make every join call __tls_get_addr to
// serve that rare case (docs/runtime.md, "Using the installed package";
// the install test dlopen()s the shared build).
[[gnu::tls_model("initial-exec")]] extern constinit thread_local Worker* t_current_worker;

inline Worker* current_worker() noexcept {
  return t_current_worker;
}

// Worker-only. push_job() puts `job` at the bottom of the worker's deque,
// tagged with the worker's isolation tag, and wakes a sleeping worker if none
// is searching. pop_job_if() takes the bottom job back if it is `job`;
// otherwise (it was stolen) it leaves the deque as it was and returns false.
void push_job(Worker* worker, Job* job) noexcept;
bool pop_job_if(Worker* worker, Job* job) noexcept;

// Worker-only. wait_until() returns once `latch` is set, running other jobs
// (only jobs of the current isolation region, if any) while it waits, and
// sleeping when there are none; a fiber task suspends instead. Unless the
// latch is already set, the wait is a frame of the caller's wait stack
// (snapshot.h, WaitFrame) for its duration: `kind` (kJoin, kInstall,
// kScope), what it waits for (`awaited`: the job, or the Scope) and the pool
// that runs it (null: the worker's own).
void wait_until(Worker* worker, JobLatch& latch, WaitKind kind, const void* awaited,
                const Registry* pool) noexcept;

// wait_outside() parks a thread that is not a worker until `latch` is set,
// reporting the wait to the observer as `kind` on resource `pool`; the job
// it waits for (`awaited`) is a frame of its wait stack meanwhile.
void wait_outside(JobLatch& latch, WaitKind kind, const Registry* pool, std::string_view name,
                  const void* awaited) noexcept;

// wait_for_group() waits until `latch` is set by the last of a group of
// jobs queued on `pool` (a TaskGroup's tasks, a broadcast's jobs), `group`
// being their Job::group. A worker of `pool` helps meanwhile (a kScope
// wait for `group`); a worker of another pool helps its own, and any other
// thread parks (kInstall waits on `pool`). It never runs the wait inside a
// job of `pool`: a worker helping in a join could take that job above one
// of the group's own tasks and wait for itself. `latch` must have been made
// by group_latch() on the same thread.
JobLatch group_latch(const Registry* pool) noexcept;
void wait_for_group(Registry* pool, JobLatch& latch, const void* group) noexcept;

// registry_of() is the registry the worker belongs to.
Registry* registry_of(Worker* worker) noexcept;

// inject_job() queues `job` on the registry's injector and wakes a worker.
// Throws Error(Errc::kShutDown) when the registry is shutting down and the
// caller is not one of its workers.
void inject_job(Registry* registry, Job* job);

// submit_job() queues `job` on `registry`: on the calling worker's own
// deque when it is one of the registry's workers (never throws), else on
// the registry's injector (Error(Errc::kShutDown) as inject_job(); then
// nothing was queued). Every spawn (Scope, ThreadPool, TaskGroup) goes
// through it.
inline void submit_job(Registry* registry, Job* job) {
  Worker* worker = current_worker();
  if (worker != nullptr && registry_of(worker) == registry) {
    push_job(worker, job);
    return;
  }
  inject_job(registry, job);
}

// Fire-and-forget bookkeeping: a pool's destructor waits until every job
// counted by add_pending() was finished with finish_pending().
void add_pending(Registry* registry) noexcept;
void finish_pending(Registry* registry) noexcept;
// handle_uncaught() runs the pool's on_uncaught_exception handler.
void handle_uncaught(Registry* registry, std::exception_ptr error) noexcept;

// Isolation (see isolate.h): enter_isolation() gives the worker a fresh tag
// and returns the previous one, which leave_isolation() restores.
std::uint64_t enter_isolation(Worker* worker) noexcept;
void leave_isolation(Worker* worker, std::uint64_t previous) noexcept;

std::string_view registry_name(const Registry* registry) noexcept;

// on_fiber() is true on a fiber task of a kFiber pool, where a wait should
// suspend at once instead of spinning: the task it waits for may be queued
// behind it on the same worker.
bool on_fiber() noexcept;

}  // namespace knot::detail
