// BoundedRing<T>: the lock-free MPMC ring behind a bounded Channel<T>.
//
// A fixed array of `capacity` slots, each a stamp and room for one T, with
// a head (next position to receive) and a tail (next position to send) on
// their own cache lines. This is Vyukov's bounded MPMC queue with one
// change: a position is packed as lap + index, where a lap is the power of
// two above `capacity`, so that "full from the previous lap" and "empty for
// this lap" never share a stamp value, even with capacity 1 (the plain
// `pos & mask` scheme needs capacity >= 2), and any capacity works.
//
// A slot's stamp says whose turn it is:
//   stamp == pos        the slot is empty and waits for the sender of `pos`
//   stamp == pos + 1    it holds the message of `pos`, for its receiver
// A sender claims `pos` by CAS on the tail, constructs the message, then
// stores stamp = pos + 1; a receiver claims by CAS on the head, moves the
// message out, then stores stamp = pos + one lap (empty, next lap's turn).
// Between claim and stamp the slot is "busy" for the other side (races [C1]
// and [C4] in channel.h).
//
// A slot that is not ready makes try_push/try_pop answer kNotReady without
// reading the other side's position: the ring may be full (empty), or the
// other side may be half-way through that slot. The caller asks
// is_full_to_park() (is_empty_to_park()) only when the difference matters.
// A sender of a full ring that read the head on every retry took the
// head's line away from the receiver that had to CAS it next (and a
// receiver of an empty ring did the same to the tail): 2-3x the time per
// message with one sender and one receiver (docs/benchmarks.md).
//
// Each slot has a cache line of its own in rings of up to 65536 slots
// (slot_at(), below).
//
// Costs: no allocation after construction, no lock; one CAS on the shared
// position plus one acquire load and one release store on the slot; a
// retry that finds its slot not ready reads that slot and its own side's
// position only.
// Does not: block, park, count handles or know about closing by senders.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/channel_common.h"

namespace knot::detail {

template <class T>
class BoundedRing {
 public:
  // The ring for `capacity` >= 1 messages (the caller checks the range).
  explicit BoundedRing(std::size_t capacity)
      : capacity_(capacity),
        one_lap_(std::bit_ceil(static_cast<std::uint64_t>(capacity) + 1)),
        stride_(capacity <= kPaddedSlotsMax ? (sizeof(Slot) + kSlotLine - 1) / kSlotLine * kSlotLine
                                            : sizeof(Slot)),
        slots_(allocate_slots(capacity, stride_)) {
    for (std::size_t i = 0; i < capacity; ++i) {
      ::new (static_cast<void*>(slots_.get() + i * stride_)) Slot;
      slot_at(i).stamp.store(i, std::memory_order_relaxed);
    }
  }

  // Destroys the messages nobody received. Only once no thread uses the ring.
  ~BoundedRing() {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed) & ~kTailClosedMark;
    while (head != tail) {
      Slot& slot = slot_at(head);
      if (!slot.is_hole)
        slot.value()->~T();
      head = next_position(head);
    }
  }

  BoundedRing(const BoundedRing&) = delete;
  BoundedRing& operator=(const BoundedRing&) = delete;

