// The watchdog's scenario suite: runs each shape of knot_scenarios in its
// own process (a deadlocked process cannot be cleaned up), with a timeout,
// and checks the report it leaves: the exact verdict, the members of the
// cycle, the names in the narrative. Negative scenarios must leave no
// report. The reports stay under the build folder, where the schema test
// (tests/report) validates every one of them.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/report/report_file.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using knot::report::Report;

constexpr int kVerdictExit = 86;

struct Outcome {
  int exit_code = -1;  // -1: killed after the timeout
  std::vector<Report> reports;
  double seconds = 0;
};

Outcome run_scenario(const std::string& name, const std::string& dir_name, bool negative = false,
                     std::chrono::seconds timeout = std::chrono::seconds(120)) {
  const fs::path dir = fs::path(KNOT_SCENARIO_REPORTS) / dir_name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  std::string program = KNOT_SCENARIO_PROGRAM;
  std::string dir_text = dir.string();
  std::string flag = "--negative";
  char* argv[] = {program.data(), const_cast<char*>(name.c_str()), dir_text.data(),
                  negative ? flag.data() : nullptr, nullptr};
  pid_t pid = 0;
  Outcome out;
  const auto start = std::chrono::steady_clock::now();
  if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, environ) != 0) {
    ADD_FAILURE() << "cannot start " << program;
    return out;
  }
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "scenario " << name << " did not end within " << timeout.count() << " s";
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (fs::exists(dir)) {
    for (const auto& entry : knot::report::list_report_files(dir.string())) {
      auto parsed = knot::report::read_report_file(entry.path);
      if (parsed.report)
        out.reports.push_back(std::move(*parsed.report));
      else
        ADD_FAILURE() << "unreadable report " << entry.path;
    }
  }
  return out;
}

// Reports of an earlier run (or an earlier version) must not reach the
// schema test that validates this run's reports: start from an empty folder.
class EmptyReportFolder : public ::testing::Environment {
 public:
  void SetUp() override { fs::remove_all(KNOT_SCENARIO_REPORTS); }
};
const ::testing::Environment* const kEmptyReportFolder =
    ::testing::AddGlobalTestEnvironment(new EmptyReportFolder);

std::string label_of(const Report& r, const std::string& id) {
  for (const auto& n : r.graph.nodes) {
    if (n.id == id)
      return n.label;
  }
  return "?" + id;
}

std::vector<std::string> cycle_labels(const Report& r) {
  std::vector<std::string> labels;
  for (const auto& id : r.cycle)
    labels.push_back(label_of(r, id));
  return labels;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// expect_verdict() runs a positive scenario and returns its one report.
Report expect_verdict(const std::string& name, const std::string& kind, bool proven,
                      const std::string& dir_name = "") {
  Outcome out = run_scenario(name, dir_name.empty() ? name : dir_name);
  EXPECT_EQ(out.exit_code, kVerdictExit) << name;
  if (out.reports.size() != 1) {
    ADD_FAILURE() << name << ": expected one report, found " << out.reports.size();
    return {};
  }
  const Report& r = out.reports.front();
  EXPECT_TRUE(r.verdict.has_value());
  if (r.verdict) {
    EXPECT_EQ(r.verdict->kind, kind) << r.summary;
    EXPECT_EQ(r.verdict->is_proven, proven) << r.summary;
  }
  EXPECT_FALSE(r.summary.empty());
  EXPECT_FALSE(r.narrative.empty());
  EXPECT_FALSE(r.advice.empty());
  EXPECT_EQ(r.schema, "knot.report/1");
  return r;
}

TEST(ScenarioTest, SeedPipelineSharingOnePool) {
  Report r = expect_verdict("seed", "deadlock", true);
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "thread 'embed'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "pool 'global'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'processed'")) << r.summary;
  EXPECT_EQ(cycle.front(), "thread 'embed'");
  EXPECT_NE(r.narrative.find("stage 'reprocess'"), std::string::npos) << r.narrative;
  EXPECT_NE(r.narrative.find("channel 'processed'"), std::string::npos) << r.narrative;
  EXPECT_NE(r.narrative.find("thread 'embed'"), std::string::npos) << r.narrative;
  EXPECT_NE(r.narrative.find("thread 'reader'"), std::string::npos) << "behind the cycle";
  // The pool's queue says whose tasks wait there: 'embed' queued its own.
  bool embed_queued = false;
  for (const auto& p : r.pools) {
    for (const auto& q : p.queued_by)
      embed_queued = embed_queued || (p.name == "global" && q.submitter == "thread 'embed'");
  }
  EXPECT_TRUE(embed_queued);
  EXPECT_NE(r.narrative.find("of them its own"), std::string::npos) << r.narrative;
  // Parked threads carry their wait-site stacks.
  bool embed_has_stack = false;
  for (const auto& t : r.threads) {
    if (t.name == "embed") {
      EXPECT_EQ(t.state, "parked");
      ASSERT_TRUE(t.wait.has_value());
      EXPECT_EQ(t.wait->kind, "install");
      embed_has_stack = t.stack_source == "wait_site" && !t.stack.empty();
    }
  }
  EXPECT_TRUE(embed_has_stack);
}

TEST(ScenarioTest, ReceiverQueuedBehindItsSenders) {
  Report r = expect_verdict("queued_receiver", "pool_exhaustion", false);
  EXPECT_EQ(cycle_labels(r), std::vector<std::string>{"pool 'p'"});
  EXPECT_NE(r.narrative.find("channel 'c'"), std::string::npos) << r.narrative;
}

TEST(ScenarioTest, TwoPoolsWaitingOnEachOther) {
  Report r = expect_verdict("two_pools", "deadlock", true);
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "pool 'A'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "pool 'B'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'a_to_b'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'b_to_a'")) << r.summary;
}

TEST(ScenarioTest, PoolAndLockAcrossThreads) {
  Report r = expect_verdict("pool_and_lock", "deadlock", true);
  auto cycle = cycle_labels(r);
  EXPECT_EQ(cycle.size(), 3u) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'holder'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "pool 'p'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "mutex 'state'")) << r.summary;
  bool holder_holds = false;
  for (const auto& t : r.threads)
    holder_holds = holder_holds || (t.name == "holder" && !t.holds.empty());
  EXPECT_TRUE(holder_holds);
}

TEST(ScenarioTest, NestedLatchWaitsOnOnePool) {
  Report r = expect_verdict("nested_latches", "pool_exhaustion", false);
  EXPECT_EQ(cycle_labels(r), std::vector<std::string>{"pool 'p'"});
  EXPECT_NE(r.narrative.find("latch 'step'"), std::string::npos) << r.narrative;
}

TEST(ScenarioTest, ChannelCycleBetweenTwoStages) {
  Report r = expect_verdict("channel_cycle", "deadlock", true);
  auto cycle = cycle_labels(r);
  EXPECT_EQ(cycle.size(), 4u) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'left'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'right'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'left_to_right'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "channel 'right_to_left'")) << r.summary;
}

