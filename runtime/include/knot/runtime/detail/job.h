// Jobs: the type-erased units of work that deques and the injector carry.
//
//   Job          the erased header: one function pointer, run exactly once
//   JobLatch     set-once signal that a job finished; wakes its waiter
//   JobResult<T> a job's value or exception
//   StackJob<F>  a job on its joiner's stack (join, install)
//   HeapJob<F>   a job that owns itself (spawn); deletes itself after running;
//                allocated from the spawning worker's slab (job_alloc.h)
//
// Shaped like rayon-core's job.rs. These types are public only because the
// fork-join templates instantiate them; user code does not name them.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/job_alloc.h"

namespace knot::detail {

class Registry;
class Worker;
class Fiber;

// Job is the erased header of every unit of work. `execute` runs the job's
// closure; it must not throw (exceptions are captured inside) and is called
// exactly once, by whichever thread took the job from a queue.
// `group` names what the job's completion counts toward, for diagnosis:
// the Scope whose task it is, or null. A worker that runs the job shows it
// in its task mark (snapshot.h, TaskMark), so a scope that waits for its
// tasks can name the threads that run them.
struct Job {
  using ExecuteFn = void (*)(Job*) noexcept;
  explicit Job(ExecuteFn fn, const void* job_group = nullptr) noexcept
      : execute_fn(fn), group(job_group) {}
  ExecuteFn execute_fn;
  const void* group;
};

// JobLatch is set once, when a job finished. Its waiter is either a worker
// (which sleeps in its pool's sleep module and is woken by index) or any
// other thread (which parks in the parking lot on the latch's address).
//
// States (one atomic word):
//   kUnset     the initial state
//   kSleeping  the waiter announced it is about to sleep; set() must wake it.
//              Only the waiter moves Unset->Sleeping and back.
//   kSet       the job finished; terminal. Only set() moves here.
//   kFiberWaiting  the waiter is a fiber (BlockingPolicy::kFiber) that
//              suspends until set() wakes it: set() reads fiber_ then,
//              which is safe since that fiber cannot run on before the wake.
//
// Memory order: set() is a release exchange, probe() an acquire load, so a
// probe that returns true synchronizes-with set(): everything the job wrote
// (its result) is visible to the waiter.
class JobLatch {
 public:
  static constexpr std::uint32_t kUnset = 0;
  static constexpr std::uint32_t kSleeping = 1;
  static constexpr std::uint32_t kSet = 2;
  static constexpr std::uint32_t kFiberWaiting = 3;

  // A latch whose waiter is `worker` of `registry` (null: any other thread).
  // `registry` may be null when `worker` is not (a join's latch): it is then
  // the worker's own, looked up only when set() must wake it.
  // `cross` is true when the setter runs in another pool than the waiter: the
  // setter then keeps the waiter's registry alive while it wakes it.
  JobLatch(Registry* registry, Worker* worker, bool cross) noexcept
      : registry_(registry), worker_(worker), is_cross_(cross) {}

  bool probe() const noexcept { return state_.load(std::memory_order_acquire) == kSet; }

  // set() marks the latch set and wakes the waiter if it sleeps. After the
  // exchange the latch may already be gone (its owner returned), so set()
  // touches only copies of its fields afterwards.
  void set() noexcept;

  // Waiter side: announce sleep (false if already set), and undo it.
  bool try_fall_asleep() noexcept {
    std::uint32_t expected = kUnset;
    return state_.compare_exchange_strong(expected, kSleeping, std::memory_order_seq_cst);
  }
  void wake_up() noexcept {
    std::uint32_t expected = kSleeping;
    state_.compare_exchange_strong(expected, kUnset, std::memory_order_relaxed);
  }
  bool is_sleeping() const noexcept { return state_.load(std::memory_order_acquire) == kSleeping; }
  // A fiber waiter: announce that `fiber` suspends until set() (false if
  // already set). The CAS publishes fiber_ to set().
  bool try_suspend(Fiber* fiber) noexcept {
    fiber_ = fiber;
    std::uint32_t expected = kUnset;
    return state_.compare_exchange_strong(expected, kFiberWaiting, std::memory_order_acq_rel);
  }

  Worker* worker() const noexcept { return worker_; }

 private:
  std::atomic<std::uint32_t> state_{kUnset};
  Registry* registry_;
  Worker* worker_;
  Fiber* fiber_ = nullptr;  // kFiberWaiting: the suspended waiter
  bool is_cross_;
};

// Unit stands for the value of a void job.
struct Unit {};

// JobResult holds what a job produced: nothing yet, a value, or an exception.
template <class T>
class JobResult {
 public:
  template <class F, class... Args>
  void run(F& f, Args&&... args) noexcept {
    try {
      if constexpr (std::is_void_v<T>) {
        f(std::forward<Args>(args)...);
        value_.emplace();
      } else {
        value_.emplace(f(std::forward<Args>(args)...));
      }
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  bool has_error() const noexcept { return error_ != nullptr; }
  std::exception_ptr error() const noexcept { return error_; }
  // take() returns the value or rethrows the job's exception.
  auto take() {
    if (error_)
      std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<T>)
      return std::move(*value_);
  }

 private:
  using Stored = std::conditional_t<std::is_void_v<T>, Unit, T>;
  std::optional<Stored> value_;
  std::exception_ptr error_;
};

// StackJob lives in its joiner's frame. The joiner either takes it back and
// runs it inline (run_inline), or waits on `latch` until a thief ran it. A
// closure run with kTakesMigrated (by default: one that takes a bool) is
// told whether it migrated: false inline, true when a thief (or another
// pool) runs it.
template <class F, bool kTakesMigrated = std::is_invocable_v<F&, bool>>
class StackJob final : public Job {
  template <class G, bool = kTakesMigrated>
  struct ResultOf {
    using type = std::invoke_result_t<G&, bool>;
  };
  template <class G>
  struct ResultOf<G, false> {
    using type = std::invoke_result_t<G&>;
  };

 public:
  using Result = typename ResultOf<F>::type;

  StackJob(F& f, Registry* registry, Worker* worker, bool cross) noexcept
      : Job(&StackJob::execute), f_(f), latch(registry, worker, cross) {}

  void run_inline() noexcept { run(false); }

  static void execute(Job* job) noexcept {
    auto* self = static_cast<StackJob*>(job);
    self->run(true);
    self->latch.set();  // last access: the joiner may return right after
  }

 private:
  void run(bool migrated) noexcept {
    if constexpr (kTakesMigrated) {
      result.run(f_, migrated);
    } else {
      result.run(f_);
    }
  }

  F& f_;

 public:
  JobLatch latch;
  JobResult<Result> result;
};

// HeapJob owns its closure and deletes itself after running. The closure
// must not throw: spawners wrap user code to route exceptions (scope) or to
// the pool's handler (fire-and-forget spawn).
// Its memory comes from the spawning worker's slab (job_alloc.h) unless
// the closure is over-aligned.
template <class F>
class HeapJob final
    : public Job,
      public std::conditional_t<(alignof(F) <= 16), SlabAllocated, DefaultAllocated> {
 public:
  explicit HeapJob(F&& f, const void* job_group = nullptr)
      : Job(&HeapJob::execute, job_group), f_(std::move(f)) {}

  static void execute(Job* job) noexcept {
    auto* self = static_cast<HeapJob*>(job);
    static_assert(std::is_nothrow_invocable_v<F&>, "HeapJob closures must be noexcept");
    self->f_();
    delete self;
  }

 private:
  F f_;
};

}  // namespace knot::detail
