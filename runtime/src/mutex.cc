// Mutex and SharedMutex slow paths: spin a little, then park.

#include "knot/runtime/mutex.h"

#include "fiber/fiber.h"
#include "hazard_point.h"
#include "registry.h"
#include "thread_record.h"
#include "worker.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "knot/base/check.h"
#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/detail/scheduler.h"

namespace knot {

namespace {
constexpr int kSpinTries = 40;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
void describe_mutex(const void* resource, ResourceFacts& facts) noexcept {
  facts.owner_tid = static_cast<const Mutex*>(resource)->owner();
}

void describe_shared_mutex(const void* resource, ResourceFacts& facts) noexcept {
  const auto* m = static_cast<const SharedMutex*>(resource);
  facts.owner_tid = m->owner();
  facts.num_readers = m->num_readers();
  facts.is_shared_mutex = true;
  facts.has_parked_writers = m->has_parked_writers();
}
}  // namespace

// Not inlined: a fiber task that parked may hold the lock on another thread
// than it asked from, and must read that thread's id (fiber/README.md).
[[gnu::noinline]] std::int64_t this_thread_id() noexcept {
  thread_local std::int64_t tid = static_cast<std::int64_t>(::syscall(SYS_gettid));
  return tid;
}

// Reads the worker here (one thread-local load) rather than through
// current_fiber() in another file: it is on the uncontended lock's path.
std::int64_t detail::lock_owner_id() noexcept {
  const detail::Worker* worker = detail::t_current_worker;
  if (worker != nullptr) {
    if (detail::Fiber* fiber = worker->running_fiber())
      return -static_cast<std::int64_t>(fiber->record().index());
  }
  return this_thread_id();
}

// ============================================================================
// Mutex
// ============================================================================

// The constructors are out of line so that their return address is the
// code that made the mutex: the class of an unnamed one (hazard_hook.h).
[[gnu::noinline]] Mutex::Mutex(std::string name)
    : name_(std::move(name)),
      class_site_(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))) {}

void Mutex::exempt_from_hazards(std::string_view reason) const noexcept {
  detail::note_primitive(HazardOp::kExempt, this, name_, class_site_, 0, reason);
}

void SharedMutex::exempt_from_hazards(std::string_view reason) const noexcept {
  detail::note_primitive(HazardOp::kExempt, this, name_, class_site_, 0, reason);
}

