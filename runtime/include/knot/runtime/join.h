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

#include "knot/runtime/detail/cxx_standard.h"

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

// HalfResult: what a closure of join (kContext false: called with no
// argument) or of join_context (called with `migrated`) returns.
template <bool kContext, class F>
struct HalfResultOf {
  using type = std::invoke_result_t<F&, bool>;
};
template <class F>
struct HalfResultOf<false, F> {
  using type = std::invoke_result_t<F&>;
};
template <bool kContext, class F>
using HalfResult = typename HalfResultOf<kContext, F>::type;

// join_impl() is join() and join_context(), written once with no closure
// around the user's closures: a join is a few dozen instructions, and a
// wrapper's call would be a visible part of them.
template <bool kContext, class A, class B>
auto join_impl(A& a, B& b) -> JoinResult<HalfResult<kContext, A>, HalfResult<kContext, B>> {
  using RA = HalfResult<kContext, A>;
  using RB = HalfResult<kContext, B>;
  using R = JoinResult<RA, RB>;
  Worker* worker = current_worker();
  if (worker == nullptr) {
    return global_pool().install([&]() -> R { return join_impl<kContext>(a, b); });
  }

  StackJob<A, kContext> job_a(a, /*registry: the worker's*/ nullptr, worker, /*cross=*/false);
  push_job(worker, &job_a);

  JobResult<RB> result_b;
  if constexpr (kContext) {
    result_b.run(b, false);
  } else {
    result_b.run(b);
  }

  if (pop_job_if(worker, &job_a)) {
    job_a.run_inline();
  } else {
    wait_until(worker, job_a.latch, WaitKind::kJoin, &job_a, /*pool: the worker's*/ nullptr);
  }
  // Both halves are done: now it is safe to rethrow.
  if (result_b.has_error())
    std::rethrow_exception(result_b.error());
  if constexpr (std::is_void_v<RA> && std::is_void_v<RB>) {
    job_a.result.take();
  } else {
    auto ra = [&] { return call_as_value([&] { return job_a.result.take(); }); }();
    auto rb = call_as_value([&] { return result_b.take(); });
    return std::pair<JoinValue<RA>, JoinValue<RB>>(std::move(ra), std::move(rb));
  }
}
}  // namespace detail

// join_context() is join() for closures that take a `bool migrated`: true
// when the closure runs on another worker than the one that called join
// (it was stolen). Adaptive splitters use it to split more after a steal.
template <class A, class B>
auto join_context(A&& a, B&& b)
    -> detail::JoinResult<std::invoke_result_t<A&, bool>, std::invoke_result_t<B&, bool>> {
  return detail::join_impl<true>(a, b);
}

// join() runs `a` and `b`, potentially in parallel, and returns when both
// are done: void if both return void, else std::pair of their values
// (detail::Unit standing for a void one). Rethrows a closure's exception
// after both finished.
template <class A, class B>
auto join(A&& a, B&& b) -> detail::JoinResult<std::invoke_result_t<A&>, std::invoke_result_t<B&>> {
  return detail::join_impl<false>(a, b);
}

}  // namespace knot
