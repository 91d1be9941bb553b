// knot-embed's use of knot's watchdog: start it for reprocess with a verdict
// callback that turns a deadlock into a clear message and exit code 3.
//
// The pipeline's threads are stuck when a deadlock verdict arrives, so the
// callback cannot unwind them: it prints the report's path, summary, cycle
// and advice on stderr, marks the run "deadlock" in the runs table (best
// effort, short busy timeout), and ends the process with std::_Exit.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace knot::pipeline::detail {

// kExitDeadlock is knot-embed's exit code after a deadlock verdict.
inline constexpr int kExitDeadlock = 3;

struct WatchdogHookOptions {
  std::string report_dir;  // empty: the watchdog's default (KNOT_REPORT_DIR, ./knot-reports)
  std::filesystem::path db_path;
  std::chrono::milliseconds interval{100};
  // Pool exhaustion is a warning the watchdog raises when every worker of a
  // pool stays parked this long with work queued; knot-embed treats it as
  // fatal, so the threshold stays well above a slow embedding batch.
  std::chrono::milliseconds exhaustion_threshold{10000};
};

// start_pipeline_watchdog() starts knot's watchdog with the verdict callback.
// Throws knot::Error if it cannot start (already running, report folder).
void start_pipeline_watchdog(const WatchdogHookOptions& options);

// set_current_run() tells the callback which runs row to mark.
void set_current_run(std::int64_t run_id);

// request_final_report() asks the watchdog for an on-demand report now.
std::optional<std::string> request_final_report(const std::string& reason);

// stop_pipeline_watchdog() stops it (no-op when not running).
void stop_pipeline_watchdog();

// start_hazards() starts recording potential deadlocks (docs/hazards.md),
// their reports going to `report_dir` (empty: KNOT_REPORT_DIR, else
// ./knot-reports); write_hazards() writes those found (one line each on
// stderr) and returns their paths.
void start_hazards(const std::string& report_dir);
std::vector<std::string> write_hazards();
bool hazards_requested_by_environment() noexcept;

}  // namespace knot::pipeline::detail
