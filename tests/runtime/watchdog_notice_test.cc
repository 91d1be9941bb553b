// A program that sets KNOT_WATCHDOG but links only knot::runtime gets one
// line saying that no watchdog runs (runtime/src/watchdog_presence.cc), no
// matter how many pools it makes; without the variable it gets nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/child_process.h"

namespace {

using knot::testing::ChildProcess;

struct Outcome {
  std::optional<int> exit_code;
  std::string err;
};

Outcome run_program(const std::vector<std::string>& env) {
  ChildProcess child = ChildProcess::start({KNOT_WATCHDOG_NOTICE_PROGRAM}, env);
  Outcome run;
  run.exit_code = child.wait(std::chrono::seconds(60));
  run.err = child.err();
  return run;
}

// KNOT_WATCHDOG=1 without the instrumentation: exactly one line, which
// names the variable and the library to link.
TEST(WatchdogNoticeTest, SetWithoutInstrumentationPrintsOneLine) {
  const Outcome run = run_program({"KNOT_WATCHDOG=1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_EQ(run.err.rfind("knot: KNOT_WATCHDOG is set", 0), 0u) << run.err;
  EXPECT_NE(run.err.find("knot::instrumentation"), std::string::npos) << run.err;
}

// Unset, empty or "0": the program asked for no watchdog, and hears nothing.
TEST(WatchdogNoticeTest, UnsetEmptyOrZeroPrintsNothing) {
  for (const std::vector<std::string>& env :
       {std::vector<std::string>{}, std::vector<std::string>{"KNOT_WATCHDOG="},
        std::vector<std::string>{"KNOT_WATCHDOG=0"}}) {
    const Outcome run = run_program(env);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err, "");
  }
}

}  // namespace
