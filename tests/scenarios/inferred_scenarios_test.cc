// Scenarios whose deadlock rests on who may still act (scenario_runner.h):
// knot reports them as inferred, never proven, and says what it assumed.
#include <gtest/gtest.h>

#include <string>

#include "scenario_runner.h"

namespace knot::scenarios {
namespace {

using report::Report;

// The main thread made the receiver and has not used it: it may have given
// it to a thread knot does not see.
TEST(InferredScenarioTest, AReceiverNotUsedYet) {
  Report r = expect_verdict("unreceived_channel", "deadlock", "inferred");
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "pool 'p'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'results'")) << r.summary;
  ASSERT_EQ(r.verdict->assumptions.size(), 1u);
  EXPECT_TRUE(mentions(r.verdict->assumptions[0], "nobody has used it since"))
      << r.verdict->assumptions[0];
  EXPECT_TRUE(mentions(r.narrative, "If ")) << r.narrative;
  EXPECT_TRUE(mentions(r.summary, "(inferred)")) << r.summary;
}

// Once it received, it is known to hold the receiver: proven.
TEST(InferredScenarioTest, AReceiverUsedOnceIsKnown) {
  Report r = expect_verdict("received_then_installs", "deadlock", "proven");
  EXPECT_TRUE(contains(cycle_labels(r), "channel 'results'")) << r.summary;
}

// oneTBB #1316: a rendezvous of four on a pool of two.
TEST(InferredScenarioTest, ABarrierNeedingMoreParticipantsThanWorkers) {
  Report r = expect_verdict("barrier", "deadlock", "inferred");
  EXPECT_TRUE(contains(cycle_labels(r), "latch 'barrier'")) << r.summary;
  EXPECT_TRUE(any_advice(r, "rendezvous of 4 participants")) << r.advice.front();
  EXPECT_TRUE(any_advice(r, "at least 4 workers"));
}

}  // namespace
}  // namespace knot::scenarios
