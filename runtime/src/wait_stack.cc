// ContextMarks (wait_stack.h): frames and shared holds, and the racy copy
// a snapshot takes.

#include "wait_stack.h"

#include <atomic>

namespace knot::detail {

namespace {
std::int64_t to_ns(std::chrono::steady_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

void ContextMarks::push_frame(const WaitFrame& f) noexcept {
  const std::size_t d = depth_.load(std::memory_order_relaxed);
  if (d < kMaxWaitFrames) {
    Frame& slot = frames_[d];
    // Sequence: odd while written. The release store of the even value
    // publishes the fields to a reader that loads it with acquire.
    const std::uint32_t seq = slot.seq.load(std::memory_order_relaxed);
    slot.seq.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    slot.kind.store(static_cast<std::uint8_t>(f.kind), std::memory_order_relaxed);
    slot.is_isolated.store(f.is_isolated, std::memory_order_relaxed);
    slot.awaited.store(f.awaited, std::memory_order_relaxed);
    slot.pool_id.store(f.pool_id, std::memory_order_relaxed);
    slot.under_job.store(f.under_job, std::memory_order_relaxed);
    slot.under_group.store(f.under_group, std::memory_order_relaxed);
    slot.site.store(f.site, std::memory_order_relaxed);
    slot.since_ns.store(to_ns(f.since), std::memory_order_relaxed);
    slot.seq.store(seq + 2, std::memory_order_release);
  }
  depth_.store(d + 1, std::memory_order_release);
}

void ContextMarks::note_shared_lock(const void* mutex) noexcept {
  const auto id = reinterpret_cast<std::uintptr_t>(mutex);
  for (auto& entry : shared_) {
    if (entry.load(std::memory_order_relaxed) == 0) {
      entry.store(id, std::memory_order_relaxed);
      return;
    }
  }
  shared_overflow_.store(shared_overflow_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
}

void ContextMarks::note_shared_unlock(const void* mutex) noexcept {
  const auto id = reinterpret_cast<std::uintptr_t>(mutex);
  for (auto& entry : shared_) {
    if (entry.load(std::memory_order_relaxed) == id) {
      entry.store(0, std::memory_order_relaxed);
      return;
    }
  }
  // Held past the set's size (or recursively): one of the overflow.
  const std::size_t over = shared_overflow_.load(std::memory_order_relaxed);
  if (over > 0)
    shared_overflow_.store(over - 1, std::memory_order_relaxed);
}

void ContextMarks::read(ThreadView& view) const noexcept {
  view.task.job = job_.load(std::memory_order_relaxed);
  view.task.group = group_.load(std::memory_order_relaxed);
  view.task.fiber = fiber_.load(std::memory_order_relaxed);
  view.task.num_started = started_.load(std::memory_order_relaxed);

  const std::size_t depth = depth_.load(std::memory_order_acquire);
  view.frames_complete = depth <= kMaxWaitFrames;
  const std::size_t n = depth < kMaxWaitFrames ? depth : kMaxWaitFrames;
  view.frames.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const Frame& slot = frames_[i];
    const std::uint32_t before = slot.seq.load(std::memory_order_acquire);
    WaitFrame f;
    f.kind = static_cast<WaitKind>(slot.kind.load(std::memory_order_relaxed));
    f.is_isolated = slot.is_isolated.load(std::memory_order_relaxed);
    f.awaited = slot.awaited.load(std::memory_order_relaxed);
    f.pool_id = slot.pool_id.load(std::memory_order_relaxed);
    f.under_job = slot.under_job.load(std::memory_order_relaxed);
    f.under_group = slot.under_group.load(std::memory_order_relaxed);
    f.site = slot.site.load(std::memory_order_relaxed);
    f.since = std::chrono::steady_clock::time_point(
        std::chrono::nanoseconds(slot.since_ns.load(std::memory_order_relaxed)));
    std::atomic_thread_fence(std::memory_order_acquire);
    const std::uint32_t after = slot.seq.load(std::memory_order_relaxed);
    if (before != after || (before & 1) != 0) {
      view.frames_complete = false;  // rewritten while read: the rest is stale too
      break;
    }
    view.frames.push_back(f);
  }

  view.held_shared.clear();
  for (const auto& entry : shared_) {
    const std::uintptr_t id = entry.load(std::memory_order_relaxed);
    if (id != 0)
      view.held_shared.push_back(id);
  }
  view.held_shared_complete = shared_overflow_.load(std::memory_order_relaxed) == 0;
}

}  // namespace knot::detail
