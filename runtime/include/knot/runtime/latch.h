// Latch: a count-down latch (std::latch with timeouts, names and diagnosis).
//
// Threads count it down; waiters block until the count reaches zero. Unlike
// std::latch it reports its waits to the observer under its name, so a
// watchdog can say who waits for it.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "knot/runtime/detail/recent_users.h"

namespace knot {

class Latch {
 public:
  // A latch that opens after `count` count_down() calls. `name` appears in
  // diagnosis. A count of zero makes an open latch.
  explicit Latch(std::ptrdiff_t count, std::string name = {});
  ~Latch() = default;
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;

  // count_down() subtracts `n` (default 1); reaching zero wakes every
  // waiter. Going below zero is a programming error (checked). Never blocks.
  // Release: everything a thread did before count_down() is visible to a
  // waiter that returns.
  void count_down(std::ptrdiff_t n = 1) noexcept;

  // try_wait() is true once the count reached zero. Never blocks.
  bool try_wait() const noexcept { return count_.load(std::memory_order_acquire) == 0; }

  // wait() blocks until the count reaches zero. A worker blocks its thread
  // (it does not help): use a TaskGroup/scope to wait while helping. Throws
  // only Error(Errc::kSpareLimit), on a worker of a kCompensate pool with
  // AtSpareLimit::kFail whose spares are all in use.
  void wait() const;

  // wait_for() waits at most `timeout`; true if the latch opened.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const noexcept {
    return wait_until_steady(std::chrono::steady_clock::now() +
                             std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }

  // arrive_and_wait() is count_down(n) then wait().
  void arrive_and_wait(std::ptrdiff_t n = 1) {
    count_down(n);
    wait();
  }

  std::ptrdiff_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  const std::string& name() const noexcept { return name_; }
  // recent_counters() is who counted down lately (pools and threads).
  RecentActors recent_counters() const noexcept { return counters_.read(); }
  // As Mutex::exempt_from_hazards().
  void exempt_from_hazards(std::string_view reason) const noexcept;

 private:
  bool wait_until_steady(std::chrono::steady_clock::time_point deadline) const noexcept;

  std::atomic<std::ptrdiff_t> count_;
  std::string name_;
  std::uintptr_t class_site_ = 0;  // the code that made it (unnamed latches' hazard class)
  mutable std::atomic<std::uint64_t> hazard_word_{0};  // HazardPoint::instance_word
  detail::RecentUsers counters_;
};

}  // namespace knot
