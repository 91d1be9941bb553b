// ContextMarks: what one context (a thread, or a fiber task) is doing, kept
// without locks for diagnosis (docs/detection.md, "Wait stacks"):
//
//   task mark      the job it runs now, its group, and how many it started
//                  (a progress mark: unchanged means the same task)
//   wait frames    its helping waits (join, scope, install), bottom first
//   shared holds   the SharedMutexes it holds in shared mode
//
// Only the owner writes; a snapshot reads concurrently. Every field is an
// atomic written relaxed: a reader may see a torn view, which diagnosis
// tolerates (a verdict needs two snapshots that agree). Each frame is
// guarded by a sequence number (odd while it is written), so a reader
// never takes half of one frame and half of another for a whole one; it
// says so instead (frames_complete = false).
//
// Costs: a task mark is three relaxed stores and a load when a worker
// starts a job it took from a queue, and a restore when it ends (nothing
// for a join whose half was not stolen). A frame is pushed only when a wait
// really waits (its latch was not set), with one clock read. Shared holds
// are a store per lock_shared/unlock_shared into the holder's own record.
// Does not: allocate, lock, or read other contexts' state.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "knot/runtime/detail/job.h"
#include "knot/runtime/snapshot.h"

namespace knot::detail {

// SavedTask is what enter_task() saved, for leave_task().
struct SavedTask {
  std::uintptr_t job;
  std::uintptr_t group;
  std::uint32_t fiber;
};

class ContextMarks {
 public:
  // ---- owner only ----

  // enter_task() marks `job` as running here and returns what ran before
  // (a helping wait runs jobs on top of another); leave_task() restores it.
  SavedTask enter_task(const Job* job) noexcept {
    SavedTask saved{job_.load(std::memory_order_relaxed), group_.load(std::memory_order_relaxed),
                    fiber_.load(std::memory_order_relaxed)};
    job_.store(reinterpret_cast<std::uintptr_t>(job), std::memory_order_relaxed);
    group_.store(reinterpret_cast<std::uintptr_t>(job->group), std::memory_order_relaxed);
    started_.store(started_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return saved;
  }
  void leave_task(const SavedTask& saved) noexcept {
    job_.store(saved.job, std::memory_order_relaxed);
    group_.store(saved.group, std::memory_order_relaxed);
    fiber_.store(saved.fiber, std::memory_order_relaxed);
  }
  // enter_fiber(): a kFiber worker's thread runs fiber task `index` (its
  // jobs are marked in the fiber's own record); leave_task() ends it.
  SavedTask enter_fiber(std::uint32_t index, const void* fiber) noexcept {
    SavedTask saved{job_.load(std::memory_order_relaxed), group_.load(std::memory_order_relaxed),
                    fiber_.load(std::memory_order_relaxed)};
    job_.store(reinterpret_cast<std::uintptr_t>(fiber), std::memory_order_relaxed);
    group_.store(0, std::memory_order_relaxed);
    fiber_.store(index, std::memory_order_relaxed);
    started_.store(started_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return saved;
  }

  // current_job() / current_group() is the job marked as running here and
  // its group (owner only).
  std::uintptr_t current_job() const noexcept { return job_.load(std::memory_order_relaxed); }
  std::uintptr_t current_group() const noexcept { return group_.load(std::memory_order_relaxed); }
  // num_started() counts the tasks started here (owner only): it changes
  // with every task, where a job's address may repeat (a stack job).
  std::uint64_t num_started() const noexcept { return started_.load(std::memory_order_relaxed); }

  // push_frame() records a helping wait that begins; pop_frame() ends the
  // innermost one. Frames beyond kMaxWaitFrames are counted, not recorded.
  void push_frame(const WaitFrame& f) noexcept;
  void pop_frame() noexcept {
    depth_.store(depth_.load(std::memory_order_relaxed) - 1, std::memory_order_release);
  }

  void note_shared_lock(const void* mutex) noexcept;
  void note_shared_unlock(const void* mutex) noexcept;

  // ---- any thread: a racy copy for a snapshot ----
  void read(ThreadView& view) const noexcept;
  // is_active() is true when there is anything to show (a fiber record is
  // listed only then, or while it waits).
  bool is_active() const noexcept {
    return job_.load(std::memory_order_relaxed) != 0 || depth_.load(std::memory_order_relaxed) != 0;
  }

 private:
  static constexpr std::size_t kMaxShared = 8;

  struct Frame {
    std::atomic<std::uint32_t> seq{0};  // odd while the owner writes the frame
    std::atomic<std::uint8_t> kind{0};
    std::atomic<bool> is_isolated{false};
    std::atomic<std::uintptr_t> awaited{0};
    std::atomic<std::uint64_t> pool_id{0};
    std::atomic<std::uintptr_t> under_job{0};
    std::atomic<std::uintptr_t> under_group{0};
    std::atomic<std::uintptr_t> site{0};
    std::atomic<std::int64_t> since_ns{0};
  };

  std::atomic<std::uintptr_t> job_{0};
  std::atomic<std::uintptr_t> group_{0};
  std::atomic<std::uint32_t> fiber_{0};
  std::atomic<std::uint64_t> started_{0};
  // Frames: depth_ counts pushes (also past kMaxWaitFrames); a reader
  // loads it with acquire, after which frames below it are written.
  std::atomic<std::size_t> depth_{0};
  Frame frames_[kMaxWaitFrames];
  // Shared holds: a small set of mutex ids (0: free entry), and how many
  // did not fit.
  std::atomic<std::uintptr_t> shared_[kMaxShared] = {};
  std::atomic<std::size_t> shared_overflow_{0};
};

}  // namespace knot::detail
