// scope(): structured fork-join with any number of spawned tasks.
//
//   Scope        handle passed to the scope's body; spawn() adds a task
//   scope(f)     runs f(Scope&) and returns once every spawned task finished
//
// Tasks spawned into a scope may borrow anything that outlives the scope()
// call: scope() does not return before all of them finished. Spawned tasks
// may spawn more into the same scope. The first exception thrown by the body
// or by any task is rethrown by scope() after every task finished; later
// ones are dropped.
//
// Spawning costs one allocation (the task) and one push on the worker's own
// deque. While the owner waits it runs other tasks (see join.h).
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <atomic>
#include <cstddef>
#include <exception>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/job.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/thread_pool.h"

namespace knot {

class Scope {
 public:
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  // spawn() queues `f` to run on the scope's pool. `f` is called as f(Scope&)
  // if it accepts one, else as f(). Any thread running a task of this scope
  // may call it; calling it after scope() returned is a programming error.
  template <class F>
  void spawn(F&& f);

 private:
  template <class F>
  friend auto scope(F&& body) -> std::invoke_result_t<F&, Scope&>;

  explicit Scope(detail::Worker* owner) noexcept
      : owner_(owner), latch_(detail::registry_of(owner), owner, /*cross=*/false) {}

  void record_error(std::exception_ptr error) noexcept {
    if (!has_error_.exchange(true, std::memory_order_relaxed))
      error_ = std::move(error);
  }
  // finish_one() retires one unit of work (a task, or the body); the last
  // one sets the latch. acq_rel: each task's writes happen-before the owner
  // returns from wait.
  void finish_one() noexcept {
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      latch_.set();
  }

  detail::Worker* owner_;
  std::atomic<std::size_t> pending_{1};  // the body counts as one
  std::atomic<bool> has_error_{false};
  std::exception_ptr error_;  // written once, by whoever flipped has_error_
  detail::JobLatch latch_;
};

// scope() runs `body(Scope&)` on the current pool (the global pool off-pool)
// and returns its value once every task spawned into the scope finished.
template <class F>
auto scope(F&& body) -> std::invoke_result_t<F&, Scope&> {
  using R = std::invoke_result_t<F&, Scope&>;
  detail::Worker* worker = detail::current_worker();
  if (worker == nullptr) {
    return global_pool().install([&]() -> R { return scope(body); });
  }
  Scope s(worker);
  detail::JobResult<R> result;
  result.run(body, s);
  if (result.has_error())
    s.record_error(result.error());
  s.finish_one();
  detail::wait_until(worker, s.latch_, WaitKind::kScope, &s, /*pool: the worker's*/ nullptr);
  if (s.has_error_.load(std::memory_order_relaxed))
    std::rethrow_exception(s.error_);
  return result.take();
}

template <class F>
void Scope::spawn(F&& f) {
  pending_.fetch_add(1, std::memory_order_relaxed);
  auto task = [this, fn = std::forward<F>(f)]() mutable noexcept {
    try {
      if constexpr (std::is_invocable_v<decltype(fn)&, Scope&>) {
        fn(*this);
      } else {
        fn();
      }
    } catch (...) {
      record_error(std::current_exception());
    }
    finish_one();
  };
  auto* job = new detail::HeapJob<decltype(task)>(std::move(task), this);
  // From a thread of another pool (a task of this scope installed
  // elsewhere) it is queued on the scope's own pool's injector.
  detail::submit_job(detail::registry_of(owner_), job);
}

}  // namespace knot
