// Mutex and SharedMutex: drop-in replacements for std::mutex and
// std::shared_mutex that park through knot (so waits are visible to
// diagnosis) and remember their owner.
//
//   Mutex        exclusive; usable with std::lock_guard / std::unique_lock
//   SharedMutex  reader-writer, writer-preferring; also std::shared_lock
//
// Both spin briefly before parking. Uncontended lock and unlock are one
// atomic read-modify-write each, plus a relaxed store of the owner.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "knot/base/tsa.h"
#include "knot/runtime/hazard_hook.h"

namespace knot {

// this_thread_id() is the Linux TID of the calling thread (cached).
std::int64_t this_thread_id() noexcept;

namespace detail {
// lock_owner_id() is what a mutex records as its owner: the calling
// thread's TID, or, on a fiber task of a kFiber pool, minus the task's
// record index (ThreadView::index): the task holds the mutex wherever it
// runs next, and its worker thread may run other tasks meanwhile.
std::int64_t lock_owner_id() noexcept;
}  // namespace detail

class KNOT_CAPABILITY("mutex") Mutex {
 public:
  explicit Mutex(std::string name = {});
  ~Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // lock() blocks until the mutex is free. Locking a mutex the calling
  // thread already holds deadlocks, as with std::mutex (the watchdog names
  // it a self-deadlock).
  void lock() noexcept KNOT_ACQUIRE() {
    std::uint8_t expected = 0;
    if (!state_.compare_exchange_weak(expected, kLocked, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      lock_slow(nullptr);
    }
    owner_.store(detail::lock_owner_id(), std::memory_order_relaxed);
    if (detail::hazards_on()) [[unlikely]]
      note_hazard(HazardOp::kLock);
  }
  bool try_lock() noexcept KNOT_TRY_ACQUIRE(true);
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> timeout) noexcept KNOT_TRY_ACQUIRE(true) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::ceil<std::chrono::steady_clock::duration>(timeout);
    std::uint8_t expected = 0;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed) ||
        lock_slow(&deadline)) {
      owner_.store(detail::lock_owner_id(), std::memory_order_relaxed);
      if (detail::hazards_on()) [[unlikely]]
        note_hazard(HazardOp::kTryLock);
      return true;
    }
    return false;
  }
  void unlock() noexcept KNOT_RELEASE() {
    if (detail::hazards_on()) [[unlikely]]
      note_hazard(HazardOp::kUnlock);
    owner_.store(0, std::memory_order_relaxed);
    std::uint8_t expected = kLocked;
    if (!state_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                        std::memory_order_relaxed)) {
      unlock_slow();
    }
  }

  // owner() is the TID of the thread holding the mutex, or 0. Racy: for
  // diagnosis only.
  std::int64_t owner() const noexcept { return owner_.load(std::memory_order_relaxed); }
  const std::string& name() const noexcept { return name_; }

  // exempt_from_hazards() tells the hazard tracker (docs/hazards.md) that
  // no potential deadlock through this mutex's class can happen, and why:
  // such cycles are not reported, and `reason` appears where they are
  // listed. A no-op while hazard tracking is off.
  void exempt_from_hazards(std::string_view reason) const noexcept;

 private:
  static constexpr std::uint8_t kLocked = 1;  // held
  static constexpr std::uint8_t kParked = 2;  // some thread is (about to be) parked on it

  bool lock_slow(const std::chrono::steady_clock::time_point* deadline) noexcept;
  void unlock_slow() noexcept;
  // note_hazard() tells the hazard tracker (hazard_hook.h) of `op` on this
  // mutex, called from the user's code.
  [[gnu::noinline, gnu::cold]] void note_hazard(HazardOp op) const noexcept;

  std::atomic<std::uint8_t> state_{0};
  std::atomic<std::int64_t> owner_{0};
  std::string name_;
  std::uintptr_t class_site_ = 0;  // the code that made it (unnamed mutexes' hazard class)
};

class KNOT_CAPABILITY("shared_mutex") SharedMutex {
 public:
  explicit SharedMutex(std::string name = {});
  ~SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  // Exclusive side: as Mutex. A waiting writer blocks new readers, so
  // writers cannot starve.
  void lock() noexcept KNOT_ACQUIRE();
  bool try_lock() noexcept KNOT_TRY_ACQUIRE(true);
  void unlock() noexcept KNOT_RELEASE();

  // Shared side: any number of readers at once while no writer holds or
  // waits for the lock.
  void lock_shared() noexcept KNOT_ACQUIRE_SHARED();
  bool try_lock_shared() noexcept KNOT_TRY_ACQUIRE_SHARED(true);
  void unlock_shared() noexcept KNOT_RELEASE_SHARED();

  // owner() is the TID of the exclusive holder, or 0; num_readers() the
  // number of shared holders; has_parked_writers() whether a writer is
  // parked (new readers then wait). Racy: for diagnosis only. Each thread
  // (or fiber task) also records the shared mutexes it holds in shared mode,
  // so that reports name the readers (ThreadView::held_shared).
  std::int64_t owner() const noexcept { return owner_.load(std::memory_order_relaxed); }
  std::size_t num_readers() const noexcept;
  bool has_parked_writers() const noexcept {
    return (state_.load(std::memory_order_relaxed) & kWritersParked) != 0;
  }
  const std::string& name() const noexcept { return name_; }
  // As Mutex::exempt_from_hazards().
  void exempt_from_hazards(std::string_view reason) const noexcept;

 private:
  // state_: bit 0 writer holds, bit 1 writers parked, bit 2 readers parked,
  // bits 3.. the number of readers holding it.
  static constexpr std::uint64_t kWriter = 1;
  static constexpr std::uint64_t kWritersParked = 2;
  static constexpr std::uint64_t kReadersParked = 4;
  static constexpr std::uint64_t kOneReader = 8;

  const void* writer_key() const noexcept { return &owner_; }
  const void* reader_key() const noexcept { return &state_; }
  // The acquisitions without a word to the hazard tracker: try_lock()
  // says kTryLock, lock() kLock (it loops on these).
  bool try_lock_quietly() noexcept;
  bool try_lock_shared_quietly() noexcept;
  void note_hazard(HazardOp op, std::uintptr_t call_site) const noexcept;

  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::int64_t> owner_{0};
  std::string name_;
  std::uintptr_t class_site_ = 0;  // as Mutex's
};

}  // namespace knot
