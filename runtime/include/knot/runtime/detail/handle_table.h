// HandleTable: who holds the live handles of one side of a channel, for
// diagnosis (docs/detection.md, "Holders").
//
// Each Sender (or Receiver) claims a slot of its side's table when it is
// made or copied, and gives it back when it is destroyed; a move hands the
// slot to the new handle. The slot says who holds that handle, as far as
// knot can know:
//
//   kUsed     `actor` used it, and no other actor did since it was made or
//             moved: the holder, known exactly
//   kCreated  nobody used it since `actor` made or moved it: it may have
//             gone anywhere (a lambda's capture, a reference given to a
//             thread knot does not see); `actor` is only a guess
//   kShared   several actors used it (one handle shared by reference):
//             any of them, or others, may use it again
//
// A side with more live handles than slots counts the rest as untracked.
// Noting a use costs the handle's owner a thread-local load, one relaxed
// load of its slot and a compare: a slot is written only when its holder
// changes, so a handle used by one actor keeps its line shared in every
// cache. Claiming, moving and releasing are per handle, not per message.
// Public only because Channel<T> is a template; not part of the API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "knot/runtime/detail/recent_users.h"
#include "knot/runtime/observer.h"

namespace knot::detail {

class HandleTable {
 public:
  // kUntracked is the slot of a handle that found the table full.
  static constexpr std::uint8_t kUntracked = 0xff;

  // claim() takes a free slot for a handle that the calling actor makes
  // (kCreated), or returns kUntracked if all are taken. Any thread.
  std::uint8_t claim() noexcept {
    std::uint32_t taken = taken_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t free = ~taken & kAllSlots;
      if (free == 0)
        return kUntracked;
      const int slot = __builtin_ctz(free);
      // relaxed: the slot's value is written after the claim, by its owner,
      // and read only by diagnosis, which tolerates a torn look.
      if (taken_.compare_exchange_weak(taken, taken | (1u << slot), std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
        slots_[slot].store(encode(current_actor(), HandleBasis::kCreated),
                           std::memory_order_relaxed);
        return static_cast<std::uint8_t>(slot);
      }
    }
  }

  // release() frees the slot of a handle being destroyed. Any thread.
  void release(std::uint8_t slot) noexcept {
    if (slot == kUntracked)
      return;
    slots_[slot].store(0, std::memory_order_relaxed);
    taken_.fetch_and(~(1u << slot), std::memory_order_relaxed);
  }

  // moved() says that the handle in `slot` was moved by the calling actor:
  // its new holder is unknown until it is used.
  void moved(std::uint8_t slot) noexcept {
    if (slot != kUntracked)
      slots_[slot].store(encode(current_actor(), HandleBasis::kCreated), std::memory_order_relaxed);
  }

  // note_use() records that the calling actor uses the handle in `slot`.
  void note_use(std::uint8_t slot) noexcept {
    if (slot == kUntracked)
      return;
    const std::uint64_t me = encode(current_actor(), HandleBasis::kUsed);
    const std::uint64_t now = slots_[slot].load(std::memory_order_relaxed);
    if (now != me && basis_of(now) != HandleBasis::kShared) [[unlikely]]
      note_use_slow(slot, me, now);
  }

  // read() fills `out` with the live handles' holders (empty entries are
  // kNone) and returns how many handles of `num_live` it does not track.
  // Relaxed loads: a racy view for diagnosis.
  std::size_t read(HandleHolders& out, std::size_t num_live) const noexcept {
    std::size_t tracked = 0;
    for (std::size_t i = 0; i < kMaxTrackedHandles; ++i) {
      const std::uint64_t v = slots_[i].load(std::memory_order_relaxed);
      out[i] = HandleHolder{v & kActorMask, basis_of(v)};
      tracked += basis_of(v) != HandleBasis::kNone ? 1 : 0;
    }
    return num_live > tracked ? num_live - tracked : 0;
  }

 private:
  static_assert(kMaxTrackedHandles <= 32, "the taken bitmap is 32 bits");
  static constexpr std::uint32_t kAllSlots =
      kMaxTrackedHandles == 32 ? ~0u : (1u << kMaxTrackedHandles) - 1;
  // A slot: the actor in bits 0-60 and 63 (the pool bit), the basis in 61-62.
  static constexpr int kBasisShift = 61;
  static constexpr std::uint64_t kActorMask =
      ~(std::uint64_t{3} << kBasisShift) & ~(std::uint64_t{0});

  static std::uint64_t encode(ActorId actor, HandleBasis basis) noexcept {
    return (actor & kActorMask) | (static_cast<std::uint64_t>(basis) << kBasisShift);
  }
  static HandleBasis basis_of(std::uint64_t v) noexcept {
    return static_cast<HandleBasis>((v >> kBasisShift) & 3);
  }

  // A new holder: the first use since the handle was made or moved, or a
  // second actor (the handle is shared from now on).
  [[gnu::noinline]] void note_use_slow(std::uint8_t slot, std::uint64_t me,
                                       std::uint64_t now) noexcept {
    const HandleBasis basis = basis_of(now);
    const std::uint64_t next =
        basis == HandleBasis::kUsed ? encode(now & kActorMask, HandleBasis::kShared) : me;
    slots_[slot].store(next, std::memory_order_relaxed);
  }

  std::atomic<std::uint32_t> taken_{0};
  std::atomic<std::uint64_t> slots_[kMaxTrackedHandles] = {};

 public:
  // hazard_memo() is the hazard tracker's memo for the handle in `slot`
  // (hazard_hook.h, note_hazard_memo); an untracked handle shares one that
  // never matches for long. Only with hazard tracking on.
  std::atomic<std::uint64_t>& hazard_memo(std::uint8_t slot) noexcept {
    return slot < kMaxTrackedHandles ? memos_[slot] : untracked_memo_;
  }

 private:
  std::atomic<std::uint64_t> memos_[kMaxTrackedHandles] = {};
  std::atomic<std::uint64_t> untracked_memo_{0};
};

}  // namespace knot::detail