void Mutex::note_hazard(HazardOp op) const noexcept {
  detail::note_primitive(op, this, name_, class_site_,
                         reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

bool Mutex::try_lock() noexcept {
  std::uint8_t s = state_.load(std::memory_order_relaxed);
  while ((s & kLocked) == 0) {
    if (state_.compare_exchange_weak(s, s | kLocked, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      owner_.store(detail::lock_owner_id(), std::memory_order_relaxed);
      if (detail::hazards_on()) [[unlikely]]
        note_hazard(HazardOp::kTryLock);
      return true;
    }
  }
  return false;
}

bool Mutex::lock_slow(const std::chrono::steady_clock::time_point* deadline) noexcept {
  WaitSite site{this, WaitKind::kMutex, name_, deadline != nullptr, &describe_mutex};
  if (deadline == nullptr && detail::hazards_on()) [[unlikely]]
    detail::note_primitive(HazardOp::kLockWait, this, name_, class_site_,
                           reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  int spins = 0;
  for (;;) {
    std::uint8_t s = state_.load(std::memory_order_relaxed);
    // Barging is allowed: a running thread may take the lock ahead of a
    // parked one, which keeps throughput up under contention.
    if ((s & kLocked) == 0) {
      if (state_.compare_exchange_weak(s, s | kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
      continue;
    }
    if ((s & kParked) == 0 && spins < kSpinTries) {
      ++spins;
      cpu_relax();
      continue;
    }
    if ((s & kParked) == 0 &&
        !state_.compare_exchange_weak(s, s | kParked, std::memory_order_relaxed,
                                      std::memory_order_relaxed)) {
      continue;
    }
    auto validate = [&] { return state_.load(std::memory_order_relaxed) == (kLocked | kParked); };
    auto result = detail::park(this, site, validate, deadline);
    if (result == detail::ParkResult::kTimedOut) {
      // Clear a stale parked bit if we were the last waiter: unlock then
      // takes the fast path again. (A stale bit is harmless otherwise.)
      detail::unpark_one(this, [&](detail::UnparkInfo info) {
        if (!info.unparked_one && !info.has_more_waiters) {
          state_.fetch_and(static_cast<std::uint8_t>(~kParked), std::memory_order_relaxed);
        }
      });
      std::uint8_t expected = 0;
      return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                            std::memory_order_relaxed);
    }
    spins = 0;
  }
}

void Mutex::unlock_slow() noexcept {
  // state is kLocked|kParked. Hand nobody the lock: release it and wake the
  // oldest waiter, keeping the parked bit if more remain.
  detail::unpark_one(this, [&](detail::UnparkInfo info) {
    state_.store(info.has_more_waiters ? kParked : 0, std::memory_order_release);
  });
}

// ============================================================================
// SharedMutex
// ============================================================================

namespace {

// spin_then_park() is the wait of SharedMutex::lock() and lock_shared(),
// one side each: take the side (try_take), else spin kSpinTries, then park
// on `key`. The park's validate sets the side's `parked_bit` in the same CAS
// that sees the side still taken (is_free false), so that an unlock cannot
// slip between the look and the bit. `first_wait` runs once, when the
// first try fails (the hazard tracker's wait note).
template <class TryTake, class IsFree, class FirstWait>
void spin_then_park(std::atomic<std::uint64_t>& state, const void* key, const WaitSite& site,
                    std::uint64_t parked_bit, TryTake try_take, IsFree is_free,
                    FirstWait first_wait) noexcept {
  int spins = 0;
  bool noted_wait = false;
  for (;;) {
    if (try_take())
      return;
    if (!noted_wait) {
      first_wait();
      noted_wait = true;
    }
    if (spins++ < kSpinTries) {
      cpu_relax();
      continue;
    }
    detail::park(key, site, [&] {
      std::uint64_t s = state.load(std::memory_order_relaxed);
      for (;;) {
        if (is_free(s))
          return false;  // free: retry
        if (state.compare_exchange_weak(s, s | parked_bit, std::memory_order_relaxed,
                                        std::memory_order_relaxed)) {
          return true;
        }
      }
    });
    spins = 0;
  }
}

}  // namespace

[[gnu::noinline]] SharedMutex::SharedMutex(std::string name)
    : name_(std::move(name)),
      class_site_(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))) {}

void SharedMutex::note_hazard(HazardOp op, std::uintptr_t call_site) const noexcept {
  detail::note_primitive(op, this, name_, class_site_, call_site);
}

// The callers' return addresses name the user's code for the tracker.
#define KNOT_HAZARD_CALLER reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))

bool SharedMutex::try_lock() noexcept {
  if (!try_lock_quietly())
    return false;
  if (detail::hazards_on()) [[unlikely]]
    note_hazard(HazardOp::kTryLock, KNOT_HAZARD_CALLER);
  return true;
}

bool SharedMutex::try_lock_shared() noexcept {
  if (!try_lock_shared_quietly())
    return false;
  if (detail::hazards_on()) [[unlikely]]
    note_hazard(HazardOp::kTryLock, KNOT_HAZARD_CALLER);
  return true;
}

std::size_t SharedMutex::num_readers() const noexcept {
  return static_cast<std::size_t>(state_.load(std::memory_order_relaxed) / kOneReader);
}

bool SharedMutex::try_lock_quietly() noexcept {
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  while ((s & kWriter) == 0 && s / kOneReader == 0) {
    if (state_.compare_exchange_weak(s, s | kWriter, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      owner_.store(detail::lock_owner_id(), std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

void SharedMutex::lock() noexcept {
  const std::uintptr_t caller = KNOT_HAZARD_CALLER;
  WaitSite site{this, WaitKind::kMutex, name_, false, &describe_shared_mutex};
  spin_then_park(
      state_, writer_key(), site, kWritersParked, [&] { return try_lock_quietly(); },
      [](std::uint64_t s) { return (s & kWriter) == 0 && s / kOneReader == 0; },
      [&] {
        if (detail::hazards_on()) [[unlikely]]
          note_hazard(HazardOp::kLockWait, caller);
      });
  if (detail::hazards_on()) [[unlikely]]
    note_hazard(HazardOp::kLock, caller);
}

void SharedMutex::unlock() noexcept {
  if (detail::hazards_on()) [[unlikely]]
    note_hazard(HazardOp::kUnlock, KNOT_HAZARD_CALLER);
  owner_.store(0, std::memory_order_relaxed);
  std::uint64_t s = state_.fetch_and(~kWriter, std::memory_order_release);
  bool woke_writer = false;
  if ((s & kWritersParked) != 0) {
    // Writers first (writer preference); the bit stays while more wait.
    woke_writer = detail::unpark_one(writer_key(), [&](detail::UnparkInfo info) {
      if (!info.has_more_waiters)
        state_.fetch_and(~kWritersParked, std::memory_order_relaxed);
    });
  }
  if (!woke_writer && (state_.load(std::memory_order_relaxed) & kReadersParked) != 0) {
    state_.fetch_and(~kReadersParked, std::memory_order_relaxed);
    detail::unpark_all(reader_key());
  }
}

bool SharedMutex::try_lock_shared_quietly() noexcept {
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  while ((s & (kWriter | kWritersParked)) == 0) {
    if (state_.compare_exchange_weak(s, s + kOneReader, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      detail::ThreadRecord::current().marks().note_shared_lock(this);
      return true;
    }
  }
  return false;
}

void SharedMutex::lock_shared() noexcept {
  const std::uintptr_t caller = KNOT_HAZARD_CALLER;
  WaitSite site{this, WaitKind::kSharedMutex, name_, false, &describe_shared_mutex};
  spin_then_park(
      state_, reader_key(), site, kReadersParked, [&] { return try_lock_shared_quietly(); },
      [](std::uint64_t s) { return (s & (kWriter | kWritersParked)) == 0; },
      [&] {
        if (detail::hazards_on()) [[unlikely]]
          note_hazard(HazardOp::kLockWait, caller);
      });
  if (detail::hazards_on()) [[unlikely]]
    note_hazard(HazardOp::kLockShared, caller);
}

void SharedMutex::unlock_shared() noexcept {
  if (detail::hazards_on()) [[unlikely]]
    note_hazard(HazardOp::kUnlock, KNOT_HAZARD_CALLER);
  detail::ThreadRecord::current().marks().note_shared_unlock(this);
  std::uint64_t s = state_.fetch_sub(kOneReader, std::memory_order_release);
  if (s / kOneReader == 1 && (s & kWritersParked) != 0) {
    bool woke = detail::unpark_one(writer_key(), [&](detail::UnparkInfo info) {
      if (!info.has_more_waiters)
        state_.fetch_and(~kWritersParked, std::memory_order_relaxed);
    });
    if (!woke && (state_.load(std::memory_order_relaxed) & kReadersParked) != 0) {
      state_.fetch_and(~kReadersParked, std::memory_order_relaxed);
      detail::unpark_all(reader_key());
    }
  }
}

#undef KNOT_HAZARD_CALLER

}  // namespace knot
