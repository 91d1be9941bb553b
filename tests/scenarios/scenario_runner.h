// Running the scenario program (scenario_programs.cc) from a test: each
// shape in its own process (a deadlocked process cannot be cleaned up),
// with a timeout, and the reports it leaves. Shared by the scenario test
// files (one per category of shapes).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "knot/report/report.h"

namespace knot::scenarios {

inline constexpr int kVerdictExit = 86;

struct Outcome {
  int exit_code = -1;  // -1: killed after the timeout
  std::vector<report::Report> reports;
  double seconds = 0;
};

// run_scenario() runs shape `name` under the blocking policy set with
// ScopedPolicy (block by default), its reports in folder `dir_name`.
// `until`: a positive run ends at the first report of that verdict kind
// (empty: at the first report). Negative runs end by themselves.
Outcome run_scenario(const std::string& name, const std::string& dir_name, bool negative = false,
                     const std::string& until = "",
                     std::chrono::seconds timeout = std::chrono::seconds(120));

// expect_verdict() runs a positive shape until a report of `kind` and
// returns it, checking its certainty ("proven", "inferred", "suspected"),
// that it says what it must (summary, narrative, advice, schema), and that
// any report before it was a warning.
report::Report expect_verdict(const std::string& name, const std::string& kind,
                              const std::string& certainty, const std::string& dir_name = "");

// ScopedPolicy sets KNOT_SCENARIO_POLICY for the scenario programs it starts.
class ScopedPolicy {
 public:
  explicit ScopedPolicy(const char* policy);
  ~ScopedPolicy();
  ScopedPolicy(const ScopedPolicy&) = delete;
  ScopedPolicy& operator=(const ScopedPolicy&) = delete;
};

// The labels of a report's cycle, and whether a list contains a string.
std::string label_of(const report::Report& r, const std::string& id);
std::vector<std::string> cycle_labels(const report::Report& r);
inline bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
inline bool mentions(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}
// any_advice() is true if one piece of advice mentions `what`.
bool any_advice(const report::Report& r, const std::string& what);
// thread_named() is the report's thread called `name`, or null.
const report::Thread* thread_named(const report::Report& r, const std::string& name);

}  // namespace knot::scenarios
