// Stack capture: the program counters of the calling thread, or of other
// threads of this process, without symbolizing them.
//
//   capture_current()  the calling thread's stack; async-signal-safe, no allocation
//   PcKind             whether a stack's first pc is exact or a return address
//   CaptureStatus      what happened to one thread of a capture
//   ThreadStack        one thread's result: tid, status, pcs
//   StackCapture       signals chosen threads and collects their stacks, with a timeout
//
// Capture and symbolization are separate (as in abseil's stacktrace.h and
// symbolize.h): this file only produces addresses; `Symbolizer`
// (symbolizer.h, knot::symbolize) turns them into names later, off the
// signal path. The handler/collector protocol, the signal choice and the
// races it handles are described in instrumentation/src/README.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "knot/symbolize/frame.h"

namespace knot::instr {

// kMaxStackFrames is the most frames any capture records.
inline constexpr std::size_t kMaxStackFrames = 256;

// kMaxCaptureThreads is the most threads one StackCapture::capture() call
// signals (the size of the process-wide slot arena).
inline constexpr std::size_t kMaxCaptureThreads = 512;

// capture_current() stores up to `max` program counters of the calling
// thread's stack into `pcs` and returns how many it stored. pcs[0] is the
// return address into the function that called capture_current() (so a
// PcKind::kReturnAddress stack); `skip` drops that many more frames first.
// At most kMaxStackFrames frames are recorded in all (skipped ones count).
//
// Async-signal-safe and allocation-free (it calls libunwind's unw_backtrace
// into a stack buffer of kMaxStackFrames + 1 pointers), so it may run in a
// signal handler and on the parking path; a capture signal that interrupts
// it is handled (instrumentation/src/README.md [S9]). The first call in the
// process initialises libunwind (a pthread_once), and the first call on a
// thread creates its unwind cache (mmap); constructing a StackCapture does
// the former early. Costs about 300 ns for 25 frames on the development
// machine once the thread's cache is warm.
std::size_t capture_current(std::uintptr_t* pcs, std::size_t max, std::size_t skip = 0) noexcept;

// PcKind says what the first pc of a stack is (kExact: the instruction a
// signal interrupted; kReturnAddress otherwise). Every later pc is a
// return address. It is the symbolizer's type (knot/symbolize/frame.h),
// so that a captured stack goes to it as it is.
using PcKind = knot::symbolize::PcKind;

// CaptureStatus says what happened to one thread of a StackCapture::capture()
// call. Every status is final for that call; the collector alone sets it.
enum class CaptureStatus : std::uint8_t {
  // kCaptured: `pcs` holds the thread's stack, innermost frame first.
  kCaptured,
  // kUnresponsive: the thread exists but did not answer before the timeout:
  // it blocks the signal, or it is stopped, or (under ThreadSanitizer) it
  // sits in a system call where TSan cannot deliver the signal. A thread
  // that still has not taken the signal of an earlier capture is reported
  // at once and not signalled again (README [S4]).
  kUnresponsive,
  // kExited: the thread no longer exists (it had exited before the capture,
  // or exited before it could answer).
  kExited,
  // kSkipped: not attempted: the tid is not positive, the call passed more
  // than Options::max_threads tids, or no free slot was left (README [S4]).
  kSkipped,
  // kFailed: the signal could not be sent for another reason; `error` holds
  // the errno (EAGAIN: the real-time signal queue limit, RLIMIT_SIGPENDING).
  kFailed,
};

// to_string() names a status ("captured", "unresponsive", ...).
const char* to_string(CaptureStatus status) noexcept;

// ThreadStack is one thread's result of a capture.
struct ThreadStack {
  std::int64_t tid = 0;
  CaptureStatus status = CaptureStatus::kSkipped;
  // What pcs[0] is; pass it to Symbolizer::symbolize().
  PcKind first_pc = PcKind::kReturnAddress;
  // Innermost frame first; empty unless status is kCaptured.
  std::vector<std::uintptr_t> pcs{};
  // errno for kFailed, else 0.
  int error = 0;
};

// StackCapture captures the stacks of chosen threads of this process: it
// sends each one a real-time signal whose handler unwinds the interrupted
// stack (libunwind's unw_backtrace) into a preallocated slot, and collects
// the slots until all answered or the timeout passed. The handler allocates
// nothing, takes no lock and preserves errno.
//
// Construction installs the signal handler (SA_SIGINFO | SA_RESTART), saving
// the previous action; destroying the last StackCapture restores it, unless
// a thread still holds an unanswered signal (README [S6]). Instances may
// coexist if they use the same signal. Captures are serialized process-wide:
// capture() may be called from any thread, and a second caller waits for the
// first to finish.
class StackCapture {
 public:
  // Options configures a StackCapture; every field has a usable default.
  struct Options {
    // The signal to use. 0 means: the KNOT_STACK_SIGNAL environment
    // variable ("37", "SIGRTMIN+3" or "RTMIN+3") if set, else SIGRTMIN+3.
    // Must be a real-time signal (SIGRTMIN..SIGRTMAX) that nothing else in
    // the process uses.
    int signal = 0;
    // How long one capture() waits for answers in all. Generous by default:
    // a busy thread answers within a scheduling quantum, but a loaded
    // machine or a sanitizer may delay it.
    std::chrono::milliseconds timeout{200};
    // The most frames recorded per thread, 1..kMaxStackFrames.
    std::size_t max_frames = 64;
    // The most threads one capture() signals, 1..kMaxCaptureThreads; tids
    // past it are reported kSkipped.
    std::size_t max_threads = 256;
  };

  // StackCapture() validates `options`, resolves the signal and installs the
  // handler. Throws knot::Error (Errc::kInvalidOption) for an out-of-range
  // option, an invalid KNOT_STACK_SIGNAL, or a signal other than the one a
  // live StackCapture already uses; std::system_error if sigaction fails.
  StackCapture();
  explicit StackCapture(Options options);
  ~StackCapture();
  StackCapture(const StackCapture&) = delete;
  StackCapture& operator=(const StackCapture&) = delete;

  // capture() returns one ThreadStack per entry of `tids` (Linux thread ids
  // of this process, as gettid() returns them), in the same order. The
  // calling thread, if listed, captures itself directly. Blocks for at most
  // about Options::timeout plus a short grace for threads that are still
  // unwinding at the deadline. Any thread; serialized process-wide; never
  // call it from a signal handler. Allocates only the result.
  std::vector<ThreadStack> capture(std::span<const std::int64_t> tids);

  // options() are the resolved options (signal is never 0 here).
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace knot::instr
