// Negative scenarios (scenario_runner.h): programs that finish. No verdict,
// not even a warning, except a true one that a shape names: a pool
// exhausted for a while by waits on what knot cannot see.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/deadline.h"
#include "scenario_runner.h"

namespace knot::scenarios {
namespace {

using report::Report;

struct Negative {
  const char* policy;
  const char* name;
  int runs;
  const char* allowed_warning;  // a warning this shape may rightly raise, or ""
};

class NegativeScenarioTest : public ::testing::TestWithParam<Negative> {};

TEST_P(NegativeScenarioTest, NoVerdict) {
  const Negative& n = GetParam();
  ScopedPolicy policy(n.policy);
  // 1M park/unpark cycles normally; fewer under the sanitizers.
  const int churn =
      knot::testing::stress_scale(1000000) / (knot::testing::stress_scale(8) == 1 ? 4 : 1);
  ::setenv("KNOT_SCENARIO_CHURN", std::to_string(churn).c_str(), 1);
  for (int run = 0; run < n.runs; ++run) {
    Outcome out = run_scenario(n.name, std::string("negative_") + n.policy + "_" + n.name,
                               /*negative=*/true);
    EXPECT_EQ(out.exit_code, 0) << n.name;
    for (const Report& r : out.reports) {
      ASSERT_TRUE(r.verdict.has_value());
      if (r.verdict->kind == n.allowed_warning && !r.verdict->is_proven)
        continue;
      ADD_FAILURE() << n.name << ": unexpected report: " << r.summary;
    }
  }
}

// foreign_receiver, late_receiver: the pool's workers all wait, with pieces
// queued, on a receiver that a thread knot cannot see holds: a true
// exhaustion warning, never a deadlock. late_latch: no deadlock either,
// though the latch's only counter seen so far waits (an inferred deadlock
// would need 5 s unchanged; the plain thread counts down at 2 s).
INSTANTIATE_TEST_SUITE_P(
    Scenarios, NegativeScenarioTest,
    ::testing::Values(
        Negative{"block", "slow_pipeline", 2, ""}, Negative{"block", "busy_pool", 2, ""},
        Negative{"block", "timed_waits", 2, ""},
        Negative{"block", "foreign_receiver", 2, "pool_exhaustion"},
        Negative{"block", "idle_pools", 1, ""}, Negative{"block", "churn", 1, ""},
        Negative{"block", "late_latch", 1, ""}, Negative{"compensate", "late_latch", 1, ""},
        Negative{"fiber", "late_latch", 1, ""},
        Negative{"block", "late_receiver", 1, "pool_exhaustion"},
        Negative{"compensate", "late_receiver", 1, "pool_exhaustion"},
        Negative{"fiber", "late_receiver", 1, ""}, Negative{"block", "slow_consumer", 1, ""},
        Negative{"compensate", "slow_consumer", 1, ""}, Negative{"fiber", "slow_consumer", 1, ""},
        Negative{"block", "long_computations", 1, ""},
        Negative{"compensate", "long_computations", 1, ""},
        Negative{"fiber", "long_computations", 1, ""}, Negative{"block", "brief_std_mutex", 1, ""},
        Negative{"compensate", "brief_std_mutex", 1, ""},
        Negative{"fiber", "brief_std_mutex", 1, ""}),
    [](const auto& param_info) {
      return std::string(param_info.param.policy) + "_" + param_info.param.name;
    });

}  // namespace
}  // namespace knot::scenarios
