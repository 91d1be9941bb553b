// ChannelState<T>: the shared state of a channel and its blocking protocol.
// Included (through detail/channel_impl.h) at the end of
// knot/runtime/channel.h; not to be included on its own.
//
// It owns the queue (a BoundedRing or an UnboundedList), the handle counts
// and the two "parked" flags, and runs the spin-then-park loops. The races
// named [Cn] are described below.
// Does not: allocate per message (beyond the list's blocks), or take a lock
// except the parking lot's bucket lock on the slow path.
//
// ============================================================================
// Races handled (the code refers to these names)
// ============================================================================
//
// [C1] A receiver is about to park while a sender is between claiming a slot
//      and publishing it. A receiver parks only if head == tail; a claimed
//      position moves the tail, so it never parks on a slot that is being
//      written. It spins, then yields, until the sender's release store
//      lands (the ring answers kNotReady, and is_empty_to_park() is false;
//      the list receiver claims and waits). The wait lasts one move of T,
//      unless the sender is preempted.
// [C2] The last sender drops while a receiver is about to park. The drop
//      decrements num_senders_, then calls unpark_all(receive key), which
//      takes the bucket lock that validate() runs under; validate() reads
//      num_senders_. Either it sees 0 and does not park, or the receiver was
//      queued first and is woken. Woken receivers drain, then end.
// [C3] A receiver parks while a sender sends (lost wakeup). The receiver's
//      validate() stores recv_parked_ = true (seq_cst), then loads head and
//      tail (seq_cst); the sender's claiming CAS on the tail is seq_cst, and
//      after publishing it loads recv_parked_ (seq_cst). In the single total
//      order either the sender sees the flag and unparks one receiver, or
//      the receiver sees the new tail and does not park. The same pattern
//      with the head CAS and send_parked_ covers a sender parked on a full
//      ring. No fences: TSan models these operations, not fences.
// [C4] A sender finds the tail slot still being vacated by the receiver of
//      the previous lap (ring), or a block's end while another sender is
//      installing the next block (list); a receiver finds the head on a
//      block's end. None of these parks: they spin, then yield, for the few
//      instructions the other thread has left. A sender parks only on a
//      truly full ring (head + lap == tail: no receiver holds a slot).
// [C5] A slow sender or receiver still uses a list block that others have
//      moved past. Only a thread that claimed a slot of a block dereferences
//      it (block pointers read next to a position are used only after the
//      claiming CAS proved that position current), each slot's receiver
//      retires it after its sender finished (kWritten, release/acquire), and
//      the receiver that retires the last slot frees the block.
// [C6] T's move constructor throws after a send claimed its slot. The slot
//      is published anyway, marked as a hole; receivers skip it, and the
//      receiver that consumes a hole wakes a parked sender as it would for
//      a message (a hole can be what kept a ring full). Counters count it
//      as sent and received.
// [C7] The last receiver drops while senders block or are mid-send. The
//      drop sets the closed mark in the tail (seq_cst RMW), then calls
//      unpark_all(send key). A send that claimed its slot before the mark
//      completes (its message stays in the channel and is destroyed with
//      it, like any message nobody received); every later send fails with
//      kClosed and gets its value back; a sender's validate() sees the mark.
// [C8] The last handles of both sides drop at once. The sender and receiver
//      counts decide closing; a separate reference count decides freeing,
//      and is released last, so a drop's unpark_all never runs on freed
//      state.
// [C9] A timed-out waiter leaves its side's parked flag set. The next
//      waker calls unpark_one, finds nobody and clears the flag; until then
//      each send (or receive) pays one bucket lock, never a lost wakeup.
// [C10] Spurious unparks (another primitive reused the key's address, or
//      unpark_all raced with a re-park): every wait re-checks in a loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "knot/runtime/channel.h"
#include "knot/runtime/detail/channel_common.h"
#include "knot/runtime/detail/channel_list.h"
#include "knot/runtime/detail/channel_ring.h"
#include "knot/runtime/detail/handle_table.h"
#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/detail/recent_users.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/hazard_hook.h"
#include "knot/runtime/observer.h"

