// Scenarios of tasks that never end (scenario_runner.h): a once-flag taken
// again by a task run while its initializer waits, tasks that spin, and
// tasks that block their thread outside knot. Each is a "long_task"
// warning under every policy, naming the thread, whether it is on CPU, and
// who waits behind it.
#include <gtest/gtest.h>

#include <string>

#include "scenario_runner.h"

namespace knot::scenarios {
namespace {

using report::Report;

struct LongTask {
  const char* shape;
  const char* cpu;  // on_cpu or off_cpu
};

class LongTaskScenarioTest : public ::testing::TestWithParam<std::tuple<const char*, LongTask>> {};

TEST_P(LongTaskScenarioTest, IsAWarningNamingTheTaskAndItsWaiters) {
  const std::string policy_name = std::get<0>(GetParam());
  const LongTask& shape = std::get<1>(GetParam());
  ScopedPolicy policy(policy_name.c_str());
  Report r = expect_verdict(shape.shape, "long_task", "suspected", policy_name + "_" + shape.shape);
  const report::Thread* task = nullptr;
  for (const auto& t : r.threads) {
    if (t.task)
      task = &t;
  }
  ASSERT_NE(task, nullptr) << r.summary;
  EXPECT_EQ(task->task->cpu, shape.cpu) << r.summary;
  EXPECT_TRUE(mentions(r.summary, "behind it")) << r.summary;
  if (policy_name == "fiber") {
    EXPECT_TRUE(task->task->fiber.has_value()) << r.summary;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, LongTaskScenarioTest,
    ::testing::Combine(::testing::Values("block", "compensate", "fiber"),
                       ::testing::Values(LongTask{"once_reentry", "off_cpu"},
                                         LongTask{"once_reentry_install", "off_cpu"},
                                         LongTask{"spin_forever", "on_cpu"},
                                         LongTask{"spin_holding_lock", "on_cpu"},
                                         LongTask{"foreign_mutex", "off_cpu"},
                                         LongTask{"foreign_sleep", "off_cpu"})),
    [](const auto& param) {
      return std::string(std::get<0>(param.param)) + "_" + std::get<1>(param.param).shape;
    });

}  // namespace
}  // namespace knot::scenarios
