// UnboundedList<T>: the lock-free MPMC queue behind an unbounded Channel<T>.
//
// A singly linked list of blocks, each with kBlockSlots message slots. A
// position maps to (block, offset): kBlockLap positions per block, where
// offset kBlockSlots (the last of the lap) is never a slot but a "block end"
// sentinel, held by the thread that is moving the tail (or head) on to the
// next block. Senders claim positions by CAS on the tail, receivers by CAS on
// the head; the tail also carries kTailClosedMark.
//
//   send: claim tail t -> (if t was the block's last slot: install the next
//         block, pre-allocated before the claim) -> construct the message ->
//         set the slot's kWritten bit (release).
//   recv: see head != tail -> claim head h -> (if h was the block's last
//         slot: wait for block->next, move head_block_ and the head past the
//         sentinel) -> wait for kWritten -> move the message out -> retire
//         the slot from the block.
//
// Reclamation: a block is freed by the last user. Only a thread that claimed
// a slot of a block ever dereferences it (the block pointers are re-read
// together with the position and used only after the claiming CAS
// succeeded), and each of the kBlockSlots slots is claimed by exactly one
// receiver, after its sender finished with it. So each receiver, once done
// with its slot, decrements the block's readers_left; the one that brings
// it to zero is the last user and deletes the block (race [C5]).
//
// Costs: one allocation per kBlockSlots messages (by the sender that takes a
// block's last slot, before it claims, so never while others wait on it; a
// sender that then loses that slot to another frees its spare); no lock. A receiver can wait (spin,
// then yield) only for a sender that has claimed the slot and not yet written it ([C1]) or is
// installing the next block ([C4]). Does not: block on an empty queue, park, count handles.
#pragma once

#include <atomic>
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
class UnboundedList {
 public:
  // kBlockSlots: messages per block; kBlockLap: positions per block.
  static constexpr std::uint64_t kBlockSlots = 31;
  static constexpr std::uint64_t kBlockLap = kBlockSlots + 1;

  UnboundedList() : head_block_(new Block), tail_block_(head_block_.load()) {}

