// The handler half of stack capture: the slot arena that the capture
// signal's handler writes into, the globals it reads, and its installation.
// The collector (capture_collector.cc) arms slots and reads them. Protocol
// and races ([S1]..[S12]): README.md next to this file.
//
// Does not: allocate, wait or decide statuses (the collector does). Costs:
// the arena is about 1.1 MiB of address space, allocated once by the first
// StackCapture and never freed [S6]; pages are touched only as slots are used.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "knot/instrumentation/stack_capture.h"

namespace knot::instr::detail {

// ---------------------------------------------------------------------------
// Slots

// Phase is the low part of a slot's state word; the rest is the generation
// of the capture that armed it. Every transition is a CAS or a store by the
// party named below, so each slot has one writer of its frames at a time.
enum class Phase : std::uint64_t {
  // kFree: nobody uses the slot. The collector may arm it. Entered from
  // kDone (the collector took the frames), kCancelled (a late handler
  // resolved it, or the collector saw the thread gone), or a failed send.
  kFree = 0,
  // kArmed: the collector armed the slot for generation g and signals (or
  // has signalled) its thread. Only a handler carrying (slot, g) may claim it.
  kArmed = 1,
  // kWriting: a handler claimed the slot (CAS from kArmed(g)) and is
  // unwinding into its frames. Nobody else touches it until kDone [S2].
  kWriting = 2,
  // kDone: the handler finished; num_pcs, first_exact and the frames are
  // valid. A kDone slot of an older generation is as good as free [S2].
  kDone = 3,
  // kCancelled: the collector gave up on a thread that never claimed the
  // slot (CAS from kArmed(g)). The thread still holds the signal and may take
  // it later; until then the slot is quarantined and the thread is not
  // signalled again [S4].
  kCancelled = 4,
};

inline constexpr unsigned kPhaseBits = 3;
inline constexpr std::uint64_t kPhaseMask = (std::uint64_t{1} << kPhaseBits) - 1;

constexpr std::uint64_t pack(std::uint64_t generation, Phase phase) noexcept {
  return generation << kPhaseBits | static_cast<std::uint64_t>(phase);
}
constexpr Phase phase_of(std::uint64_t state) noexcept {
  return static_cast<Phase>(state & kPhaseMask);
}

// A signal's si_value packs (generation << kSlotBits) | slot index [S1].
inline constexpr unsigned kSlotBits = 16;
static_assert(kMaxCaptureThreads <= (std::size_t{1} << kSlotBits));

// Frames a handler may record beyond max_frames: its own frame, the signal
// trampoline and, under TSan, the sanitizer's delivery frames. They are
// trimmed before the slot is published [S5].
inline constexpr std::size_t kSlack = 16;
inline constexpr std::size_t kSlotFrames = kMaxStackFrames + kSlack;

struct alignas(64) Slot {
  // state: Phase and generation, as above. Collector: stores kArmed with
  // release (publishing max_frames), loads with acquire (to read the frames
  // after kDone). Handler: claims kArmed -> kWriting with an acquire CAS
  // (sees max_frames), publishes kDone with a release store.
  std::atomic<std::uint64_t> state{pack(0, Phase::kFree)};
  // Written by the collector before it arms the slot; read by the handler
  // after its claim.
  std::uint32_t max_frames = 0;
  // Written by the handler before kDone; read by the collector after it.
  std::uint32_t num_pcs = 0;
  bool first_exact = false;
  // Collector-only (capture lock): whom the slot was armed for, and with
  // which signal, for the quarantine [S4].
  std::int64_t tid = 0;
  int signal = 0;
};

// Arena: every slot and its frames. Allocated once, never freed [S6]: a
// handler may run arbitrarily late. The frames are left uninitialised so
// that untouched pages cost no memory.
struct Arena {
  Slot slots[kMaxCaptureThreads];
  void* frames[kMaxCaptureThreads * kSlotFrames];

  void** frames_of(std::size_t slot) noexcept { return frames + slot * kSlotFrames; }
};

// ---------------------------------------------------------------------------
// State the handler reads: constant-initialised globals (signal_unwinder.cc),
// so that a signal arriving during static initialisation or destruction
// finds them valid.

// g_arena: set once by the first acquire_signal() (release), loaded by the
// handler (acquire), never reset [S6].
extern std::atomic<Arena*> g_arena;

// g_pid: this process's pid, stored by each capture before it signals
// anything (refreshed after a fork [S11]). Relaxed: the signal is sent after
// the store by the same thread, through the kernel; a stale value would only
// make a handler ignore the signal.
extern std::atomic<pid_t> g_pid;

// g_answers: the collector's futex word. A handler adds 1 (release) after
// publishing kDone and wakes the collector; the collector reads it (acquire)
// before scanning its slots and sleeps only while it is unchanged, so no
// answer is missed.
extern std::atomic<std::uint32_t> g_answers;

inline constexpr int kNumSignals = _NSIG;

// install_handler() installs the capture handler on `signal` (SA_SIGINFO |
// SA_RESTART) and returns the action it replaced, which the handler also
// remembers for chaining foreign signals [S7]. Throws std::system_error if
// sigaction fails. Collector only (under the capture lock).
struct sigaction install_handler(int signal);

}  // namespace knot::instr::detail
