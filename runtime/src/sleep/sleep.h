// Sleep: when idle workers go to sleep and whom to wake.
//
// Each worker has a futex word (kAwake, kSleeping, kNotified). One packed
// atomic counts inactive workers (searching or asleep) and sleeping ones.
// Pushers read the counters to decide whether to wake a sleeper; sleepers
// announce themselves, look once more for work, then sleep. The protocol,
// with the races it handles, is in README.md next to this file: the
// comments below and in sleep.cc name them as [R1]..[R8] (R6 and R7 are
// JobLatch::set()'s, in worker.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "knot/runtime/detail/function_ref.h"
#include "knot/runtime/detail/job.h"

namespace knot::detail {

class Sleep {
 public:
  // Sleep(n): words for up to n workers, all in use until set_num_in_use().
  explicit Sleep(std::size_t num_workers);

  // ---- idle worker side (worker-only, for its own index) ----

  // start_looking() counts the worker as inactive (searching).
  void start_looking() noexcept;
  // work_found() counts it active again; if it was the last searcher and
  // workers sleep, wakes up to two of them to keep the pool busy [R4].
  void work_found() noexcept;
  // stop_looking() counts it active without waking anyone (its latch was set).
  void stop_looking() noexcept;

  // sleep() puts worker `index` to sleep until woken. It first announces the
  // sleep, then calls `has_work()` once more and returns at once if that is
  // true or `latch` (may be null) got set [R1][R2]. With a `timeout` (may be
  // null) it also returns once that much time passed unwoken: then, and only
  // then, it returns false.
  bool sleep(std::size_t index, JobLatch* latch, FunctionRef<bool()> has_work,
             const std::chrono::nanoseconds* timeout = nullptr) noexcept;

  // ---- waker side (any thread) ----

  // new_local_job() is called after a worker pushed onto its own deque. No
  // fence: a wakeup missed here costs parallelism only, since the pusher
  // will run the job itself [R3]. Inline: it runs on every join.
  void new_local_job() noexcept {
    const std::uint64_t c = counters_.load(std::memory_order_relaxed);
    // [R3] Only when nobody is searching: a searcher will find the job.
    if (sleeping(c) > 0 && inactive(c) == sleeping(c)) [[unlikely]]
      wake_any(1);
  }
  // new_injected_job() is called after a push onto the injector: nobody is
  // sure to be awake, so it fences before reading the counters [R1].
  void new_injected_job() noexcept;
  // worker_blocked() is called when a worker parks with work still queued,
  // so that a sleeping worker takes over [R5].
  void worker_blocked() noexcept;
  // wake_worker() wakes worker `index` if it sleeps (its latch was set).
  void wake_worker(std::size_t index) noexcept;
  // wake_all() wakes every sleeping worker (shutdown).
  void wake_all() noexcept;

  // set_num_in_use() says that workers [0, n) may sleep from now on (spare
  // slots are made on demand): wakers look no further. Call it before the
  // worker n-1 starts; n only grows.
  void set_num_in_use(std::size_t n) noexcept { num_in_use_.store(n, std::memory_order_release); }

 private:
  static constexpr std::uint32_t kAwake = 0;
  static constexpr std::uint32_t kSleeping = 1;
  static constexpr std::uint32_t kNotified = 2;

  // counters_: low 32 bits inactive workers, high 32 bits sleeping workers.
  static constexpr std::uint64_t kOneInactive = 1;
  static constexpr std::uint64_t kOneSleeping = std::uint64_t{1} << 32;
  static std::uint32_t inactive(std::uint64_t c) { return static_cast<std::uint32_t>(c); }
  static std::uint32_t sleeping(std::uint64_t c) { return static_cast<std::uint32_t>(c >> 32); }

  void wake_any(std::uint32_t count) noexcept;
  bool try_wake(std::size_t index) noexcept;

  struct alignas(64) Word {
    std::atomic<std::uint32_t> state{kAwake};
  };

  std::atomic<std::size_t> num_in_use_;
  std::unique_ptr<Word[]> words_;
  alignas(64) std::atomic<std::uint64_t> counters_{0};
  std::atomic<std::uint32_t> next_victim_{0};  // rotates the wake order
};

}  // namespace knot::detail
