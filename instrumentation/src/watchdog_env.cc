// The watchdog's environment (docs/detection.md, "Starting it"): the
// KNOT_WATCHDOG_* variables, and KNOT_WATCHDOG=1, which starts it before
// main() in any program linked with knot::instrumentation.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "env_number.h"
#include "knot/instrumentation/hazards.h"
#include "knot/instrumentation/watchdog.h"
#include "knot/runtime/error.h"
#include "watchdog_start.h"

// Referenced by the link option that knot::instrumentation carries, so that
// this object (and with it the KNOT_WATCHDOG start below, and the watchdog)
// is always linked in.
extern "C" {
int knot_watchdog_anchor = 0;
}

namespace knot::instr {

namespace {
bool env_is_one(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, "1") == 0;
}
}  // namespace

WatchdogOptions options_from_environment() {
  WatchdogOptions o;
  o.interval = std::chrono::milliseconds(detail::env_number("KNOT_WATCHDOG_INTERVAL_MS", 100, 1));
  o.exhaustion_threshold = std::chrono::milliseconds(
      detail::env_number("KNOT_WATCHDOG_EXHAUSTION_MS", o.exhaustion_threshold.count(), 0));
  o.stall_threshold = std::chrono::milliseconds(
      detail::env_number("KNOT_WATCHDOG_STALL_MS", o.stall_threshold.count(), 0));
  o.inferred_threshold = std::chrono::milliseconds(
      detail::env_number("KNOT_WATCHDOG_INFERRED_MS", o.inferred_threshold.count(), 0));
  o.long_task_threshold = std::chrono::milliseconds(
      detail::env_number("KNOT_WATCHDOG_LONG_TASK_MS", o.long_task_threshold.count(), 0));
  if (const char* dir = std::getenv("KNOT_REPORT_DIR"))
    o.report_dir = dir;
  if (const char* action = std::getenv("KNOT_WATCHDOG_ACTION")) {
    const std::string a = action;
    if (a == "report") {
      o.action = WatchdogAction::kReport;
    } else if (a == "abort") {
      o.action = WatchdogAction::kAbort;
    } else if (a == "exit") {
      o.action = WatchdogAction::kExit;
    } else if (!a.empty()) {
      throw Error(Errc::kInvalidOption,
                  "KNOT_WATCHDOG_ACTION: '" + a + "' is not one of report, abort, exit");
    }
  }
  o.exit_code = static_cast<int>(detail::env_number("KNOT_WATCHDOG_EXIT_CODE", o.exit_code, 0));
  o.hazards = env_is_one("KNOT_HAZARDS");
  return o;
}

namespace {

// KNOT_WATCHDOG=1 starts the watchdog before main(); KNOT_HAZARDS=1 starts
// hazard tracking (with or without the watchdog).
struct AutoStart {
  AutoStart() {
    if (env_is_one("KNOT_HAZARDS")) {
      try {
        enable_hazards();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "knot: KNOT_HAZARDS=1 but hazard tracking cannot start: %s\n",
                     e.what());
      }
    }
    const char* v = std::getenv("KNOT_WATCHDOG");
    if (v == nullptr || std::strcmp(v, "1") != 0)
      return;
    try {
      detail::start_watchdog_from_environment();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "knot: KNOT_WATCHDOG=1 but the watchdog cannot start: %s\n", e.what());
    }
  }
};
const AutoStart g_auto_start;

}  // namespace

}  // namespace knot::instr