  // try_push() moves `value` into the tail slot: kDone (value moved from),
  // kNotReady (the ring is full, or a receiver is still vacating the tail
  // slot: is_full_to_park() tells which) or kClosed; on anything but kDone
  // `value` is untouched. If T's move constructor
  // throws, the claimed slot is published as a hole that receivers skip
  // ([C6]), and the exception propagates. Any thread.
  QueueOp try_push(T& value) {
    std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if ((tail & kTailClosedMark) != 0)
        return QueueOp::kClosed;
      Slot& slot = slot_at(tail);
      // acquire: pairs with the receiver's release of this slot, so its
      // move-out happened-before we construct over it.
      const std::uint64_t stamp = slot.stamp.load(std::memory_order_acquire);
      if (stamp == tail) {
        // seq_cst: one half of the Dekker pair with a receiver's validate
        // (race [C3]); the position carries no data.
        if (tail_.compare_exchange_weak(tail, next_position(tail), std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
          publish(slot, value, tail);
          return QueueOp::kDone;
        }
        continue;  // `tail` was reloaded by the failed CAS
      }
      const std::uint64_t current = tail_.load(std::memory_order_relaxed);
      if (current != tail) {
        tail = current;  // another sender moved on
        continue;
      }
      // The tail is current and its slot still holds the previous lap's
      // message: full, or its receiver is vacating it. Not told apart here:
      // that reads the receivers' head (see the file comment).
      return QueueOp::kNotReady;
    }
  }

  // try_pop() moves the head message into `out` (which must be empty):
  // kDone, kNotReady (the ring is empty, or a sender is still publishing the
  // head slot: is_empty_to_park() tells which) or kSkipped (it consumed a
  // hole). If T's move constructor throws, that
  // message is destroyed, its slot freed, and the exception propagates.
  // Any thread.
  QueueOp try_pop(std::optional<T>& out) {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slot_at(head);
      // acquire: pairs with the sender's release in publish(); the message
      // and is_hole are visible once we see pos + 1.
      const std::uint64_t stamp = slot.stamp.load(std::memory_order_acquire);
      if (stamp == head + 1) {
        // seq_cst: one half of the Dekker pair with a sender's validate
        // (race [C3] mirrored).
        if (head_.compare_exchange_weak(head, next_position(head), std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
          return take(slot, out, head) ? QueueOp::kDone : QueueOp::kSkipped;
        }
        continue;
      }
      const std::uint64_t current = head_.load(std::memory_order_relaxed);
      if (current != head) {
        head = current;
        continue;
      }
      // Empty, or its sender is publishing it; as in try_push().
      return QueueOp::kNotReady;
    }
  }

