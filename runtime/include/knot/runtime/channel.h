// Channels: bounded and unbounded multi-producer multi-consumer queues whose
// waits are visible to knot's diagnosis.
//
//   channel<T>(n, name)          a bounded channel of capacity n >= 1
//   unbounded_channel<T>(name)   a channel that never fills
//   Sender<T>                    the sending handle; copy it to add senders
//   Receiver<T>                  the receiving handle; copy it to add receivers;
//                                `for (T v : receiver)` receives until the end
//   SendResult<T>, RecvResult<T> what a send or receive did, and the value
//   ChannelStatus                kOk, kClosed, kFull, kEmpty, kTimeout
//   ChannelStats                 counters for diagnosis (sent, received, handles)
//
// A channel closes when every receiver is gone (sends fail and hand their
// value back: nothing is dropped silently) or when every sender is gone
// (receivers drain what remains, then get the end). Messages are delivered
// in one global FIFO order (the order in which sends claimed their slots),
// so messages of one sender arrive in the order it sent them.
//
// Fast paths take no lock. A bounded channel is a lock-free ring of
// per-slot stamps (detail/channel_ring.h) and allocates nothing per message;
// an unbounded one is a lock-free list of 31-slot blocks, freed by their last
// user (detail/channel_list.h), and allocates once per 31 messages. A send
// into a channel with room, or a receive from a non-empty one, costs one
// CAS on the shared position, an acquire/release pair on the slot, and one
// extra load (of the other side's "parked" flag). A side that must wait spins a few dozen times,
// reading only the slot it needs and its own side's position (the other side's position is read
// once spinning has run its course, to tell a full or empty ring from a slot mid-operation), then
// parks through the parking lot (detail/parking_lot.h) with a WaitSite of kind kChannelSend or
// kChannelRecv, the channel's address and its name, so the observer and the watchdog see who waits
// on which channel.
//
// Exceptions. T need not be default-constructible or copyable, only
// move-constructible (and nothrow-destructible). If T's move constructor
// throws while a send stores the message, the exception propagates from the
// send, nothing is delivered (the claimed slot becomes a "hole" that
// receivers skip, [C6]) and the channel stays usable; the value, already
// moved into send's parameter, is destroyed by the unwinding. A send that
// fails (kClosed, kFull, kTimeout) hands the value back in SendResult::value.
// An unbounded send may throw std::bad_alloc before it changes anything. If
// the move out of the channel throws during a receive, that message is
// destroyed and the exception propagates. Nothing else throws, except
// channel() itself: Error(Errc::kInvalidOption) for capacity 0, and an
// untimed send or recv that must block on a worker of a kCompensate pool
// with AtSpareLimit::kFail whose spares are all in use:
// Error(Errc::kSpareLimit), with nothing sent or taken.
//
// Layout: this header declares the API; detail/channel_impl.h (included at
// the end) defines the handles' members, detail/channel_state.h the shared
// state and blocking protocol, detail/channel_ring.h and channel_list.h the
// two lock-free queues, detail/channel_common.h what they share.
//
// The races the protocol handles, [C1] to [C10], are listed in
// detail/channel_state.h, beside the code that handles them.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "knot/base/check.h"
#include "knot/runtime/error.h"

namespace knot {

namespace detail {
template <class T>
class ChannelState;
}  // namespace detail

// ChannelStatus says how a channel operation ended.
enum class ChannelStatus : std::uint8_t {
  kOk,       // the message was sent or received
  kClosed,   // send: every receiver is gone; receive: every sender is gone and
             // the channel is drained
  kFull,     // try_send: a bounded channel had no room
  kEmpty,    // try_recv: there was no message (but senders remain)
  kTimeout,  // send_for / recv_for: the timeout passed first
};

// SendResult is what a send returns. `value` holds the message handed back
// whenever it was not sent (status != kOk), and is empty on kOk. It converts
// to true only on kOk.
template <class T>
struct SendResult {
  ChannelStatus status = ChannelStatus::kOk;
  std::optional<T> value{};

  explicit operator bool() const noexcept { return status == ChannelStatus::kOk; }
};

// RecvResult is what a non-blocking or timed receive returns: the message on
// kOk, nothing otherwise. It converts to true only on kOk.
template <class T>
struct RecvResult {
  ChannelStatus status = ChannelStatus::kOk;
  std::optional<T> value{};

