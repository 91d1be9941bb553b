// Broadcast: one job per worker of a pool, each queued where only that
// worker takes it (ThreadPool::broadcast). Public only because the template
// instantiates it; user code does not name these.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "knot/runtime/detail/job.h"

namespace knot {

// BroadcastContext tells a broadcast's closure where it runs.
struct BroadcastContext {
  std::size_t index = 0;        // the worker's index, 0 .. num_threads-1
  std::size_t num_threads = 0;  // the pool's size: how many calls there are
};

}  // namespace knot

namespace knot::detail {

// BroadcastState is what the jobs of one broadcast share: the count of
// jobs not finished, the waiter's latch, and the first exception.
struct BroadcastState {
  std::atomic<std::size_t> pending{0};
  JobLatch* latch = nullptr;  // set before any job is queued
  std::atomic<bool> has_error{false};
  std::exception_ptr error;  // written once, by whoever flipped has_error

  // finish_one(): acq_rel, so every job's writes happen-before the waiter
  // returns; the last one wakes it.
  void finish_one() noexcept {
    if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1)
      latch->set();
  }
};

// run_broadcast() queues jobs[i] for worker i of `registry` (i < n, n the
// pool's size) and returns once all ran. The caller's own share, when it
// is one of those workers, runs first and inline. Throws
// Error(Errc::kShutDown) from outside a pool that is shutting down, before
// queuing anything. Implemented in runtime/src/broadcast.cc.
void run_broadcast(Registry* registry, BroadcastState& state, Job* const* jobs, std::size_t n);

// BroadcastJob runs the closure for one worker and keeps its value.
template <class F, class R>
class BroadcastJob final : public Job {
 public:
  BroadcastJob(F& f, BroadcastState& state, std::size_t index, std::size_t n) noexcept
      : Job(&BroadcastJob::execute, &state), f_(f), state_(state), context_{index, n} {}

  static void execute(Job* job) noexcept {
    auto* self = static_cast<BroadcastJob*>(job);
    try {
      if constexpr (std::is_void_v<R>) {
        self->call();
      } else {
        self->value.emplace(self->call());
      }
    } catch (...) {
      if (!self->state_.has_error.exchange(true, std::memory_order_relaxed))
        self->state_.error = std::current_exception();
    }
    self->state_.finish_one();  // last access: the waiter may return right after
  }

  std::optional<std::conditional_t<std::is_void_v<R>, Unit, R>> value;

 private:
  decltype(auto) call() {
    if constexpr (std::is_invocable_v<F&, BroadcastContext>) {
      return f_(context_);
    } else {
      return f_();
    }
  }

  F& f_;
  BroadcastState& state_;
  BroadcastContext context_;
};

template <class F>
using BroadcastResult = typename std::conditional_t<std::is_invocable_v<F&, BroadcastContext>,
                                                    std::invoke_result<F&, BroadcastContext>,
                                                    std::invoke_result<F&>>::type;

// broadcast() runs `f` once on each of the `n` workers of `registry`: a
// vector of the values by worker index, or nothing for a void `f`; the
// first exception is rethrown after every call returned.
template <class F>
auto broadcast(Registry* registry, std::size_t n, F& f) {
  using R = BroadcastResult<F>;
  BroadcastState state;
  std::vector<std::unique_ptr<BroadcastJob<F, R>>> jobs;
  std::vector<Job*> erased;
  jobs.reserve(n);
  erased.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    jobs.push_back(std::make_unique<BroadcastJob<F, R>>(f, state, i, n));
    erased.push_back(jobs.back().get());
  }
  run_broadcast(registry, state, erased.data(), n);
  if (state.has_error.load(std::memory_order_relaxed))
    std::rethrow_exception(state.error);
  if constexpr (!std::is_void_v<R>) {
    std::vector<R> values;
    values.reserve(n);
    for (auto& job : jobs)
      values.push_back(std::move(*job->value));
    return values;
  }
}

}  // namespace knot::detail