TEST(ScenarioTest, SelfDeadlockThroughAStolenTask) {
  Report r = expect_verdict("self_deadlock", "self_deadlock", true);
  auto cycle = cycle_labels(r);
  ASSERT_EQ(cycle.size(), 2u) << r.summary;
  EXPECT_EQ(cycle[1], "mutex 'cache'");
  EXPECT_NE(r.narrative.find("already holds"), std::string::npos) << r.narrative;
}

TEST(ScenarioTest, RelockIsASelfDeadlock) {
  Report r = expect_verdict("relock", "self_deadlock", true);
  auto cycle = cycle_labels(r);
  ASSERT_EQ(cycle.size(), 2u) << r.summary;
  EXPECT_EQ(cycle[1], "mutex 'config'");
}

// ScopedPolicy sets KNOT_SCENARIO_POLICY for the scenario programs it starts.
class ScopedPolicy {
 public:
  explicit ScopedPolicy(const char* policy) { ::setenv("KNOT_SCENARIO_POLICY", policy, 1); }
  ~ScopedPolicy() { ::unsetenv("KNOT_SCENARIO_POLICY"); }
  ScopedPolicy(const ScopedPolicy&) = delete;
  ScopedPolicy& operator=(const ScopedPolicy&) = delete;
};

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

INSTANTIATE_TEST_SUITE_P(Scenarios, ExhaustionUnderPolicyTest,
                         ::testing::Values(PolicyShape{"compensate", "queued_receiver"},
                                           PolicyShape{"compensate", "nested_latches"},
                                           PolicyShape{"fiber", "seed"},
                                           PolicyShape{"fiber", "queued_receiver"},
                                           PolicyShape{"fiber", "nested_latches"},
                                           PolicyShape{"fiber", "self_deadlock"}),
                         [](const ::testing::TestParamInfo<PolicyShape>& param) {
                           return std::string(param.param.policy) + "_" + param.param.shape;
                         });

// What no policy can fix is still reported under kCompensate. Proven: a
// cycle between two stage threads, and a self-deadlock (a join under
// kCompensate helps only with its own subtree, and the task that relocks
// the mutex is part of it).
TEST(CompensatedDeadlockTest, CyclesOutsidePoolsAreStillProven) {
  ScopedPolicy policy("compensate");
  expect_verdict("channel_cycle", "deadlock", true, "compensate_channel_cycle");
  expect_verdict("self_deadlock", "self_deadlock", true, "compensate_self_deadlock");
  expect_verdict("relock", "self_deadlock", true, "compensate_relock");
}

// Cycles through pools: the pools' idle spares could run a task that some
// thread knot cannot see might still submit, so no proof; the watchdog
// reports the stall once nothing progressed for the stall threshold (3 s).
TEST(CompensatedDeadlockTest, CyclesThroughPoolsAreReportedAsStalls) {
  ScopedPolicy policy("compensate");
  Report a = expect_verdict("two_pools", "stall", false, "compensate_two_pools");
  Report b = expect_verdict("pool_and_lock", "stall", false, "compensate_pool_and_lock");
  for (const Report* r : {&a, &b}) {
    bool has_spares = false;
    for (const auto& p : r->pools)
      has_spares = has_spares || (p.policy == "compensate" && p.num_spares > 0);
    EXPECT_TRUE(has_spares) << r->summary;
  }
}