  explicit operator bool() const noexcept { return status == ChannelStatus::kOk; }
};

// ChannelStats is a snapshot of a channel's counters for diagnosis. Each
// field is read with a relaxed load, so a snapshot taken while others send
// and receive is not atomic as a whole (num_sent >= num_received holds).
struct ChannelStats {
  const void* id = nullptr;               // the channel; equals WaitSite::resource of its waits
  std::uint64_t num_sent = 0;             // sends that claimed a slot (holes [C6] included)
  std::uint64_t num_received = 0;         // receives that claimed a slot (holes included)
  std::size_t size = 0;                   // messages in the channel now
  std::optional<std::size_t> capacity{};  // empty for an unbounded channel
  std::size_t num_senders = 0;            // live Sender handles
  std::size_t num_receivers = 0;          // live Receiver handles
  bool has_parked_senders = false;        // a sender is (or was just) parked on it
  bool has_parked_receivers = false;      // a receiver is (or was just) parked on it
  bool is_closed = false;                 // num_senders == 0 || num_receivers == 0
};

// kMaxChannelCapacity is the largest capacity channel() accepts.
inline constexpr std::size_t kMaxChannelCapacity = std::size_t{1} << 40;

// Sender is the sending side of a channel. Copies share the channel and each
// counts as one live sender; the channel closes for receivers when the last
// one is destroyed. Moving leaves the source empty: using an empty handle is
// a programming error. One handle may be used by one thread at a time; give
// each thread its own copy (copying is cheap: two relaxed increments).
template <class T>
class Sender {
 public:
  Sender(const Sender& other) noexcept;
  Sender(Sender&& other) noexcept;
  Sender& operator=(Sender other) noexcept {
    std::swap(state_, other.state_);
    std::swap(slot_, other.slot_);
    return *this;
  }
  ~Sender();

  // send() sends `value`, blocking while a bounded channel is full (spin,
  // then park). kOk, or kClosed with the value handed back once every
  // receiver is gone (also when they go while it waits). Any thread,
  // including pool workers: a worker that blocks here holds its thread.
  SendResult<T> send(T value);

  // try_send() never blocks: kOk, kFull (bounded channel without room) or
  // kClosed; the value is handed back unless kOk. It may spin briefly while
  // a receiver finishes vacating the slot it needs [C4].
  SendResult<T> try_send(T value);

  // send_for() is send() that gives up after `timeout`: kTimeout hands the
  // value back. A zero or negative timeout tries once. The wait is reported
  // as timed (diagnosis treats it as able to end by itself), unless the
  // timeout reaches past the clock's range (e.g. duration::max()): that one
  // waits, and is reported, as untimed.
  template <class Rep, class Period>
  SendResult<T> send_for(T value, std::chrono::duration<Rep, Period> timeout);

  // is_closed() is true once every receiver or every sender is gone.
  // size() is the number of messages in the channel; capacity() is empty for
  // an unbounded channel; name() is the name given to channel(). stats()
  // reads all the counters. Racy snapshots; never block.
  bool is_closed() const noexcept;
  std::size_t size() const noexcept;
  std::optional<std::size_t> capacity() const noexcept;
  const std::string& name() const noexcept;
  // exempt_from_hazards(): as Mutex::exempt_from_hazards(), for the
  // channel's class (both sides).
  void exempt_from_hazards(std::string_view reason) const noexcept;
  ChannelStats stats() const noexcept;

 private:
  friend class detail::ChannelState<T>;
  // Adopts a count and a slot of the side's handle table.
  Sender(detail::ChannelState<T>* state, std::uint8_t slot) noexcept : state_(state), slot_(slot) {}
  detail::ChannelState<T>& state() const noexcept {
    KNOT_DCHECK(state_ != nullptr, "use of a moved-from knot::Sender");
    return *state_;
  }

  detail::ChannelState<T>* state_;
  // This handle's slot in its side's handle table (detail/handle_table.h):
  // who holds it, for diagnosis.
  std::uint8_t slot_ = 0xff;
};

// Receiver is the receiving side of a channel. Copies share the channel and
// each counts as one live receiver; the channel closes for senders when the
// last one is destroyed, and messages still in it are destroyed with it.
// Handle rules as for Sender.
//
// Receiver repeats Sender's handle members (copy, move, swap, state(), the
// slot, the read-only accessors) on purpose: they are thin forwards to the
// shared ChannelState, where the behaviour is written once, and two plain
// classes keep each side's documentation, overloads and error messages its
// own, as crossbeam's and std::promise/std::future's sides do.
template <class T>
class Receiver {
 public:
  class Iterator;

