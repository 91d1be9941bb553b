// RecentUsers: who used one side of a primitive lately, for diagnosis.
//
//   current_actor()  the calling thread as an ActorId: its pool, if it is a
//                    worker, else the thread itself
//   RecentUsers      a tiny hashed table of ActorIds, noted on every use
//
// Noting costs a thread-local load, a relaxed load and, only when a new
// user takes a slot, a relaxed store: users that keep using a side do not
// write to it, so the table's line stays shared in every cache.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "knot/runtime/observer.h"

namespace knot::detail {

// The calling thread's ActorId, or 0 until first needed. Workers set it to
// their pool when they start; other threads get their thread index.
// initial-exec as t_current_worker (scheduler.h): read on every transfer.
[[gnu::tls_model("initial-exec")]] extern constinit thread_local ActorId t_actor;

ActorId current_actor_slow() noexcept;

inline ActorId current_actor() noexcept {
  const ActorId actor = t_actor;
  return actor != 0 ? actor : current_actor_slow();
}

class RecentUsers {
 public:
  void note() noexcept {
    const ActorId me = current_actor();
    std::atomic<ActorId>& slot = slots_[slot_of(me)];
    if (slot.load(std::memory_order_relaxed) != me)
      slot.store(me, std::memory_order_relaxed);
  }

  RecentActors read() const noexcept {
    RecentActors out{};
    for (std::size_t i = 0; i < kMaxRecentUsers; ++i)
      out[i] = slots_[i].load(std::memory_order_relaxed);
    return out;
  }

 private:
  static std::size_t slot_of(ActorId actor) noexcept {
    return static_cast<std::size_t>((actor * 0x9E3779B97F4A7C15ull) >> 62) % kMaxRecentUsers;
  }

  std::atomic<ActorId> slots_[kMaxRecentUsers] = {};
};

}  // namespace knot::detail