// The seed's shape with a loop of 20000 pieces, each blocked on one
// consumer: every spare takes another piece and blocks in turn, up to
// max_spares (256). At the limit the pool waits, and the watchdog proves
// the deadlock, counting the spares.
TEST(CompensatedDeadlockTest, SeedExhaustsTheSparesAndIsProven) {
  ScopedPolicy policy("compensate");
  Report r = expect_verdict("seed", "deadlock", true, "compensate_seed");
  ASSERT_EQ(r.pools.size(), 1u);
  EXPECT_EQ(r.pools[0].policy, "compensate");
  EXPECT_EQ(r.pools[0].num_spares, 256u);
  std::size_t spares = 0;
  for (const auto& t : r.threads)
    spares += t.role == "spare" ? 1 : 0;
  EXPECT_EQ(spares, 256u);
  // The advice does not suggest the policy the pool already has.
  bool says_already = false;
  for (const auto& a : r.advice) {
    says_already = says_already || a.find("already replaces parked workers") != std::string::npos;
    EXPECT_EQ(a.find("Or let parked workers be replaced"), std::string::npos) << a;
  }
  EXPECT_TRUE(says_already);
}

// What no policy can fix is still reported under kFiber: the cycle between
// two stage threads and a task relocking its mutex are proven; cycles
// through pools, whose suspended tasks
// are fiber nodes of the graph, are reported as stalls (the pools' free
// workers could run a task someone knot cannot see might submit).
TEST(FiberDeadlockTest, CyclesAreStillReported) {
  ScopedPolicy policy("fiber");
  expect_verdict("channel_cycle", "deadlock", true, "fiber_channel_cycle");
  // A task that relocks its mutex: the mutex names the suspended task as
  // its owner, so the cycle is the task and the mutex, proven.
  Report relock = expect_verdict("relock", "self_deadlock", true, "fiber_relock");
  auto cycle = cycle_labels(relock);
  ASSERT_EQ(cycle.size(), 2u) << relock.summary;
  EXPECT_EQ(cycle[0].rfind("fiber task 'p-fiber-", 0), 0u) << cycle[0];
  EXPECT_EQ(cycle[1], "mutex 'config'");
  EXPECT_NE(relock.narrative.find("already holds"), std::string::npos) << relock.narrative;
  Report a = expect_verdict("two_pools", "stall", false, "fiber_two_pools");
  Report b = expect_verdict("pool_and_lock", "stall", false, "fiber_pool_and_lock");
  for (const Report* r : {&a, &b}) {
    std::size_t fibers = 0;
    for (const auto& t : r->threads) {
      if (t.role != "fiber")
        continue;
      ++fibers;
      EXPECT_TRUE(t.wait.has_value()) << r->summary;
      EXPECT_EQ(t.stack_source, "wait_site") << t.name;
    }
    EXPECT_GE(fibers, 2u) << r->summary;
    for (const auto& p : r->pools)
      EXPECT_EQ(p.policy, "fiber");
  }
}

// Negative scenarios: no verdict, except the warnings stated. Each runs
// twice (the 1M-park churn once): new schedules, new chances to cry wolf.
struct Negative {
  const char* name;
  int runs;
  const char* allowed_warning;  // a warning this shape may rightly raise, or ""
};

class NegativeScenarioTest : public ::testing::TestWithParam<Negative> {};

TEST_P(NegativeScenarioTest, NoVerdict) {
  const Negative& n = GetParam();
  // 1M park/unpark cycles normally; fewer under the sanitizers.
  const int churn =
      knot::testing::stress_scale(1000000) / (knot::testing::stress_scale(8) == 1 ? 4 : 1);
  ::setenv("KNOT_SCENARIO_CHURN", std::to_string(churn).c_str(), 1);
  for (int run = 0; run < n.runs; ++run) {
    Outcome out = run_scenario(n.name, std::string("negative_") + n.name, /*negative=*/true);
    EXPECT_EQ(out.exit_code, 0) << n.name;
    for (const Report& r : out.reports) {
      ASSERT_TRUE(r.verdict.has_value());
      if (r.verdict->kind == n.allowed_warning && !r.verdict->is_proven)
        continue;
      ADD_FAILURE() << n.name << ": unexpected report: " << r.summary;
    }
  }
}

// foreign_receiver: the pool's workers all wait for longer than the
// exhaustion threshold (1 s) on a receiver that sleeps 1.5 s outside knot,
// with parallel_for pieces queued: a true warning, and never a deadlock.
INSTANTIATE_TEST_SUITE_P(Scenarios, NegativeScenarioTest,
                         ::testing::Values(Negative{"slow_pipeline", 2, ""},
                                           Negative{"busy_pool", 2, ""},
                                           Negative{"timed_waits", 2, ""},
                                           Negative{"foreign_receiver", 2, "pool_exhaustion"},
                                           Negative{"idle_pools", 2, ""}, Negative{"churn", 1, ""}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
