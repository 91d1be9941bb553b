// Asking a live process for a report: knot-dump's protocol, without the
// command line or the rendering.
//
//   RequestOptions     which process, how long to wait
//   RequestOutcome     the report and its file, or the failure and its code
//   request_report()   probe, find the advertisement, signal, wait, read
//
// The steps (docs/tools.md, "knot-dump"):
//   1. the process must exist                      else kExitNoProcess
//   2. it must advertise a knot watchdog           else kExitNoWatchdog
//   3. refuse a report folder that others could write to (or swap; report::
//      report_dir_problem())                       else kExitFailure;
//      note the reports already in it
//   4. send the advertised signal                  EPERM: kExitPermission
//   5. poll the folder for a new report of kind "on_demand" whose
//      process.pid is the target's, until the timeout   else kExitTimeout
// Reports of other kinds or other processes that appear meanwhile are
// skipped, and so is any file that is a link, is not owned by the
// process's owner, or was written before the signal was sent. If the
// process exits while we wait, that is kExitNoProcess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "knot/report/report.h"
#include "knot/report/report_json.h"

namespace knot::dump {

// Exit codes of knot-dump (0, 1 and 2 mean what they mean for knot-view and
// knot-embed: 2 is always a usage error).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;     // the report folder could not be read or is not
                                           // trusted, the signal not sent, or the output
                                           // not written
inline constexpr int kExitUsage = 2;       // bad arguments
inline constexpr int kExitNoProcess = 3;   // no such process, or it exited while we waited
inline constexpr int kExitNoWatchdog = 4;  // it does not advertise a (usable) knot watchdog
inline constexpr int kExitPermission = 5;  // we may not signal it or read its files
inline constexpr int kExitTimeout = 6;     // it did not answer within the timeout

// RequestOptions says which process to ask and how long to wait.
struct RequestOptions {
  pid_t pid = 0;  // > 0
  std::chrono::milliseconds timeout{10'000};
  // How often the report folder is listed while waiting.
  std::chrono::milliseconds poll_interval{20};
  // This environment's XDG_RUNTIME_DIR (nullptr when unset).
  const char* xdg_runtime_dir = nullptr;
};

// RequestOutcome is the report asked for, or the failure, with its exit
// code.
struct RequestOutcome {
  int exit_code = kExitOk;
  // On failure: what went wrong, one or more lines without the program
  // name ("process 42 does not run a knot watchdog ...").
  std::vector<std::string> errors;
  // On success: the report, the file it came from, and what the tolerant
  // reader warned about.
  std::optional<knot::report::Report> report;
  std::string path;
  std::vector<knot::report::Diagnostic> diagnostics;
};

// request_report() runs the steps above. Blocks for at most about
// `timeout` (plus one poll interval); never throws.
RequestOutcome request_report(const RequestOptions& options);

}  // namespace knot::dump
