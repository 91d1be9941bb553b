// The watchdog's scenario suite: runs each shape of knot_scenarios in its
// own process (scenario_runner.h) and checks the report it leaves: the
// exact verdict and its certainty, the members of the cycle, the names in
// the narrative and the advice. Negative scenarios (negative_scenarios
// _test.cc) must leave no report. The reports stay under the build folder,
// where the schema test (tests/report) validates every one of them.
//
// This file: the story's pipeline and the classic cycles, and what the
// blocking policies make of them. The new categories of the wait model's
// second edition are in lock_scenarios_test.cc, long_task_scenarios_test.cc
// and inferred_scenarios_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenario_runner.h"

namespace knot::scenarios {
namespace {

using report::Report;

TEST(ScenarioTest, SeedPipelineSharingOnePool) {
  Report r = expect_verdict("seed", "deadlock", "proven");
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "thread 'embed'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "pool 'global'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'processed'")) << r.summary;
  EXPECT_EQ(cycle.front(), "thread 'embed'");
  EXPECT_TRUE(mentions(r.narrative, "stage 'reprocess'")) << r.narrative;
  EXPECT_TRUE(mentions(r.narrative, "channel 'processed'")) << r.narrative;
  // Every thread stuck behind the cycle is named, the workers by pool.
  EXPECT_TRUE(mentions(r.narrative, "thread 'reader'")) << r.narrative;
  // The pool's queue says whose tasks wait there: 'embed' queued its own.
  bool embed_queued = false;
  for (const auto& p : r.pools) {
    for (const auto& q : p.queued_by)
      embed_queued = embed_queued || (p.name == "global" && q.submitter == "thread 'embed'");
  }
  EXPECT_TRUE(embed_queued);
  EXPECT_TRUE(mentions(r.narrative, "of them its own")) << r.narrative;
  // Parked threads carry their wait-site stacks; the channel names its
  // receiver as the one holder, known because it used it.
  const report::Thread* embed = thread_named(r, "embed");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->state, "parked");
  ASSERT_TRUE(embed->wait.has_value());
  EXPECT_EQ(embed->wait->kind, "install");
  EXPECT_EQ(embed->stack_source, "wait_site");
  EXPECT_FALSE(embed->stack.empty());
  bool receiver_known = false;
  for (const auto& res : r.resources) {
    for (const auto& h : res.holders)
      receiver_known = receiver_known || (res.name == "processed" && h.side == "recv" &&
                                          h.holder == "thread 'embed'" && h.basis == "used");
  }
  EXPECT_TRUE(receiver_known);
  // kCompensate would start a spare per blocked sender: not offered.
  EXPECT_TRUE(any_advice(r, "kFiber")) << r.advice.front();
  EXPECT_TRUE(any_advice(r, "kCompensate is no fix here"));
}

// The receiver was moved into a task that waits in the queue behind its
// senders; the thread that moved it waits for the pool. knot cannot see
// where a moved handle went: a deadlock that rests on a named guess about
// the thread that moved it (or whoever it gave the handle to).
TEST(ScenarioTest, ReceiverQueuedBehindItsSenders) {
  Report r = expect_verdict("queued_receiver", "deadlock", "inferred");
  auto cycle = cycle_labels(r);
  ASSERT_GE(cycle.size(), 2u) << r.summary;
  EXPECT_TRUE(contains(cycle, "pool 'p'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'c'")) << r.summary;
  EXPECT_TRUE(mentions(r.narrative, "channel 'c'")) << r.narrative;
  ASSERT_EQ(r.verdict->assumptions.size(), 1u);
  EXPECT_TRUE(mentions(r.verdict->assumptions[0], "whoever it handed the handle to"))
      << r.verdict->assumptions[0];
}

TEST(ScenarioTest, TwoPoolsWaitingOnEachOther) {
  Report r = expect_verdict("two_pools", "deadlock", "proven");
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "pool 'A'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "pool 'B'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'a_to_b'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'b_to_a'")) << r.summary;
}

TEST(ScenarioTest, PoolAndLockAcrossThreads) {
  Report r = expect_verdict("pool_and_lock", "deadlock", "proven");
  auto cycle = cycle_labels(r);
  // The holder waits for its closure, which runs on a worker of 'p' that
  // waits for the lock.
  EXPECT_EQ(cycle.size(), 3u) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'holder'")) << r.summary;
  EXPECT_TRUE(mentions(r.summary, "thread 'p-")) << r.summary;
  EXPECT_TRUE(contains(cycle, "mutex 'state'")) << r.summary;
  const report::Thread* holder = thread_named(r, "holder");
  ASSERT_NE(holder, nullptr);
  EXPECT_FALSE(holder->holds.empty());
  EXPECT_TRUE(any_advice(r, "mutex 'state'"));
}

// expect_pool_latch_cycle() runs a shape whose tasks, on both workers of
// pool 'p', wait on latch 'step' that a task queued behind them counts
// down: the pool's exhaustion, from the pool to the latch.
void expect_pool_latch_cycle(const char* shape) {
  Report r = expect_verdict(shape, "pool_exhaustion", "suspected");
  auto cycle = cycle_labels(r);
  ASSERT_GE(cycle.size(), 2u) << r.summary;
  EXPECT_EQ(cycle.front(), "pool 'p'");
  EXPECT_EQ(cycle.back(), "latch 'step'");
}

// The pieces of a range algorithm take part in the cycle as any join does.
TEST(ScenarioTest, AlgorithmPiecesWaitOnALatchQueuedBehindThem) {
  expect_pool_latch_cycle("algorithm_latch");
}

// find_if's tasks (its pieces handed out in order) likewise.
TEST(ScenarioTest, FindIfTasksWaitOnALatchQueuedBehindThem) {
  expect_pool_latch_cycle("find_if_latch");
}

// A TaskGroup's tasks, and the wait for them, likewise.
TEST(ScenarioTest, TaskGroupTasksWaitOnALatchQueuedBehindThem) {
  expect_pool_latch_cycle("task_group_latch");
}

TEST(ScenarioTest, NestedLatchWaitsOnOnePool) {
  Report r = expect_verdict("nested_latches", "pool_exhaustion", "suspected");
  auto cycle = cycle_labels(r);
  ASSERT_GE(cycle.size(), 2u) << r.summary;
  EXPECT_EQ(cycle.front(), "pool 'p'");
  EXPECT_EQ(cycle.back(), "latch 'step'");
}

TEST(ScenarioTest, ChannelCycleBetweenTwoStages) {
  Report r = expect_verdict("channel_cycle", "deadlock", "proven");
  auto cycle = cycle_labels(r);
  EXPECT_EQ(cycle.size(), 4u) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'left'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'right'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'left_to_right'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'right_to_left'")) << r.summary;
}

TEST(ScenarioTest, SelfDeadlockThroughAStolenTask) {
  Report r = expect_verdict("self_deadlock", "self_deadlock", "proven");
  auto cycle = cycle_labels(r);
  ASSERT_EQ(cycle.size(), 2u) << r.summary;
  EXPECT_EQ(cycle[1], "mutex 'cache'");
  EXPECT_TRUE(mentions(r.narrative, "already holds")) << r.narrative;
  EXPECT_TRUE(any_advice(r, "knot::isolate()"));
}

TEST(ScenarioTest, RelockIsASelfDeadlock) {
  Report r = expect_verdict("relock", "self_deadlock", "proven");
  auto cycle = cycle_labels(r);
  ASSERT_EQ(cycle.size(), 2u) << r.summary;
  EXPECT_EQ(cycle[1], "mutex 'config'");
}

// Under kCompensate and kFiber the shapes that exhaust a pool under kBlock
// finish, as negative scenarios: no report at all, not even a warning.
// kCompensate: a spare thread runs the queued task that wakes the blocked
// workers. kFiber: a task that waits suspends and gives its worker to the
// task that wakes it; there the seed's 20000 pieces suspend one after the
// other while the tokenizer runs, and the self-deadlock through a stolen
// task finishes too, since a join suspends instead of helping, so the
// worker that holds the mutex is never asked to lock it again. (The
// knot-embed pipeline's seed, whose loops are read batches, completes
// under both: tests/pipeline.)
struct PolicyShape {
  const char* policy;
  const char* shape;
};

class ExhaustionUnderPolicyTest : public ::testing::TestWithParam<PolicyShape> {};

TEST_P(ExhaustionUnderPolicyTest, Finishes) {
  ScopedPolicy policy(GetParam().policy);
  const std::string name = GetParam().shape;
  Outcome out = run_scenario(name, std::string(GetParam().policy) + "_" + name, /*negative=*/true);
  EXPECT_EQ(out.exit_code, 0) << name;
  for (const Report& r : out.reports)
    ADD_FAILURE() << name << ": unexpected report: " << r.summary;
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, ExhaustionUnderPolicyTest,
    ::testing::Values(
        PolicyShape{"compensate", "queued_receiver"}, PolicyShape{"compensate", "nested_latches"},
        PolicyShape{"compensate", "algorithm_latch"}, PolicyShape{"fiber", "algorithm_latch"},
        PolicyShape{"compensate", "find_if_latch"}, PolicyShape{"fiber", "find_if_latch"},
        PolicyShape{"compensate", "task_group_latch"}, PolicyShape{"fiber", "task_group_latch"},
        PolicyShape{"compensate", "barrier"}, PolicyShape{"compensate", "unreceived_channel"},
        PolicyShape{"compensate", "received_then_installs"}, PolicyShape{"fiber", "seed"},
        PolicyShape{"fiber", "queued_receiver"}, PolicyShape{"fiber", "nested_latches"},
        PolicyShape{"fiber", "self_deadlock"}, PolicyShape{"fiber", "barrier"},
        PolicyShape{"fiber", "unreceived_channel"}, PolicyShape{"fiber", "received_then_installs"}),
    [](const ::testing::TestParamInfo<PolicyShape>& param) {
      return std::string(param.param.policy) + "_" + param.param.shape;
    });

// What no policy can fix is still reported under kCompensate and kFiber,
// proven: a cycle between two stage threads, and a task relocking its own
// mutex (the mutex names a fiber task as its owner when one holds it).
class CycleUnderPolicyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CycleUnderPolicyTest, IsStillProven) {
  const std::string policy_name = GetParam();
  ScopedPolicy policy(GetParam());
  expect_verdict("channel_cycle", "deadlock", "proven", policy_name + "_channel_cycle");
  Report relock = expect_verdict("relock", "self_deadlock", "proven", policy_name + "_relock");
  auto cycle = cycle_labels(relock);
  ASSERT_EQ(cycle.size(), 2u) << relock.summary;
  EXPECT_EQ(cycle[1], "mutex 'config'");
  // A lock held across an install whose closure runs, stuck on it: the
  // holder waits for that very closure, not for a free worker.
  Report lock =
      expect_verdict("pool_and_lock", "deadlock", "proven", policy_name + "_pool_and_lock");
  EXPECT_TRUE(contains(cycle_labels(lock), "mutex 'state'")) << lock.summary;
  if (policy_name == "fiber") {
    EXPECT_EQ(cycle[0].rfind("fiber task 'p-fiber-", 0), 0u) << cycle[0];
  } else {
    expect_verdict("self_deadlock", "self_deadlock", "proven", "compensate_self_deadlock");
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, CycleUnderPolicyTest, ::testing::Values("compensate", "fiber"),
                         [](const auto& param) { return std::string(param.param); });

// A cycle through two pools under kCompensate and kFiber: each pool keeps
// a free worker (an idle spare, a worker whose tasks suspended), which
// could run a task that some thread knot cannot see might submit, so there
// is no proof, whatever the timing; the watchdog reports the stall once
// nothing progressed for the stall threshold (3 s here).
class PoolCycleUnderPolicyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PoolCycleUnderPolicyTest, IsAStall) {
  const std::string policy_name = GetParam();
  ScopedPolicy policy(GetParam());
  Report r = expect_verdict("two_pools", "stall", "suspected", policy_name + "_two_pools");
  for (const auto& p : r.pools)
    EXPECT_EQ(p.policy, policy_name);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, PoolCycleUnderPolicyTest,
                         ::testing::Values("compensate", "fiber"),
                         [](const auto& param) { return std::string(param.param); });

// The seed's shape with a loop of 20000 pieces, each blocked on one
// consumer: every spare takes another piece and blocks in turn, up to
// max_spares (256). At the limit the pool waits, and the watchdog proves
// the deadlock, counting the spares.
TEST(CompensatedDeadlockTest, SeedExhaustsTheSparesAndIsProven) {
  ScopedPolicy policy("compensate");
  Report r = expect_verdict("seed", "deadlock", "proven", "compensate_seed");
  ASSERT_EQ(r.pools.size(), 1u);
  EXPECT_EQ(r.pools[0].policy, "compensate");
  EXPECT_EQ(r.pools[0].num_spares, 256u);
  std::size_t spares = 0;
  for (const auto& t : r.threads)
    spares += t.role == "spare" ? 1 : 0;
  EXPECT_EQ(spares, 256u);
  EXPECT_TRUE(any_advice(r, "256 spares in use"));
}

}  // namespace
}  // namespace knot::scenarios
