#include "sleep/sleep.h"

#include "futex.h"
#include "knot/base/check.h"
#include "knot/runtime/detail/fence.h"

namespace knot::detail {

Sleep::Sleep(std::size_t num_workers) : num_in_use_(num_workers), words_(new Word[num_workers]) {}

void Sleep::start_looking() noexcept {
  counters_.fetch_add(kOneInactive, std::memory_order_seq_cst);
}

void Sleep::stop_looking() noexcept {
  counters_.fetch_sub(kOneInactive, std::memory_order_seq_cst);
}

void Sleep::work_found() noexcept {
  std::uint64_t c = counters_.fetch_sub(kOneInactive, std::memory_order_seq_cst);
  // [R4] We were the last awake searcher: hand the search to sleepers.
  std::uint32_t awake_idle = inactive(c) - sleeping(c);
  if (awake_idle == 1 && sleeping(c) > 0)
    wake_any(sleeping(c) < 2 ? sleeping(c) : 2);
}

bool Sleep::sleep(std::size_t index, JobLatch* latch, FunctionRef<bool()> has_work,
                  const std::chrono::nanoseconds* timeout) noexcept {
  Word& word = words_[index];
  // [R2] Publish the word before the counter, so that a waker that sees our
  // count also finds our word kSleeping.
  word.state.store(kSleeping, std::memory_order_seq_cst);
  if (latch != nullptr && !latch->try_fall_asleep()) {  // set meanwhile
    word.state.store(kAwake, std::memory_order_relaxed);
    return true;
  }
  counters_.fetch_add(kOneSleeping, std::memory_order_seq_cst);
  // [R1] The last look: after our seq_cst increment, any push whose pusher
  // read the counters without seeing us is visible here.
  bool woken = true;
  if (has_work() || (latch != nullptr && latch->probe())) {
    word.state.store(kAwake, std::memory_order_relaxed);
  } else if (timeout == nullptr) {
    while (word.state.load(std::memory_order_acquire) == kSleeping) {
      futex_wait(word.state, kSleeping);
    }
  } else {
    const auto deadline = std::chrono::steady_clock::now() + *timeout;
    while (word.state.load(std::memory_order_acquire) == kSleeping) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left.count() > 0) {
        futex_wait(word.state, kSleeping, &left);
        continue;
      }
      // Time is up, unless a waker's kNotified got there first (then we
      // count as woken: it may have chosen us for a job).
      std::uint32_t expected = kSleeping;
      woken = !word.state.compare_exchange_strong(expected, kAwake, std::memory_order_acq_rel,
                                                  std::memory_order_acquire);
      break;
    }
  }
  // Woken (kNotified), timed out, or our own store above lost to nothing:
  // either way we remove ourselves from the count [R2].
  word.state.store(kAwake, std::memory_order_relaxed);
  counters_.fetch_sub(kOneSleeping, std::memory_order_seq_cst);
  if (latch != nullptr)
    latch->wake_up();
  return woken;
}

void Sleep::new_injected_job() noexcept {
  // [R1] Dekker with the sleeper's increment and last look. A searcher does
  // not make the wake unnecessary: it may be inside an isolation region,
  // where it takes no injected job, or a spare about to step out [R8].
  seq_cst_fence();
  std::uint64_t c = counters_.load(std::memory_order_seq_cst);
  if (sleeping(c) > 0)
    wake_any(1);
}

void Sleep::worker_blocked() noexcept {
  seq_cst_fence();
  std::uint64_t c = counters_.load(std::memory_order_seq_cst);
  if (sleeping(c) > 0)
    wake_any(1);
}

bool Sleep::try_wake(std::size_t index) noexcept {
  Word& word = words_[index];
  if (word.state.load(std::memory_order_relaxed) != kSleeping)
    return false;  // most words, most of the time: no RMW
  std::uint32_t expected = kSleeping;
  if (!word.state.compare_exchange_strong(expected, kNotified, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
    return false;
  }
  futex_wake(word.state, 1);
  return true;
}

void Sleep::wake_any(std::uint32_t count) noexcept {
  const std::size_t n = num_in_use_.load(std::memory_order_acquire);
  std::size_t start = next_victim_.fetch_add(1, std::memory_order_relaxed) % n;
  for (std::size_t i = 0; i < n && count > 0; ++i) {
    if (try_wake((start + i) % n))
      --count;
  }
}

void Sleep::wake_worker(std::size_t index) noexcept {
  try_wake(index);
}

void Sleep::wake_all() noexcept {
  const std::size_t n = num_in_use_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    try_wake(i);
}

}  // namespace knot::detail