namespace knot::detail {

// channel_deadline() is now + timeout, saturated at the clock's maximum (a
// huge timeout, e.g. duration::max(), must not overflow).
template <class Rep, class Period>
Clock::time_point channel_deadline(std::chrono::duration<Rep, Period> timeout) {
  const Clock::time_point now = Clock::now();
  const std::chrono::duration<double> left = Clock::time_point::max() - now;
  if (std::chrono::duration<double>(timeout) >= left)
    return Clock::time_point::max();
  if (timeout <= timeout.zero())
    return now;
  return now + std::chrono::ceil<Clock::duration>(timeout);
}

template <class T>
class ChannelState {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_array_v<T>,
                "knot::Channel<T>: T must be a non-const, non-array object type");
  static_assert(std::is_move_constructible_v<T>, "knot::Channel<T>: T must be movable");
  static_assert(std::is_nothrow_destructible_v<T>, "knot::Channel<T>: ~T() must not throw");

 public:
  // open() creates a channel (bounded when `capacity` is set) and its first
  // two handles.
  // Not inlined, so that its return address is the code that made the
  // channel: an unnamed channel's class for hazard tracking.
  [[gnu::noinline]] static std::pair<Sender<T>, Receiver<T>> open(
      std::optional<std::size_t> capacity, std::string name) {
    auto* state = new ChannelState(capacity, std::move(name));
    state->class_site_ = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    const std::uint8_t sender_slot = state->sender_handles_.claim();
    const std::uint8_t receiver_slot = state->receiver_handles_.claim();
    return {Sender<T>(state, sender_slot), Receiver<T>(state, receiver_slot)};
  }

  ChannelState(const ChannelState&) = delete;
  ChannelState& operator=(const ChannelState&) = delete;

  // ==========================================================================
  // Handles
  // ==========================================================================

  // add_sender() / add_receiver(): a handle was copied; returns the copy's
  // slot in the side's handle table. relaxed: the copy's source keeps the
  // count above zero, so nothing is published here.
  std::uint8_t add_sender() noexcept {
    num_senders_.fetch_add(1, std::memory_order_relaxed);
    refs_.fetch_add(1, std::memory_order_relaxed);
    return sender_handles_.claim();
  }
  std::uint8_t add_receiver() noexcept {
    num_receivers_.fetch_add(1, std::memory_order_relaxed);
    refs_.fetch_add(1, std::memory_order_relaxed);
    return receiver_handles_.claim();
  }
  HandleTable& sender_handles() noexcept { return sender_handles_; }
  HandleTable& receiver_handles() noexcept { return receiver_handles_; }

