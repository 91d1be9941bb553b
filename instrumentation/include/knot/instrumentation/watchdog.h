// The watchdog: a thread that watches every knot pool and primitive,
// detects deadlocks and pool exhaustion while the program runs, and writes
// JSON reports (docs/detection.md, docs/report-schema.md).
//
//   WatchdogOptions   interval, thresholds, report folder, action, callbacks
//   start_watchdog()  starts it (once per process; again after stop)
//   stop_watchdog()   stops it and waits for its thread
//   watchdog_running()
//   request_report()  an on-demand report, written now
//   VerdictCallback   called with each report the watchdog writes
//
// A program linked with knot::instrumentation also starts the watchdog
// when the environment says KNOT_WATCHDOG=1 (before main, with options
// read from the environment: KNOT_WATCHDOG_INTERVAL_MS, KNOT_REPORT_DIR,
// KNOT_WATCHDOG_ACTION=report|abort|exit, KNOT_WATCHDOG_EXIT_CODE,
// KNOT_HAZARDS=1).
//
// While it runs, the watchdog also answers a signal (KNOT_DUMP_SIGNAL,
// default SIGRTMIN+4) with an on-demand report, and advertises itself for
// knot-dump in `$XDG_RUNTIME_DIR/knot` (or `/tmp/knot-<uid>`) as
// `<pid>.json` (knot/report/advertisement.h), mode 0600, removed on stop
// and before the exit and abort actions. At start it removes the
// advertisements and report temporaries that dead processes of this user
// left there and in the report folder, and warns (one line on stderr) if
// others may write to the report folder: knot-dump refuses such a folder.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "knot/report/report.h"

namespace knot::instr {

// WatchdogAction is what happens after a verdict's report is written.
enum class WatchdogAction {
  kReport,  // report and continue; each distinct deadlock is reported once
  kAbort,   // print the narrative on stderr and abort() (like Go's fatal error)
  kExit,    // print the narrative on stderr and _exit(exit_code)
};

// VerdictCallback receives each report the watchdog wrote and its path. It
// runs on the watchdog thread, after the file is written and before the
// action; it must not wait for knot work.
using VerdictCallback = std::function<void(const report::Report&, const std::string& path)>;

struct WatchdogOptions {
  // How often the watchdog scans when nothing triggers it sooner.
  std::chrono::milliseconds interval{100};
  // Pool exhaustion (a warning): every worker waiting this long while work
  // is queued, and nothing knot can see would wake them.
  std::chrono::milliseconds exhaustion_threshold{1000};
  // Stall (a warning): no progress anywhere in knot for this long while
  // some thread waits.
  std::chrono::milliseconds stall_threshold{10000};
  // Inferred deadlock: a cycle that rests on a guess (who will count a
  // latch down, who holds a handle that was never used) is reported once
  // it stayed unchanged, with no progress, for this long.
  std::chrono::milliseconds inferred_threshold{5000};
  // Long task (a warning): one task has run for this long (blocked outside
  // knot, or computing) while some thread waits behind it.
  std::chrono::milliseconds long_task_threshold{3000};
  // Where reports go; empty: $KNOT_REPORT_DIR, else "knot-reports" in the
  // current directory. Created (mode 0700) if missing.
  std::string report_dir{};
  WatchdogAction action = WatchdogAction::kReport;
  int exit_code = 86;
  // Capture the stacks of running threads involved in a verdict (signals).
  bool capture_stacks = true;
  // Answer KNOT_DUMP_SIGNAL with an on-demand report and advertise for knot-dump.
  bool answer_dump_signal = true;
  // Track potential deadlocks too (knot/instrumentation/hazards.h;
  // KNOT_HAZARDS=1): their reports go into this report folder, at exit and
  // with every on-demand report (knot-dump's included).
  bool hazards = false;
  std::vector<VerdictCallback> callbacks{};
};

// options_from_environment() is WatchdogOptions with the KNOT_* variables
// above applied.
WatchdogOptions options_from_environment();

// start_watchdog() enables the instrumentation and starts the watchdog
// thread. Throws knot::Error if it is already running or the report folder
// cannot be created. A watchdog that KNOT_WATCHDOG=1 started is replaced:
// the program's own options win.
void start_watchdog(const WatchdogOptions& options = options_from_environment());

// stop_watchdog() stops the watchdog thread and waits for it. No-op when
// it is not running.
void stop_watchdog();

bool watchdog_running() noexcept;

// withdraw_advertisement() removes this process's knot-dump advertisement
// now, for a program about to leave by _Exit() or abort(), which run no
// exit handler (knot-embed's deadlock exit does, from a VerdictCallback).
// The watchdog keeps running; only knot-dump no longer finds it. Call it
// from a VerdictCallback or while the watchdog runs; a no-op when it does
// not, and the second time. Takes no lock.
void withdraw_advertisement() noexcept;

// request_report() writes an on-demand report (verdict kind "on_demand",
// with whatever the detector finds at this moment) and returns its path;
// nullopt if the watchdog is not running. `reason` goes into the narrative.
std::optional<std::string> request_report(const std::string& reason = "requested by the program");

}  // namespace knot::instr
