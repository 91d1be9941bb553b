// Pieces shared by Channel<T>'s two queues (channel_ring.h, channel_list.h)
// and its blocking layer (channel_impl.h): the outcome of one queue attempt,
// the closed mark kept in a queue's tail, and the spin/yield backoff.
//
// Not a public API: include knot/runtime/channel.h. Nothing here allocates,
// locks or parks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <thread>

namespace knot::detail {

// kChannelLineSize separates the counters that different sides write (a
// queue's head and tail). 128 rather than 64 bytes: x86's adjacent-line
// prefetcher pulls cache lines in pairs.
inline constexpr std::size_t kChannelLineSize = 128;

// kTailClosedMark is set in a queue's tail position when the last receiver is
// dropped. A sender's claiming CAS compares the whole word, so once the mark
// is set no send can claim a slot: the mark is the instant the channel closes
// for senders, and checking it costs senders nothing extra (they load the
// tail anyway). Positions never reach bit 63 (2^63 claims).
inline constexpr std::uint64_t kTailClosedMark = std::uint64_t{1} << 63;

// QueueOp is the outcome of one non-blocking attempt on a queue.
enum class QueueOp : std::uint8_t {
  kDone,       // the message was stored (push) or taken (pop)
  kNoMessage,  // pop: no sender has claimed a position past the head
  kNotReady,   // ring only: the slot needed is not ready, because the ring is
               // full (push) or empty (pop), or because the other side is
               // mid-operation on it (a sender publishing it, a receiver
               // vacating it); the ring's is_full_to_park() /
               // is_empty_to_park() tell which (channel_ring.h)
  kClosed,     // push: the tail carries kTailClosedMark (every receiver is gone)
  kSkipped,    // pop: it consumed a hole ([C6]) and delivered nothing; a slot
               // was freed all the same, so wake a sender, then pop again
};

// channel_relax() is one pause of a spin loop (x86 `pause`, ARM `yield`).
inline void channel_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// ChannelBackoff paces the retries of one blocked or waiting operation.
// spin() pauses for 1, 2, 4, then 8 `pause`s per step; snooze() does the
// same for the first kSpinSteps steps and then yields the CPU;
// is_completed() says that spinning has run its course (about 150 pauses and
// 4 yields over two dozen tries, a few microseconds) and the caller should
// park. Short on purpose: on an oversubscribed machine spinning only steals
// time from the thread we wait for.
// One object per operation, on the caller's stack; not thread-safe.
class ChannelBackoff {
 public:
  void spin() noexcept {
    const unsigned n = 1u << (step_ < kMaxShift ? step_ : kMaxShift);
    for (unsigned i = 0; i < n; ++i)
      channel_relax();
    if (step_ <= kSpinSteps + kYieldSteps)
      ++step_;
  }
  void snooze() noexcept {
    if (step_ < kSpinSteps) {
      spin();
      return;
    }
    std::this_thread::yield();
    if (step_ <= kSpinSteps + kYieldSteps)
      ++step_;
  }
  bool is_completed() const noexcept { return step_ > kSpinSteps + kYieldSteps; }
  bool is_yielding() const noexcept { return step_ >= kSpinSteps; }
  void reset() noexcept { step_ = 0; }

 private:
  static constexpr unsigned kMaxShift = 3;    // at most 8 pauses per step
  static constexpr unsigned kSpinSteps = 20;  // pause-loop tries
  static constexpr unsigned kYieldSteps = 4;  // then yields, then park
  unsigned step_ = 0;
};

}  // namespace knot::detail
