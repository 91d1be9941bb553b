// knot_scenarios: one small program per shape of the watchdog's scenario
// suite (issue #4; the shapes are in shapes.cc). `knot_scenarios NAME
// REPORT_DIR` forms shape NAME with the watchdog on (20 ms interval). A
// positive scenario never finishes on its own: the watchdog's verdict
// callback ends the process with exit code 86 once the report is written.
// A negative scenario (--negative) runs its workload and exits 0;
// scenarios_test.cc then checks what reports, if any, it left.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "knot/instrumentation/watchdog.h"
#include "shapes.h"

namespace {
using namespace std::chrono_literals;
constexpr int kVerdictExit = 86;
}  // namespace

int main(int argc, char** argv) {
  const auto& scenarios = knot::scenarios::all();
  const bool negative = argc == 4 && std::string(argv[3]) == "--negative";
  if ((argc != 3 && !negative) || scenarios.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: knot_scenarios NAME REPORT_DIR [--negative]\n");
    return 2;
  }
  knot::instr::WatchdogOptions options;
  options.interval = 20ms;
  // Positive scenarios: warnings and inferred verdicts come quickly.
  // Negative ones: the default thresholds, and warnings do not end the run
  // (the test checks them).
  if (!negative) {
    options.exhaustion_threshold = 200ms;
    options.inferred_threshold = 300ms;
    options.long_task_threshold = 300ms;
  }
  options.stall_threshold = 3s;
  options.report_dir = argv[2];
  // KNOT_SCENARIO_DUMP=1: answer knot-dump (to look into a run by hand).
  options.answer_dump_signal = std::getenv("KNOT_SCENARIO_DUMP") != nullptr;
  // KNOT_SCENARIO_UNTIL: a positive run ends at the first report of this
  // kind (earlier warnings stay in the folder); unset, at the first one.
  const char* until_env = std::getenv("KNOT_SCENARIO_UNTIL");
  const std::string until = until_env != nullptr ? until_env : "";
  options.callbacks.push_back(
      [negative, until](const knot::report::Report& r, const std::string& path) {
        std::printf("verdict %s %s\n", r.verdict ? r.verdict->kind.c_str() : "-", path.c_str());
        std::fflush(stdout);
        const bool is_awaited = until.empty() || (r.verdict && r.verdict->kind == until);
        if ((!negative && is_awaited) || (negative && r.verdict && r.verdict->is_proven))
          std::_Exit(kVerdictExit);
      });
  knot::instr::start_watchdog(options);
  scenarios.at(argv[1])();
  knot::instr::stop_watchdog();
  return 0;
}
