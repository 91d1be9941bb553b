// Spares: the compensation threads of BlockingPolicy::kCompensate (and of
// kFiber, for waits that block a thread). README.md next to this file
// explains when a spare starts, steps out and exits.
//
// Worker slots [0, num_threads) are the pool's workers; slots from
// num_threads up to num_threads + max_spares are made on demand for spares
// (Registry::add_slot) and never freed before the pool is. The scheduler
// consults the spares at two places only: when a worker parks and leaves
// the pool short (activate), and before a wait that may throw (may_block).
// A spare's own loop asks them between jobs (try_step_out) and while idle
// (wait_idle).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/runtime/options.h"
#include "occupancy.h"

namespace knot::detail {

class Registry;
class Worker;

class Spares {
 public:
  Spares(Registry& registry, Occupancy& occupancy);

  // activate() is called by a worker whose park left fewer than
  // num_threads threads runnable: it activates an idle spare, or starts a
  // new one in a free slot. False if none could be (the limit, the OS
  // refused a thread, or the pool is stopping).
  bool activate() noexcept KNOT_EXCLUDES(mutex_);
  // may_block() is called by a worker before a wait that may throw: with
  // AtSpareLimit::kFail, it throws Error(Errc::kSpareLimit) if the wait
  // would leave the pool short and no spare can take its place.
  void may_block() const;
  // try_step_out() is called by spare `w` between jobs: if the pool is over
  // strength, it stops counting `w` as active, marks it idle and returns true.
  bool try_step_out(Worker& w) noexcept KNOT_EXCLUDES(mutex_);
  // wait_idle() keeps idle spare `w` waiting until it is needed again (true)
  // or spare_keep_alive passed or the pool stops (false: `w` exits).
  // `has_waited`: it already slept that long before stepping out.
  bool wait_idle(Worker& w, bool has_waited) noexcept KNOT_EXCLUDES(mutex_);
  // Shutdown, from Registry::terminate(): close() before the workers'
  // terminate latches are set (no spare starts after it), wake_to_stop()
  // after (idle spares wake, see their latch and exit).
  void close() noexcept KNOT_EXCLUDES(mutex_);
  void wake_to_stop() noexcept KNOT_EXCLUDES(mutex_);
  // is_active(): spare `w` runs jobs for the pool now (snapshots; a hint).
  bool is_active(const Worker& w) const noexcept;

 private:
  // A spare slot's state. Stored under mutex_ (release); read there relaxed,
  // and without the lock by the spare's own wait_idle() (acquire: woken by
  // wake_to_stop(), it sees its terminate latch set) and by is_active()
  // (relaxed: it only picks the spares a snapshot lists). The spare's
  // thread waits on the word (futex) while idle.
  static constexpr std::uint32_t kFree = 0;    // no thread
  static constexpr std::uint32_t kActive = 1;  // counted, running jobs
  static constexpr std::uint32_t kIdle = 2;    // stepped out, waiting to be needed
  static constexpr std::uint32_t kExited = 3;  // its thread ended; join before reuse

  std::atomic<std::uint32_t>& state(const Worker& w) const noexcept;
  // max_slots(): the pool's workers and every spare it may have.
  std::size_t max_slots() const noexcept { return options_.num_threads + options_.max_spares; }
  // wake() makes idle spare `w` active and wakes its thread.
  void wake(Worker& w) noexcept KNOT_REQUIRES(mutex_);

  Registry& registry_;
  Occupancy& occupancy_;
  const PoolOptions& options_;                            // the registry's, which owns this object
  std::unique_ptr<std::atomic<std::uint32_t>[]> states_;  // one per spare slot
  // Guards the slot states' changes, slot creation and thread starts and
  // joins of spare slots. Taken only on a kCompensate pool's parking path and
  // by spares stepping out or exiting.
  mutable base::InternalMutex mutex_;
  bool closed_ KNOT_GUARDED_BY(mutex_) = false;  // terminate() began joining
};

}  // namespace knot::detail
