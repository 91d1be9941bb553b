// join(): run two closures, potentially in parallel, and wait for both.
//
//   join(a, b)          the fork-join primitive
//   join_context(a, b)  the same, telling each closure whether it migrated
//
// On a worker, join() pushes `a` onto the worker's deque, where an idle
// worker may steal it, and runs `b` at once. It then takes `a` back and runs
// it, or, if `a` was stolen, runs other tasks until the thief finishes `a`
// ("helping"). Off-pool, join() runs on the global pool: the calling thread
// injects the work and parks.
//
// A join that nobody steals from costs one push and one pop on the worker's
// own deque: no lock, no allocation. Exceptions: if either closure throws,
// join() still waits for the other one, then rethrows (b's exception if both
// threw, since b ran first on this thread).
#pragma once

#include <type_traits>
#include <utility>

#include "knot/runtime/detail/job.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/thread_pool.h"

namespace knot {

namespace detail {
template <class T>
using JoinValue = std::conditional_t<std::is_void_v<T>, Unit, T>;

// What join returns: void when both closures do, else a pair.
template <class RA, class RB>
using JoinResult = std::conditional_t<std::is_void_v<RA> && std::is_void_v<RB>, void,
                                      std::pair<JoinValue<RA>, JoinValue<RB>>>;

template <class F>
auto call_as_value(F&& f) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    f();
    return Unit{};
  } else {
    return f();
  }
}
}  // namespace detail

// join_context() is join() for closures that take a `bool migrated`: true
// when the closure runs on another worker than the one that called join
// (it was stolen). Adaptive splitters use it to split more after a steal.
template <class A, class B>
auto join_context(A&& a, B&& b)
    -> detail::JoinResult<std::invoke_result_t<A&, bool>, std::invoke_result_t<B&, bool>> {
  using RA = std::invoke_result_t<A&, bool>;
  using RB = std::invoke_result_t<B&, bool>;
  using R = detail::JoinResult<RA, RB>;
  detail::Worker* worker = detail::current_worker();
  if (worker == nullptr) {
    return global_pool().install([&]() -> R { return join_context(a, b); });
  }

  auto job_fn = [&](bool migrated) -> RA { return a(migrated); };
  detail::StackJob<decltype(job_fn)> job_a(job_fn, detail::registry_of(worker), worker,
                                           /*cross=*/false);
  detail::push_job(worker, &job_a);

  detail::JobResult<RB> result_b;
  auto run_b = [&]() -> RB { return b(false); };
  result_b.run(run_b);

  if (detail::pop_job_if(worker, &job_a)) {
    job_a.run_inline();
  } else {
    detail::wait_until(worker, job_a.latch);
  }
  // Both halves are done: now it is safe to rethrow.
  if (result_b.has_error())
    std::rethrow_exception(result_b.error());
  if constexpr (std::is_void_v<RA> && std::is_void_v<RB>) {
    job_a.result.take();
  } else {
    auto ra = [&] { return detail::call_as_value([&] { return job_a.result.take(); }); }();
    auto rb = detail::call_as_value([&] { return result_b.take(); });
    return std::pair<detail::JoinValue<RA>, detail::JoinValue<RB>>(std::move(ra), std::move(rb));
  }
}

// join() runs `a` and `b`, potentially in parallel, and returns when both
// are done: void if both return void, else std::pair of their values
// (detail::Unit standing for a void one). Rethrows a closure's exception
// after both finished.
template <class A, class B>
auto join(A&& a, B&& b) -> detail::JoinResult<std::invoke_result_t<A&>, std::invoke_result_t<B&>> {
  return join_context([&](bool) { return a(); }, [&](bool) { return b(); });
}

}  // namespace knot