  // is_empty_to_park() / is_full_to_park() say whether a kNotReady meant an
  // empty / full ring (rather than a slot mid-operation [C1] [C4]), at one
  // instant: the position of the caller's side is read first, so the two
  // equal only if they were equal when the second load ran. They are also
  // the re-checks a parking receiver / sender makes inside validate(),
  // after it set its "parked" flag: seq_cst loads, the other halves of the
  // Dekker pairs ([C3]). is_full_to_park() is false once the tail is closed.
  bool is_empty_to_park() const noexcept {
    const std::uint64_t head = head_.load(std::memory_order_seq_cst);
    return head == (tail_.load(std::memory_order_seq_cst) & ~kTailClosedMark);
  }
  bool is_full_to_park() const noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_seq_cst);
    if ((tail & kTailClosedMark) != 0)
      return false;
    return head_.load(std::memory_order_seq_cst) + one_lap_ == tail;
  }

  // close_tail() sets kTailClosedMark: no push succeeds afterwards.
  // seq_cst RMW, so a sender's validate that loads the tail after it sees it.
  void close_tail() noexcept { tail_.fetch_or(kTailClosedMark, std::memory_order_seq_cst); }

  // num_pushed() / num_popped() count claimed positions (holes included);
  // relaxed, for statistics.
  std::uint64_t num_pushed() const noexcept {
    return count_of(tail_.load(std::memory_order_relaxed) & ~kTailClosedMark);
  }
  std::uint64_t num_popped() const noexcept {
    return count_of(head_.load(std::memory_order_relaxed));
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Slot {
    // The turn counter described in the file comment. Written with release
    // by whoever finishes with the slot, read with acquire by whoever may
    // claim it next: it carries the message (and is_hole) from sender to
    // receiver, and "moved out" from receiver to the next lap's sender.
    std::atomic<std::uint64_t> stamp{0};
    bool is_hole = false;  // written before the stamp's release, read after its acquire
    alignas(T) unsigned char storage[sizeof(T)];

    T* value() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };
  static_assert(std::is_trivially_destructible_v<Slot>);

  // Slots lie stride_ bytes apart: one cache line each (or more, for a
  // large T) in a ring of up to kPaddedSlotsMax slots, so that a sender
  // filling one slot does not take the line of the slot a receiver is
  // reading (without it, a sender and a receiver in step moved the same
  // line back and forth: 1.3-4x the time per message, docs/benchmarks.md);
  // packed in larger rings, where the memory would matter more.
  static constexpr std::size_t kSlotLine = 64;
  static constexpr std::size_t kPaddedSlotsMax = 1 << 16;
  static constexpr std::align_val_t kSlotAlign{alignof(Slot) > kSlotLine ? alignof(Slot)
                                                                         : kSlotLine};

  static std::byte* allocate_slots(std::size_t count, std::size_t stride) {
    const std::size_t bytes = count * stride;
    return static_cast<std::byte*>(::operator new(bytes, kSlotAlign));
  }
  struct FreeSlots {
    void operator()(std::byte* p) const noexcept { ::operator delete(p, kSlotAlign); }
  };

  // slot_at() is the slot of position `pos` (any lap).
  Slot& slot_at(std::uint64_t pos) const noexcept {
    return *std::launder(reinterpret_cast<Slot*>(slots_.get() + (pos & (one_lap_ - 1)) * stride_));
  }

  // next_position() steps `pos` by one slot, wrapping to the next lap.
  std::uint64_t next_position(std::uint64_t pos) const noexcept {
    const std::uint64_t index = pos & (one_lap_ - 1);
    return index + 1 < capacity_ ? pos + 1 : (pos & ~(one_lap_ - 1)) + one_lap_;
  }
  // count_of() is the number of positions before `pos`.
  std::uint64_t count_of(std::uint64_t pos) const noexcept {
    return pos / one_lap_ * capacity_ + (pos & (one_lap_ - 1));
  }

  void publish(Slot& slot, T& value, std::uint64_t pos) {
    if constexpr (std::is_nothrow_move_constructible_v<T>) {
      ::new (static_cast<void*>(slot.storage)) T(std::move(value));
    } else {
      try {
        ::new (static_cast<void*>(slot.storage)) T(std::move(value));
        slot.is_hole = false;
      } catch (...) {
        slot.is_hole = true;
        slot.stamp.store(pos + 1, std::memory_order_release);
        throw;
      }
    }
    slot.stamp.store(pos + 1, std::memory_order_release);
  }

  // take() moves the message of claimed position `pos` into `out` and frees
  // the slot; false if the slot was a hole.
  bool take(Slot& slot, std::optional<T>& out, std::uint64_t pos) {
    struct Release {
      Slot& slot;
      std::uint64_t stamp;
      bool destroy;
      ~Release() {
        if (destroy)
          slot.value()->~T();
        slot.stamp.store(stamp, std::memory_order_release);
      }
    };
    const bool is_hole = !std::is_nothrow_move_constructible_v<T> && slot.is_hole;
    Release release{slot, pos + one_lap_, !is_hole};
    if (is_hole)
      return false;
    out.emplace(std::move(*slot.value()));
    return true;
  }

  // Written by receivers (CAS); read by senders to tell full from busy and by
  // validate(). Positions only: never carries message data.
  alignas(kChannelLineSize) std::atomic<std::uint64_t> head_{0};
  // Written by senders (CAS) and close_tail() (fetch_or); as head_ otherwise.
  alignas(kChannelLineSize) std::atomic<std::uint64_t> tail_{0};
  alignas(kChannelLineSize) const std::uint64_t capacity_;
  const std::uint64_t one_lap_;
  const std::size_t stride_;
  // Slots are trivially destructible: freeing the bytes ends them.
  const std::unique_ptr<std::byte[], FreeSlots> slots_;
};

}  // namespace knot::detail
