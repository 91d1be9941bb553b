// The collector half of stack capture: installs the capture signal's
// handler for its users, signals threads, and waits for their answers with a
// deadline. The protocol and the races it handles ([S1]..[S12]) are in
// README.md next to this file; StackCapture (stack_capture.cc) is its only
// caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "knot/instrumentation/stack_capture.h"

namespace knot::instr::detail {

// acquire_signal() makes `signal` the capture signal and installs the
// handler on it if needed (saving the previous action), for one more user.
// Throws knot::Error(kInvalidOption) if a live user holds another signal,
// std::system_error if sigaction fails. Any thread; takes the capture lock.
void acquire_signal(int signal);

// release_signal() drops one user; the last one restores the previous action
// unless a thread may still take one of our signals later [S6]. Any thread;
// takes the capture lock, so it waits for a running capture.
void release_signal() noexcept;

// CaptureParams are the resolved options of one capture.
struct CaptureParams {
  int signal = 0;
  std::chrono::nanoseconds timeout{0};
  std::size_t max_frames = 0;
  std::size_t max_threads = 0;
};

// capture_threads() fills `out[i]` for `tids[i]` (out.size() == tids.size(),
// each entry default-constructed). Holds the capture lock throughout; see
// README.md "The capture protocol". Never call from a signal handler.
void capture_threads(const CaptureParams& params, std::span<const std::int64_t> tids,
                     std::span<ThreadStack> out);

}  // namespace knot::instr::detail
