// Occupancy: how many of a pool's threads are active and how many of those
// are parked, in one atomic word, so that a park can tell at once whether it
// leaves the pool short.
//
// Active threads are the pool's workers plus the spares in use
// (BlockingPolicy::kCompensate and kFiber); a thread is parked while it
// blocks in a wait that cannot run the pool's other work. The registry
// counts parks for every policy (the pool-stuck hook fires when a park
// leaves none runnable); only the spares (compensate/spares.h) change the
// active count.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace knot::detail {

class Occupancy {
 public:
  struct Counts {
    std::uint32_t active;
    std::uint32_t parked;
    std::uint32_t runnable() const noexcept { return active - parked; }
  };

  explicit Occupancy(std::size_t active) noexcept : word_(active * kOneActive) {}

  Counts load() const noexcept { return split(word_.load(std::memory_order_relaxed)); }
  // park() counts one more parked thread and returns the counts after it.
  Counts park() noexcept { return split(word_.fetch_add(kOneParked, kOrder) + kOneParked); }
  void unpark() noexcept { word_.fetch_sub(kOneParked, kOrder); }

  // try_activate() counts one more active thread if fewer than `target` are
  // runnable and fewer than `max_active` are active; deactivate() undoes it.
  // Counting first lets concurrent parks see the spare before it exists, so
  // that they do not all start one.
  bool try_activate(std::size_t target, std::size_t max_active) noexcept {
    std::uint64_t c = word_.load(std::memory_order_relaxed);
    do {
      const Counts n = split(c);
      if (n.runnable() >= target || n.active >= max_active)
        return false;
    } while (!word_.compare_exchange_weak(c, c + kOneActive, kOrder, std::memory_order_relaxed));
    return true;
  }
  void deactivate() noexcept { word_.fetch_sub(kOneActive, kOrder); }
  // try_step_out() counts one active thread less if more than `target` are
  // runnable: a spare between two jobs that the pool no longer needs.
  bool try_step_out(std::size_t target) noexcept {
    std::uint64_t c = word_.load(std::memory_order_relaxed);
    do {
      if (split(c).runnable() <= target)
        return false;
    } while (!word_.compare_exchange_weak(c, c - kOneActive, kOrder, std::memory_order_relaxed));
    return true;
  }

 private:
  // High 32 bits active threads, low 32 bits parked ones.
  static constexpr std::uint64_t kOneParked = 1;
  static constexpr std::uint64_t kOneActive = std::uint64_t{1} << 32;
  static Counts split(std::uint64_t c) noexcept {
    return {static_cast<std::uint32_t>(c >> 32), static_cast<std::uint32_t>(c)};
  }
  // Changed only by RMWs: park/unpark, and try_activate and try_step_out by CAS, which
  // re-checks their bound. Plain reads are relaxed: CAS seeds, and load(), whose callers
  // (may_block, all_workers_parked) take it as a hint. No other data rides on the word (spare
  // slot states are under the spares' lock), so the RMWs' acq_rel is more than the counts
  // need; it is kept because the park path's benchmarks were measured with it.
  static constexpr std::memory_order kOrder = std::memory_order_acq_rel;
  std::atomic<std::uint64_t> word_;
};

}  // namespace knot::detail