  // drop_sender(): acq_rel, so the sends of every dropped sender
  // happen-before a receiver's acquire load that sees the count at 0 (it then
  // drains them). The last one wakes every parked receiver [C2].
  void drop_sender(std::uint8_t slot) noexcept {
    if (hazards_on()) [[unlikely]]
      note_hazard_op(HazardOp::kDropSender, false);
    sender_handles_.release(slot);
    if (num_senders_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      unpark_all(recv_key());
    release_ref();
  }
  // drop_receiver(): the last one closes the tail and wakes every parked
  // sender [C7].
  void drop_receiver(std::uint8_t slot) noexcept {
    if (hazards_on()) [[unlikely]]
      note_hazard_op(HazardOp::kDropReceiver, false);
    receiver_handles_.release(slot);
    if (num_receivers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      if (ring_ != nullptr) {
        ring_->close_tail();
      } else {
        list_->close_tail();
      }
      unpark_all(send_key());
    }
    release_ref();
  }

  // ==========================================================================
  // Send and receive
  // ==========================================================================

  // send() tries to move `value` into the channel. kOk (value moved from);
  // otherwise `value` is untouched: kClosed, kFull (may_block false) or
  // kTimeout (deadline passed). Blocks only if may_block. `handle` is the
  // sending handle's slot: its holder is noted first, so that a sender
  // parked on its first send is already known.
  ChannelStatus send(T& value, bool may_block, const Clock::time_point* deadline,
                     std::uint8_t handle) {
    sender_handles_.note_use(handle);
    ChannelBackoff backoff;
    for (;;) {
      const QueueOp op = push(value);
      if (op == QueueOp::kDone) {
        // [C3]: the claiming CAS (seq_cst) came first; this load is the
        // only cost of the protocol when nobody is parked.
        if (recv_parked_.load(std::memory_order_seq_cst))
          wake_one(recv_key(), recv_parked_);
        senders_seen_.note();
        if (hazards_on()) [[unlikely]]
          note_hazard_op(HazardOp::kSend, !may_block || deadline != nullptr, handle);
        return ChannelStatus::kOk;
      }
      if (op == QueueOp::kClosed)
        return ChannelStatus::kClosed;
      // kNotReady: the ring is full, or a receiver is vacating the slot
      // [C4]; only a bounded channel gets here.
      switch (
          next_step([this] { return ring_->is_full_to_park(); }, may_block, deadline, backoff)) {
        case Step::kRetry:
          continue;
        case Step::kWouldBlock:
          return ChannelStatus::kFull;
        case Step::kTimeout:
          return ChannelStatus::kTimeout;
        case Step::kPark:
          break;
      }
      const Clock::time_point* until = park_deadline(deadline);
      if (until == nullptr)
        before_blocking();  // may throw Error(kSpareLimit); nothing was sent
      const WaitSite site{this, WaitKind::kChannelSend, name_, until != nullptr, &describe};
      const ParkResult result = park(
          send_key(), site,
          [&] {
            send_parked_.store(true, std::memory_order_seq_cst);  // [C3]
            return ring_->is_full_to_park();                      // false once closed [C7]
          },
          until);
      // Woken or invalid: retry from the top, spinning again [C10]. Timed
      // out: one more try, then kTimeout.
      if (result != ParkResult::kTimedOut)
        backoff.reset();
    }
  }

  // recv() mirrors send() step for step: the same retry, give-up and park
  // sequence, with the other side's key, flag and statuses. The two stay
  // separate loops on purpose: folding their shared tail (next_step, the
  // park) into one inlined helper was tried, and added 7 instructions to
  // every message of a send and receive that never waits
  // (tests/bench/instrumentation/fast_path_counts.sh), through the
  // compiler's register allocation of the grown function.
  //
  // recv() tries to move the next message into `out` (empty): kOk; kClosed
  // once every sender is gone and the channel is drained; kEmpty (may_block
  // false) or kTimeout (deadline passed). Blocks only if may_block. `handle`
  // as for send().
  ChannelStatus recv(std::optional<T>& out, bool may_block, const Clock::time_point* deadline,
                     std::uint8_t handle) {
    receiver_handles_.note_use(handle);
    ChannelBackoff backoff;
    for (;;) {
      QueueOp op = pop(out);
      const auto got_one = [](QueueOp o) { return o == QueueOp::kDone || o == QueueOp::kSkipped; };
      if (!got_one(op) && num_senders_.load(std::memory_order_acquire) == 0) {
        // Every sender is gone and their sends happen-before this point, so
        // no slot is mid-publish: one more look sees all that remains [C2].
        op = pop(out);
        if (!got_one(op))
          return ChannelStatus::kClosed;
      }
      if (got_one(op)) {
        // [C3] mirrored: the head CAS (seq_cst) came first. A consumed hole
        // freed a slot too: a sender may be parked on it [C6].
        if (ring_ != nullptr && send_parked_.load(std::memory_order_seq_cst)) {
          wake_one(send_key(), send_parked_);
        }
        if (op == QueueOp::kDone) {
          receivers_seen_.note();
          if (hazards_on()) [[unlikely]]
            note_hazard_op(HazardOp::kRecv, !may_block || deadline != nullptr, handle);
          return ChannelStatus::kOk;
        }
        continue;
      }
      // kNoMessage (list), or kNotReady (ring): empty, or a sender is
      // publishing the head slot [C1].
      const auto is_drained = [this, op] {
        return op == QueueOp::kNoMessage || ring_->is_empty_to_park();
      };
      switch (next_step(is_drained, may_block, deadline, backoff)) {
        case Step::kRetry:
          continue;
        case Step::kWouldBlock:
          return ChannelStatus::kEmpty;
        case Step::kTimeout:
          return ChannelStatus::kTimeout;
        case Step::kPark:
          break;
      }
      const Clock::time_point* until = park_deadline(deadline);
      if (until == nullptr)
        before_blocking();  // may throw Error(kSpareLimit); nothing was taken
      const WaitSite site{this, WaitKind::kChannelRecv, name_, until != nullptr, &describe};
      const ParkResult result = park(
          recv_key(), site,
          [&] {
            recv_parked_.store(true, std::memory_order_seq_cst);  // [C3]
            const bool is_empty =
                ring_ != nullptr ? ring_->is_empty_to_park() : list_->is_empty_to_park();
            return is_empty && num_senders_.load(std::memory_order_seq_cst) != 0;  // [C1] [C2]
          },
          until);
      if (result != ParkResult::kTimedOut)
        backoff.reset();  // as in send() [C10]
    }
  }

  // ==========================================================================
  // Facts for diagnosis (relaxed loads; racy snapshots)
  // ==========================================================================

  std::size_t num_senders() const noexcept { return num_senders_.load(std::memory_order_relaxed); }
  std::size_t num_receivers() const noexcept {
    return num_receivers_.load(std::memory_order_relaxed);
  }
  // is_closed(): acquire, so a caller that sees the end also sees what led
  // to it.
  bool is_closed() const noexcept {
    return num_senders_.load(std::memory_order_acquire) == 0 ||
           num_receivers_.load(std::memory_order_acquire) == 0;
  }
  std::optional<std::size_t> capacity() const noexcept {
    if (ring_ == nullptr)
      return std::nullopt;
    return ring_->capacity();
  }
  const std::string& name() const noexcept { return name_; }

  // counts() loads the received count first: both only grow, so sent >=
  // received in the result.
  std::pair<std::uint64_t, std::uint64_t> counts() const noexcept {
    const std::uint64_t received = ring_ != nullptr ? ring_->num_popped() : list_->num_popped();
    const std::uint64_t sent = ring_ != nullptr ? ring_->num_pushed() : list_->num_pushed();
    return {sent, received};
  }
  std::size_t size() const noexcept {
    const auto [sent, received] = counts();
    std::uint64_t n = sent - received;
    if (ring_ != nullptr && n > ring_->capacity())
      n = ring_->capacity();
    return static_cast<std::size_t>(n);
  }

  // describe() is the channel's DescribeFn (WaitSite): its facts for diagnosis.
  static void describe(const void* resource, ResourceFacts& facts) noexcept {
    const ChannelStats s = static_cast<const ChannelState*>(resource)->stats();
    facts.capacity = s.capacity;
    facts.length = s.size;
    facts.num_senders = s.num_senders;
    facts.num_receivers = s.num_receivers;
    facts.num_sent = s.num_sent;
    facts.num_received = s.num_received;
    const auto* self = static_cast<const ChannelState*>(resource);
    facts.recent_senders = self->senders_seen_.read();
    facts.recent_receivers = self->receivers_seen_.read();
    facts.untracked_senders = self->sender_handles_.read(facts.sender_handles, s.num_senders);
    facts.untracked_receivers =
        self->receiver_handles_.read(facts.receiver_handles, s.num_receivers);
  }

  ChannelStats stats() const noexcept {
    ChannelStats s;
    s.id = this;
    const auto [sent, received] = counts();
    s.num_sent = sent;
    s.num_received = received;
    s.size = size();
    s.capacity = capacity();
    s.num_senders = num_senders();
    s.num_receivers = num_receivers();
    s.has_parked_senders = send_parked_.load(std::memory_order_relaxed);
    s.has_parked_receivers = recv_parked_.load(std::memory_order_relaxed);
    s.is_closed = s.num_senders == 0 || s.num_receivers == 0;
    return s;
  }

  // hazard_point() describes an operation on this channel for the hazard
  // tracker (hazard_hook.h); `cannot_wait`: a try or a timed operation.
  HazardPoint hazard_point(HazardOp op, bool cannot_wait) const noexcept {
    HazardPoint point;
    point.op = op;
    point.resource = this;
    point.name = name_;
    point.class_site = class_site_;
    point.is_bounded = ring_ != nullptr;
    point.capacity = ring_ != nullptr ? ring_->capacity() : 0;
    point.is_timed = cannot_wait;
    return point;
  }
  // note_hazard_op() tells the hazard tracker of `op`, called from the
  // channel's user. Out of line, so that the send and receive paths carry
  // only the test of hazards_on() and a call.
  // A send or receive passes its handle's slot: a repeat of the operation
  // in an unchanged state skips the tracker (hazard_hook.h).
  [[gnu::noinline, gnu::cold]] void note_hazard_op(HazardOp op, bool cannot_wait,
                                                   std::uint8_t handle = 0) noexcept {
    std::atomic<std::uint64_t>* memo = nullptr;
    if (op == HazardOp::kSend)
      memo = &sender_handles_.hazard_memo(handle);
    if (op == HazardOp::kRecv)
      memo = &receiver_handles_.hazard_memo(handle);
    if (memo != nullptr) {
      const std::uint64_t now = hazard_memo();
      if (now != 0 && memo->load(std::memory_order_relaxed) == now)
        return;
    }
    HazardPoint point = hazard_point(op, cannot_wait);
    point.call_site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    if (memo != nullptr) {
      note_hazard_memo(point, *memo);
    } else {
      note_hazard(point);
    }
  }

 private:
  ChannelState(std::optional<std::size_t> capacity, std::string name)
      : name_(std::move(name)),
        queue_(make_queue(capacity)),
        ring_(std::get_if<BoundedRing<T>>(&queue_)),
        list_(std::get_if<UnboundedList<T>>(&queue_)) {}
  ~ChannelState() = default;

  using Queue = std::variant<BoundedRing<T>, UnboundedList<T>>;
  static Queue make_queue(std::optional<std::size_t> capacity);

  QueueOp push(T& value) {
    return ring_ != nullptr ? ring_->try_push(value) : list_->try_push(value);
  }
  QueueOp pop(std::optional<T>& out) {
    return ring_ != nullptr ? ring_->try_pop(out) : list_->try_pop(out);
  }

  // Step is what a send or receive that found no room / no message does
  // next: retry (after a spin or a snooze), give up without blocking, give
  // up on its deadline, or park.
  enum class Step { kRetry, kWouldBlock, kTimeout, kPark };

  // next_step() decides it. `is_settled` says whether the queue is truly
  // full (send) or empty (recv), rather than the other side being half-way
  // through the slot we need ([C1], [C4]): a reason for a short spin even
  // in a non-blocking call, and never a reason to park. It reads the other
  // side's position, so it is asked only where the answer matters: on a
  // non-blocking call, on a fiber task, and once spinning has run its
  // course. A blocking call spins and yields (ChannelBackoff) before it
  // parks, and checks its deadline once it yields.
  template <class IsSettled>
  static Step next_step(IsSettled is_settled, bool may_block, const Clock::time_point* deadline,
                        ChannelBackoff& backoff) {
    if (!may_block) {
      if (!backoff.is_yielding() && !is_settled()) {
        backoff.spin();
        return Step::kRetry;
      }
      return Step::kWouldBlock;
    }
    // A fiber task suspends at once: spinning would only delay the task
    // it waits for, which may be queued on the same worker.
    if (deadline == nullptr && !backoff.is_yielding() && on_fiber() && is_settled())
      return Step::kPark;
    if (!backoff.is_completed()) {
      if (deadline != nullptr && backoff.is_yielding() && Clock::now() >= *deadline)
        return Step::kTimeout;
      backoff.snooze();
      return Step::kRetry;
    }
    if (deadline != nullptr && Clock::now() >= *deadline)
      return Step::kTimeout;
    if (!is_settled()) {
      backoff.snooze();  // yields: the other side has a few instructions left
      return Step::kRetry;
    }
    return Step::kPark;
  }

  // park_deadline(): the deadline to park with. A saturated one (a timeout
  // of about 292 years or more) parks untimed and is reported as untimed:
  // for diagnosis such a wait does not end by itself.
  static const Clock::time_point* park_deadline(const Clock::time_point* deadline) noexcept {
    return deadline != nullptr && *deadline != Clock::time_point::max() ? deadline : nullptr;
  }

  // Parking keys: one per side, distinct addresses inside this object.
  const void* recv_key() const noexcept { return &recv_parked_; }
  const void* send_key() const noexcept { return &send_parked_; }

  // wake_one() unparks the oldest waiter on `key`, clearing `flag` under the
  // bucket lock when no waiter remains [C9]. relaxed clear: validate() sets
  // the flag under the same lock, so lock order already orders the two.
  static void wake_one(const void* key, std::atomic<bool>& flag) noexcept {
    unpark_one(key, [&flag](UnparkInfo info) {
      if (!info.has_more_waiters)
        flag.store(false, std::memory_order_relaxed);
    });
  }

  // release_ref(): the last handle frees the state [C8]. acq_rel: every
  // handle's last use happens-before the delete.
  void release_ref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      delete this;
  }

