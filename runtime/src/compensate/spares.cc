// Spares (spares.h): activation, stepping out, the idle wait and shutdown.

#include "spares.h"

#include <pthread.h>

#include <chrono>
#include <string>

#include "../futex.h"
#include "../registry.h"
#include "../worker.h"
#include "knot/runtime/error.h"

namespace knot::detail {

Spares::Spares(Registry& registry, Occupancy& occupancy)
    : registry_(registry),
      occupancy_(occupancy),
      options_(registry.options()),
      states_(new std::atomic<std::uint32_t>[options_.max_spares]) {
  for (std::size_t i = 0; i < options_.max_spares; ++i)
    states_[i].store(kFree, std::memory_order_relaxed);
}

std::atomic<std::uint32_t>& Spares::state(const Worker& w) const noexcept {
  return states_[w.index() - options_.num_threads];
}

void Spares::wake(Worker& w) noexcept {
  state(w).store(kActive, std::memory_order_release);
  futex_wake(state(w), 1);
}

bool Spares::activate() noexcept {
  // Count the spare in first, so that concurrent parks do not all start one.
  if (!occupancy_.try_activate(options_.num_threads, max_slots()))
    return false;
  base::InternalLock lock(mutex_);
  if (!closed_) {
    // An idle spare first: it has a thread already.
    const std::size_t n = registry_.num_slots();
    Worker* free_slot = nullptr;
    for (std::size_t i = options_.num_threads; i < n; ++i) {
      Worker& spare = registry_.worker(i);
      const std::uint32_t s = state(spare).load(std::memory_order_relaxed);
      if (s == kIdle) {
        wake(spare);
        return true;
      }
      if (free_slot == nullptr && (s == kFree || s == kExited))
        free_slot = &spare;
    }
    if (free_slot == nullptr)
      free_slot = registry_.add_slot();
    if (free_slot != nullptr) {
      if (free_slot->has_thread) {  // kExited: its thread is ending or ended
        pthread_join(free_slot->thread, nullptr);
        free_slot->has_thread = false;
      }
      state(*free_slot).store(kActive, std::memory_order_release);
      if (registry_.start_thread(*free_slot) == 0)
        return true;
      state(*free_slot).store(kFree, std::memory_order_release);
    }
  }
  // No spare after all (no slot, the OS refused a thread, or shutdown).
  occupancy_.deactivate();
  return false;
}

void Spares::may_block() const {
  if (options_.at_spare_limit != AtSpareLimit::kFail)
    return;
  const Occupancy::Counts c = occupancy_.load();
  // This worker's park would leave runnable - 1.
  if (c.runnable() - 1 < options_.num_threads && c.active >= max_slots()) {
    throw Error(Errc::kSpareLimit, "knot: pool '" + options_.name + "': all " +
                                       std::to_string(options_.max_spares) +
                                       " spare threads are in use; this wait would leave the "
                                       "pool short (AtSpareLimit::kFail)");
  }
}

bool Spares::try_step_out(Worker& w) noexcept {
  if (!occupancy_.try_step_out(options_.num_threads))
    return false;
  base::InternalLock lock(mutex_);
  // After close() no idle spare is woken: stay active, and the terminate
  // latch ends the spare's loop.
  state(w).store(closed_ ? kActive : kIdle, std::memory_order_release);
  return true;
}

bool Spares::wait_idle(Worker& w, bool has_waited) noexcept {
  std::atomic<std::uint32_t>& word = state(w);
  const auto deadline = std::chrono::steady_clock::now() +
                        (has_waited ? std::chrono::nanoseconds(0) : options_.spare_keep_alive);
  for (;;) {
    if (word.load(std::memory_order_acquire) != kIdle)
      return !w.terminate_latch().probe();  // needed again, or woken to stop
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() > 0) {
      futex_wait(word, kIdle, &left);
      continue;
    }
    base::InternalLock lock(mutex_);
    if (word.load(std::memory_order_relaxed) != kIdle)
      continue;  // activated just now
    word.store(kExited, std::memory_order_release);
    return false;
  }
}

void Spares::close() noexcept {
  base::InternalLock lock(mutex_);
  closed_ = true;
}

void Spares::wake_to_stop() noexcept {
  const std::size_t n = registry_.num_slots();
  for (std::size_t i = options_.num_threads; i < n; ++i) {
    Worker& spare = registry_.worker(i);
    base::InternalLock lock(mutex_);
    if (state(spare).load(std::memory_order_relaxed) == kIdle)
      wake(spare);
  }
}

bool Spares::is_active(const Worker& w) const noexcept {
  return state(w).load(std::memory_order_relaxed) == kActive;
}

}  // namespace knot::detail
