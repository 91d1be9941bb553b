// What knot-dump learns about the target process from the kernel, without
// touching it: whether it exists, who owns it, when it started.
//
//   ProcessProbe    the answer: alive, missing or exited; owner; start time
//   probe_process() asks kill(pid, 0) and /proc/<pid>
//
// Linux only (/proc). Sends no signal (signal 0 only checks), takes no lock.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace knot::dump {

// ProcessProbe is what probe_process() learned about one process.
struct ProcessProbe {
  enum class Status {
    kAlive,    // the process exists (we may or may not be allowed to signal it)
    kMissing,  // no such process (ESRCH)
    kExited,   // a zombie: it has exited, its parent has not reaped it yet
  };
  Status status = Status::kMissing;
  // Whether kill(pid, 0) succeeded, i.e. we may signal the process.
  bool is_signalable = false;
  // The process's real owner (owner of /proc/<pid>), when /proc says.
  std::optional<uid_t> uid;
  // When the process started, on the system clock, when /proc says; exact
  // to about a clock tick (10 ms).
  std::optional<std::chrono::system_clock::time_point> start_time;
};

// probe_process() looks at process `pid` (which must be > 0: 0 and negative
// values name process groups for kill(), and are refused by the caller).
ProcessProbe probe_process(pid_t pid);

}  // namespace knot::dump