  // Destroys the messages nobody received and every block. Only once no
  // thread uses the list.
  ~UnboundedList() {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed) & ~kTailClosedMark;
    Block* block = head_block_.load(std::memory_order_relaxed);
    while (head != tail) {
      const std::uint64_t offset = head % kBlockLap;
      if (offset == kBlockSlots) {
        Block* next = block->next.load(std::memory_order_relaxed);
        delete block;
        block = next;
      } else {
        Slot& slot = block->slots[offset];
        if ((slot.state.load(std::memory_order_relaxed) & kHole) == 0)
          slot.value()->~T();
      }
      ++head;
    }
    delete block;
  }

  UnboundedList(const UnboundedList&) = delete;
  UnboundedList& operator=(const UnboundedList&) = delete;

  // try_push() moves `value` into a new tail slot: kDone (value moved from)
  // or kClosed (value untouched). Never full. May briefly wait (spin, then
  // yield) while another sender installs the next block. Throws
  // std::bad_alloc (value untouched) if a block cannot be allocated; if T's
  // move constructor throws, the slot becomes a hole ([C6]) and the exception
  // propagates. Any thread.
  QueueOp try_push(T& value) {
    std::unique_ptr<Block> spare;
    ChannelBackoff backoff;
    // acquire: pairs with the release in install_next(), so the block for
    // the position we read is in tail_block_ (see [C5]).
    std::uint64_t tail = tail_.load(std::memory_order_acquire);
    for (;;) {
      if ((tail & kTailClosedMark) != 0)
        return QueueOp::kClosed;
      const std::uint64_t offset = tail % kBlockLap;
      if (offset == kBlockSlots) {  // another sender is installing the next block
        backoff.snooze();
        tail = tail_.load(std::memory_order_acquire);
        continue;
      }
      if (offset + 1 == kBlockSlots && spare == nullptr)
        spare.reset(new Block);
      Block* block = tail_block_.load(std::memory_order_acquire);
      // seq_cst: one half of the Dekker pair with a receiver's validate
      // ([C3]); acquire on failure as for the first load.
      if (tail_.compare_exchange_weak(tail, tail + 1, std::memory_order_seq_cst,
                                      std::memory_order_acquire)) {
        // `block` is ours to write: a block is freed only after all its
        // slots were received, and ours is not written yet.
        if (offset + 1 == kBlockSlots)
          install_next(block, spare.release());
        publish(block->slots[offset], value);
        return QueueOp::kDone;
      }
    }
  }

  // try_pop() moves the head message into `out` (which must be empty):
  // kDone, kNoMessage or kSkipped (it consumed a hole). Never kNotReady: once it
  // has claimed a slot it waits (spin, then yield) for its sender to finish
  // writing ([C1]). If T's move constructor throws, that message is
  // destroyed and the exception propagates. Any thread.
  QueueOp try_pop(std::optional<T>& out) {
    ChannelBackoff backoff;
    // acquire: pairs with the release store of the head in advance_head(),
    // so head_block_ is at least the block of the position we read.
    std::uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      const std::uint64_t offset = head % kBlockLap;
      if (offset == kBlockSlots) {  // another receiver is moving to the next block
        backoff.snooze();
        head = head_.load(std::memory_order_acquire);
        continue;
      }
      Block* block = head_block_.load(std::memory_order_acquire);
      // Positions only grow and the tail is read after the head, so
      // tail != head means a sender has claimed position `head`.
      // seq_cst: the receiver's load in the [C3] pair.
      const std::uint64_t tail = tail_.load(std::memory_order_seq_cst) & ~kTailClosedMark;
      if (tail == head)
        return QueueOp::kNoMessage;
      if (!head_.compare_exchange_weak(head, head + 1, std::memory_order_seq_cst,
                                       std::memory_order_acquire)) {
        continue;
      }
      if (offset + 1 == kBlockSlots)
        advance_head(block, head + 2);
      return take(block, block->slots[offset], out) ? QueueOp::kDone : QueueOp::kSkipped;
    }
  }

  // is_empty_to_park(): the re-check a parking receiver makes in validate();
  // seq_cst loads, the other half of the [C3] pair.
  bool is_empty_to_park() const noexcept {
    const std::uint64_t head = head_.load(std::memory_order_seq_cst);
    return head == (tail_.load(std::memory_order_seq_cst) & ~kTailClosedMark);
  }

  // close_tail() sets kTailClosedMark: no push succeeds afterwards.
  void close_tail() noexcept { tail_.fetch_or(kTailClosedMark, std::memory_order_seq_cst); }

  // num_pushed() / num_popped() count claimed positions without sentinels
  // (holes included); relaxed, for statistics.
  std::uint64_t num_pushed() const noexcept {
    return count_of(tail_.load(std::memory_order_relaxed) & ~kTailClosedMark);
  }
  std::uint64_t num_popped() const noexcept {
    return count_of(head_.load(std::memory_order_relaxed));
  }

 private:
  // Slot::state bits. Set once, with release, by the slot's sender.
  static constexpr std::uint8_t kWritten = 1;  // the message is constructed
  static constexpr std::uint8_t kHole = 2;     // T's move constructor threw: no message

  struct Slot {
    // 0 until the sender sets kWritten or kHole (release); the receiver
    // waits for either with acquire, which carries the message to it.
    std::atomic<std::uint8_t> state{0};
    alignas(T) unsigned char storage[sizeof(T)];

    T* value() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  struct Block {
    // Set once (release) by the sender that claimed this block's last slot;
    // read (acquire) by the receiver of that slot, which moves the head on.
    std::atomic<Block*> next{nullptr};
    // Slots whose receiver has not finished with them. acq_rel decrements:
    // the release sequence makes every receiver's (and, through kWritten,
    // every sender's) use of the block happen-before its delete.
    std::atomic<std::uint32_t> readers_left{static_cast<std::uint32_t>(kBlockSlots)};
    Slot slots[kBlockSlots];
  };

  static std::uint64_t count_of(std::uint64_t pos) noexcept {
    const std::uint64_t offset = pos % kBlockLap;
    return pos / kBlockLap * kBlockSlots + (offset < kBlockSlots ? offset : kBlockSlots);
  }

  // install_next() runs on the sender that claimed `block`'s last slot: the
  // tail now sits on the sentinel, and every other sender waits for it.
  void install_next(Block* block, Block* next) noexcept {
    // release: a sender that reads the new tail position (acquire) sees the
    // new block. The fetch_add keeps a closed mark set meanwhile.
    tail_block_.store(next, std::memory_order_release);
    tail_.fetch_add(1, std::memory_order_release);
    block->next.store(next, std::memory_order_release);
  }

  // advance_head() runs on the receiver that claimed `block`'s last slot:
  // the head sits on the sentinel, and every other receiver waits for it.
  void advance_head(Block* block, std::uint64_t next_head) noexcept {
    ChannelBackoff backoff;
    Block* next = block->next.load(std::memory_order_acquire);
    while (next == nullptr) {  // its sender is still installing it ([C4])
      backoff.snooze();
      next = block->next.load(std::memory_order_acquire);
    }
    head_block_.store(next, std::memory_order_release);
    head_.store(next_head, std::memory_order_release);  // only we move a sentinel head
  }

  void publish(Slot& slot, T& value) {
    if constexpr (std::is_nothrow_move_constructible_v<T>) {
      ::new (static_cast<void*>(slot.storage)) T(std::move(value));
    } else {
      try {
        ::new (static_cast<void*>(slot.storage)) T(std::move(value));
      } catch (...) {
        slot.state.store(kHole, std::memory_order_release);
        throw;
      }
    }
    // release: the message is visible to the receiver that sees kWritten.
    // This is the sender's last access to the block.
    slot.state.store(kWritten, std::memory_order_release);
  }

  // take() waits for the claimed slot's sender, moves the message into `out`
  // and retires the slot, deleting the block if it was its last user; false
  // if the slot was a hole.
  bool take(Block* block, Slot& slot, std::optional<T>& out) {
    ChannelBackoff backoff;
    std::uint8_t state = slot.state.load(std::memory_order_acquire);
    while (state == 0) {  // its sender claimed it but has not written it yet ([C1])
      backoff.snooze();
      state = slot.state.load(std::memory_order_acquire);
    }
    struct Retire {
      Block* block;
      Slot& slot;
      bool destroy;
      ~Retire() {
        if (destroy)
          slot.value()->~T();
        if (block->readers_left.fetch_sub(1, std::memory_order_acq_rel) == 1)
          delete block;
      }
    };
    const bool is_hole = (state & kHole) != 0;
    Retire retire{block, slot, !is_hole};
    if (is_hole)
      return false;
    out.emplace(std::move(*slot.value()));
    return true;
  }

  // Receivers' side: the head position (CAS; a plain release store moves it
  // past a sentinel) and its block. Positions carry no data except through
  // the release/acquire pairs named at each use.
  alignas(kChannelLineSize) std::atomic<std::uint64_t> head_{0};
  std::atomic<Block*> head_block_;
  // Senders' side: the tail position (with kTailClosedMark) and its block.
  alignas(kChannelLineSize) std::atomic<std::uint64_t> tail_{0};
  std::atomic<Block*> tail_block_;
};

}  // namespace knot::detail
