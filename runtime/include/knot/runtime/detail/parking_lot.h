// The parking lot: the one mechanism through which every knot thread blocks.
//
//   park()        sleep on a key (any address) until unparked, or a deadline
//   unpark_one()  wake the oldest thread parked on a key
//   unpark_all()  wake every thread parked on a key
//
// Modelled on WebKit's ParkingLot and Rust's parking_lot: a fixed table of
// buckets, each a small lock and a FIFO of waiters, keyed by address. A
// primitive keeps its own fast-path state in atomics and calls in here only
// when it must sleep or when its state says someone sleeps, so the fast paths
// never touch the table.
//
// park() reports every wait to the Observer (observer.h) and marks a worker as
// parked for its pool, which is the single hook that wait records, the
// watchdog and the blocking policies (compensation threads, fibers) plug
// into.
//
// This header is public only because Channel<T> is a template; user code
// should use the primitives, not the lot.
#pragma once

#include <chrono>
#include <cstddef>

#include "knot/runtime/detail/function_ref.h"
#include "knot/runtime/observer.h"

namespace knot::detail {

using Clock = std::chrono::steady_clock;

// ParkResult says why park() returned.
enum class ParkResult {
  kUnparked,  // an unpark_one/unpark_all call woke this thread
  kInvalid,   // validate() returned false: the thread never slept
  kTimedOut,  // the deadline passed while parked
};

// park() locks the bucket of `key`, calls `validate()` under that lock and, if
// it returns true, queues the calling thread and sleeps until an unpark call
// on the same key takes it off the queue, or until `deadline` (when not null)
// passes. Because validate() runs under the bucket lock and unpark takes the
// same lock, a primitive that sets "someone is parked" inside validate() and
// calls unpark after changing its state cannot lose a wakeup.
// validate() must be short and must not park. Callers must loop: a thread can
// also be woken by an unpark on a key that reused the same address.
// Any thread may call it; it never throws.
ParkResult park(const void* key, const WaitSite& site, FunctionRef<bool()> validate,
                const Clock::time_point* deadline = nullptr) noexcept;

// UnparkInfo is passed to unpark_one's callback, under the bucket lock.
struct UnparkInfo {
  bool unparked_one = false;      // a thread was taken off the queue
  bool has_more_waiters = false;  // more threads remain parked on the key
};

// unpark_one() wakes the longest-parked thread on `key`, if any. `on_unpark`
// runs under the bucket lock after the thread was dequeued (or none was
// found) and before it is woken, so a primitive can update its "parked" bits
// atomically with the queue. Returns whether a thread was woken.
bool unpark_one(const void* key, FunctionRef<void(UnparkInfo)> on_unpark) noexcept;
bool unpark_one(const void* key) noexcept;

// unpark_all() wakes every thread parked on `key`; returns how many.
std::size_t unpark_all(const void* key) noexcept;

// before_blocking() is called by the primitives' untimed waits that may
// throw, before they park: on a worker of a kCompensate pool with
// AtSpareLimit::kFail whose spares are all in use, it throws
// Error(Errc::kSpareLimit) instead of letting the wait leave the pool short.
// Anywhere else it does nothing.
void before_blocking();

// WaitScope marks the calling thread as blocked for the lifetime of the
// object: it calls the Observer and tells the thread's pool (if the thread is
// a worker) that one of its workers stopped running. park() uses it around
// its sleep; BlockingRegion uses it around foreign blocking code.
class WaitScope {
 public:
  explicit WaitScope(const WaitSite& site) noexcept;
  ~WaitScope();
  WaitScope(const WaitScope&) = delete;
  WaitScope& operator=(const WaitScope&) = delete;

 private:
  const WaitSite& site_;
  Observer* observer_;
  void* worker_;  // the worker we marked as parked, or null
  unsigned char previous_state_;
};

}  // namespace knot::detail