  Receiver(const Receiver& other) noexcept;
  Receiver(Receiver&& other) noexcept;
  Receiver& operator=(Receiver other) noexcept {
    std::swap(state_, other.state_);
    std::swap(slot_, other.slot_);
    return *this;
  }
  ~Receiver();

  // recv() receives the next message, blocking while the channel is empty
  // (spin, then park). Returns nullopt once every sender is gone and the
  // channel is drained. Any thread, including pool workers.
  std::optional<T> recv();

  // try_recv() never blocks: kOk with the message, kEmpty, or kClosed (every
  // sender gone and drained). It may spin briefly while a sender finishes
  // publishing the message it needs [C1].
  RecvResult<T> try_recv();

  // recv_for() is recv() that gives up after `timeout` with kTimeout; kClosed
  // once closed and drained. A zero or negative timeout tries once.
  template <class Rep, class Period>
  RecvResult<T> recv_for(std::chrono::duration<Rep, Period> timeout);

  // begin() / end() make a receiver a single-pass input range: `for (T v :
  // receiver)` receives until the channel is closed and drained. begin()
  // blocks for the first message. The iterator's operator* yields T&&, so
  // move-only types work as `for (T v : rx)` or `for (auto&& v : rx)`.
  Iterator begin() { return Iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

  // As for Sender.
  bool is_closed() const noexcept;
  std::size_t size() const noexcept;
  std::optional<std::size_t> capacity() const noexcept;
  const std::string& name() const noexcept;
  // exempt_from_hazards(): as Mutex::exempt_from_hazards(), for the
  // channel's class (both sides).
  void exempt_from_hazards(std::string_view reason) const noexcept;
  ChannelStats stats() const noexcept;

 private:
  friend class detail::ChannelState<T>;
  // Adopts a count and a slot of the side's handle table.
  Receiver(detail::ChannelState<T>* state, std::uint8_t slot) noexcept
      : state_(state), slot_(slot) {}
  void receive_into(std::optional<T>& out);  // recv() into `out` (empty): the iterator's step
  detail::ChannelState<T>& state() const noexcept {
    KNOT_DCHECK(state_ != nullptr, "use of a moved-from knot::Receiver");
    return *state_;
  }

  detail::ChannelState<T>* state_;
  // This handle's slot in its side's handle table (detail/handle_table.h):
  // who holds it, for diagnosis.
  std::uint8_t slot_ = 0xff;
};

// Receiver<T>::Iterator is the input iterator behind range-for: it holds the
// current message, and ++ receives the next one (blocking). It equals end()
// once the channel is closed and drained. Move-only when T is.
template <class T>
class Receiver<T>::Iterator {
 public:
  using iterator_concept = std::input_iterator_tag;
  using iterator_category = std::input_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using reference = T&&;

  Iterator() = default;

  T&& operator*() const noexcept { return std::move(*current_); }
  Iterator& operator++() {
    current_.reset();
    receiver_->receive_into(current_);
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const Iterator& it, std::default_sentinel_t) noexcept {
    return !it.current_.has_value();
  }

 private:
  friend class Receiver;
  explicit Iterator(Receiver* receiver) : receiver_(receiver) { receiver_->receive_into(current_); }

  Receiver* receiver_ = nullptr;
  // mutable: operator* must be const for std::input_iterator, yet moves out.
  mutable std::optional<T> current_;
};

// channel() creates a bounded channel holding at most `capacity` messages
// and returns its first sender and receiver. `name` appears in diagnosis.
// Throws Error(Errc::kInvalidOption) if capacity is 0 or above
// kMaxChannelCapacity, std::bad_alloc if the ring cannot be allocated.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity, std::string name = {});

// unbounded_channel() creates a channel that never fills (sends never
// block; memory grows with the backlog).
template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded_channel(std::string name = {});

}  // namespace knot

// Templates' implementation: the shared state and the blocking protocol.
#include "knot/runtime/detail/channel_impl.h"