  // Read on every send (recv_parked_) or bounded receive (send_parked_),
  // written only on the parking path: kept off the queue's hot lines.
  // Set (seq_cst) by a waiter inside validate(), cleared under the bucket
  // lock by wake_one() once no waiter remains; see [C3].
  alignas(kChannelLineSize) std::atomic<bool> recv_parked_{false};
  std::atomic<bool> send_parked_{false};
  // Live handles per side: they decide closing ([C2], [C7]). acq_rel
  // decrements, relaxed increments and statistics loads, acquire/seq_cst
  // where a receiver decides that the channel ended.
  std::atomic<std::size_t> num_senders_{1};
  std::atomic<std::size_t> num_receivers_{1};
  // Live handles of both sides: the last one frees the state [C8].
  std::atomic<std::size_t> refs_{2};
  // Who sent and received lately (diagnosis: a full side waits for the
  // other side's users). Read on every transfer, written when users change.
  alignas(kChannelLineSize) RecentUsers senders_seen_;
  RecentUsers receivers_seen_;
  // Who holds each live handle (diagnosis, detail/handle_table.h). Read on
  // every transfer by the handle's user, written when a handle is made,
  // moved, dropped or changes hands.
  HandleTable sender_handles_;
  HandleTable receiver_handles_;
  const std::string name_;
  std::uintptr_t class_site_ = 0;  // the code that made it (hazard classes); set by open()
  Queue queue_;
  BoundedRing<T>* const ring_;    // the queue when bounded, else null
  UnboundedList<T>* const list_;  // the queue when unbounded, else null
};

template <class T>
auto ChannelState<T>::make_queue(std::optional<std::size_t> capacity) -> Queue {
  if (capacity.has_value())
    return Queue(std::in_place_type<BoundedRing<T>>, *capacity);
  return Queue(std::in_place_type<UnboundedList<T>>);
}

}  // namespace knot::detail
