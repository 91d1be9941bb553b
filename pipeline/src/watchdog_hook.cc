// The watchdog's verdict callback for knot-embed (watchdog_hook.h).
#include "watchdog_hook.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "knot/instrumentation/hazards.h"
#include "knot/instrumentation/trace.h"
#include "knot/instrumentation/watchdog.h"
#include "knot/pipeline/store.h"
#include "knot/report/report.h"

namespace knot::pipeline::detail {

namespace {

std::atomic<std::int64_t> g_run_id{0};
// Written before the watchdog starts, read by its thread afterwards
// (start_watchdog's thread creation orders the two).
std::filesystem::path g_db_path;

bool is_fatal(const report::Report& r) {
  if (!r.verdict) {
    return false;
  }
  const std::string& kind = r.verdict->kind;
  return kind == "deadlock" || kind == "self_deadlock" || kind == "pool_exhaustion";
}

void write_stderr(const std::string& text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) {
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void on_verdict(const report::Report& r, const std::string& path) {
  if (!is_fatal(r)) {
    return;
  }
  std::string message = "\nknot-embed: the watchdog found a " + r.verdict->kind +
                        (r.verdict->is_proven ? " (proven)" : " (suspected)") +
                        "; the pipeline cannot finish.\n";
  message += "  report:  " + path + "\n";
  message += "  summary: " + r.summary + "\n";
  for (const std::string& advice : r.advice) {
    message += "  advice:  " + advice + "\n";
  }
  message += "  (render it with: knot-view " + path + ")\n";
  std::fflush(stdout);
  write_stderr(message);
  // Best effort: the writer thread is idle (waiting for results), so the
  // database is free; a short timeout keeps a busy one from delaying exit.
  std::int64_t run_id = g_run_id.load(std::memory_order_relaxed);
  if (run_id != 0) {
    try {
      OpenOptions options;
      options.busy_timeout = std::chrono::milliseconds(200);
      Store store = Store::open(g_db_path, options);
      store.set_run_status(run_id, "deadlock");
    } catch (const std::exception&) {
      // The report and the message above are what matter.
    }
  }
  instr::stop_trace_before_exit();  // KNOT_TRACE: the timeline up to the deadlock
  instr::withdraw_advertisement();  // _Exit runs no handler: knot-dump's file goes now
  std::_Exit(kExitDeadlock);
}

}  // namespace

void start_pipeline_watchdog(const WatchdogHookOptions& options) {
  g_db_path = options.db_path;
  instr::WatchdogOptions wd = instr::options_from_environment();
  wd.interval = options.interval;
  wd.exhaustion_threshold = options.exhaustion_threshold;
  if (!options.report_dir.empty()) {
    wd.report_dir = options.report_dir;
  }
  wd.action = instr::WatchdogAction::kReport;
  wd.callbacks.push_back(on_verdict);
  instr::start_watchdog(wd);
}

void set_current_run(std::int64_t run_id) {
  g_run_id.store(run_id, std::memory_order_relaxed);
}

std::optional<std::string> request_final_report(const std::string& reason) {
  return instr::request_report(reason);
}

void start_hazards(const std::string& report_dir) {
  instr::HazardOptions options;
  options.report_dir = report_dir;
  // Written when the run ends (write_hazards), not at exit: a run that
  // ends in a deadlock leaves by _Exit, with the deadlock's own report.
  options.report_at_exit = false;
  instr::enable_hazards(options);
}

std::vector<std::string> write_hazards() {
  return instr::write_hazard_reports();
}

bool hazards_requested_by_environment() noexcept {
  const char* v = std::getenv("KNOT_HAZARDS");
  return v != nullptr && std::string_view(v) == "1";
}

void stop_pipeline_watchdog() {
  instr::stop_watchdog();
}

}  // namespace knot::pipeline::detail
