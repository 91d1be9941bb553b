// ThreadPool: a named set of work-stealing worker threads.
//
//   ThreadPool            owns N workers; install(), spawn(), snapshot()
//   global_pool()         the lazily created pool for code that names none
//   current_pool()        the pool whose worker runs the calling code
//   current_worker_index()
//   spawn()               fire-and-forget on the current (or global) pool
//   yield_now()           run one pending task of the current pool, if any
//
// Each worker owns a Chase-Lev deque; work submitted from outside goes to
// the pool's injector. Idle workers spin briefly, then sleep on a futex, so
// an idle pool uses no CPU. See docs/runtime.md for the guarantees.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/broadcast.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/options.h"
#include "knot/runtime/snapshot.h"

namespace knot {

class ThreadPool {
 public:
  // Starts the workers. Throws Error(Errc::kNotSupported) for a policy this
  // version lacks and Error(Errc::kThreadCreation) if the OS refuses a thread.
  explicit ThreadPool(PoolOptions options = {});

  // The destructor lets every queued and spawned task finish, then stops and
  // joins the workers. Submitting work from outside the pool after the
  // destructor started throws Error(Errc::kShutDown); tasks already running
  // on the pool may still spawn. Destroying a pool from one of its own
  // workers is a programming error (checked; aborts).
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // install() runs `f` on one of this pool's workers and returns its value or
  // rethrows its exception. Parallel calls made inside `f` (join, scope,
  // parallel_for, ...) use this pool. Called from a worker of this pool it
  // simply calls `f`. Called from a worker of another pool, that worker keeps
  // running its own pool's tasks while it waits; any other thread parks.
  template <class F>
  std::invoke_result_t<F&> install(F&& f);

  // spawn() queues `f` to run on this pool and returns at once. Nobody joins
  // it: an exception escaping `f` goes to options.on_uncaught_exception. The
  // pool's destructor waits for spawned tasks.
  template <class F>
  void spawn(F&& f);

  // broadcast() runs `f` once on each of the pool's num_threads() workers,
  // as f(BroadcastContext{index, num_threads}) if it takes one, else f(),
  // and returns once every call returned: a std::vector of their values in
  // worker order (nothing for a void `f`). The first exception is rethrown
  // after all calls returned. Each worker runs its call the next time it
  // looks for work (also while it waits in a join), so broadcast() waits
  // for the busiest worker: a worker blocked for good blocks it too. Called
  // from one of the pool's workers, that worker's call runs first, inline.
  // Spares of kCompensate are not workers here. Throws
  // Error(Errc::kShutDown) from outside a pool that is shutting down.
  template <class F>
  auto broadcast(F&& f);

  std::size_t num_threads() const noexcept;
  const std::string& name() const noexcept;
  BlockingPolicy policy() const noexcept;

  // snapshot() reads this pool's state without blocking its workers.
  PoolSnapshot snapshot() const;

  // The scheduler behind this pool (internal).
  detail::Registry* registry() const noexcept { return registry_.get(); }

 private:
  std::shared_ptr<detail::Registry> registry_;
};

// global_pool() returns the process-wide pool, created on first use with
// default options and the name "global". It is never destroyed.
ThreadPool& global_pool();

// current_pool() returns the pool whose worker is running the caller, or
// null on a thread that is not a worker.
ThreadPool* current_pool() noexcept;

// current_worker_index() is the caller's worker index in current_pool().
std::optional<std::size_t> current_worker_index() noexcept;

// current_num_threads() is the size of the current pool, or of the global
// pool off-pool: the parallelism that parallel algorithms plan for.
std::size_t current_num_threads() noexcept;

// current_or_global_pool() is the pool that parallel calls made here use.
ThreadPool& current_or_global_pool() noexcept;

// spawn() queues `f` on the current pool (the global pool off-pool).
template <class F>
void spawn(F&& f) {
  current_or_global_pool().spawn(std::forward<F>(f));
}

// yield_now() lets a long task make way (Rayon's yield_now): on a worker it
// runs one task the worker could take (its own queue, another worker's, the
// pool's injector, in that order; inside isolate() only the region's) and
// returns kExecuted, or kIdle if there was none. kNotOnPool off-pool. On a
// fiber task of a kFiber pool it runs new tasks only, on the same fiber; a
// woken fiber waits for the scheduler.
enum class Yield : std::uint8_t { kExecuted, kIdle, kNotOnPool };
Yield yield_now() noexcept;

// ============================================================================
// Implementation
// ============================================================================

template <class F>
std::invoke_result_t<F&> ThreadPool::install(F&& f) {
  detail::Worker* worker = detail::current_worker();
  if (worker != nullptr && detail::registry_of(worker) == registry_.get()) {
    return f();
  }
  detail::Registry* home = worker != nullptr ? detail::registry_of(worker) : nullptr;
  detail::StackJob<F> job(f, home, worker, /*cross=*/worker != nullptr);
  detail::inject_job(registry_.get(), &job);
  if (worker != nullptr) {
    detail::wait_until(worker, job.latch, WaitKind::kInstall, &job, registry_.get());
  } else {
    detail::wait_outside(job.latch, WaitKind::kInstall, registry_.get(),
                         detail::registry_name(registry_.get()), &job);
  }
  return job.result.take();
}

template <class F>
auto ThreadPool::broadcast(F&& f) {
  return detail::broadcast(registry_.get(), num_threads(), f);
}

template <class F>
void ThreadPool::spawn(F&& f) {
  detail::Registry* registry = registry_.get();
  auto body = [registry, fn = std::forward<F>(f)]() mutable noexcept {
    try {
      fn();
    } catch (...) {
      detail::handle_uncaught(registry, std::current_exception());
    }
    detail::finish_pending(registry);
  };
  auto* job = new detail::HeapJob<decltype(body)>(std::move(body));
  detail::add_pending(registry);
  try {
    detail::submit_job(registry, job);
  } catch (...) {
    delete job;
    detail::finish_pending(registry);
    throw;
  }
}

}  // namespace knot
