// The seed, reproduced and diagnosed: `knot-embed reprocess --pools shared
// --channel-capacity 2 --threads 2` deadlocks (every worker of pool 'global'
// blocked sending into the full channel "processed" while thread 'embed'
// waits for tokenizer tasks queued in 'global'); the watchdog proves it, and
// knot-embed prints the report's path and summary and exits 3. The same run
// with --pools separate (the seed's fix) completes.
//
// knot-embed runs as a child process and is killed by its PID if it
// overstays; ctest's TIMEOUT is the outer guard.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using std::chrono::seconds;
using testing::run_child;
using testing::TempDir;

const std::string kEmbed = KNOT_EMBED_PATH;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class SharedDeadlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::generate_corpus(dir_ / "gen", 400);
    db_ = (dir_ / "seed.db").string();
    auto r = run_child({kEmbed, "ingest", (dir_ / "gen").string(), "--db", db_}, dir_.path(),
                       seconds(60));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  TempDir dir_;
  std::string db_;
};

// Shared pools: exit 3 with the report's path and a summary naming the
// channel "processed" and stage/thread 'embed'; the report file exists and
// the run is recorded as a deadlock.
//
// The deadlock is a race, as in the seed: each embedding batch that starts
// while stage 'reprocess' is in the middle of a batch is a chance to stall,
// and a few escape it (the tokenizer job finds a worker before both block).
// Batches of 16 give 25 chances over the 400 items instead of 6, so that a
// run that completes would point at a real change, not at luck.
TEST_F(SharedDeadlockTest, SharedPoolsDeadlockIsReported) {
  std::string reports = (dir_ / "reports").string();
  // KNOT_TRACE records the run; knot-embed writes it before exiting 3.
  std::string trace = (dir_ / "trace.json").string();
  // Its own runtime folder, to see that the advertisement goes with it.
  const std::filesystem::path xdg = dir_ / "xdg";
  std::filesystem::create_directory(xdg);
  std::filesystem::permissions(xdg, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  auto r =
      run_child({"/usr/bin/env", "KNOT_TRACE=" + trace, "XDG_RUNTIME_DIR=" + xdg.string(), kEmbed,
                 "reprocess", "--db", db_, "--pools", "shared", "--channel-capacity", "2",
                 "--threads", "2", "--embed-batch", "16", "--force", "--report-dir", reports},
                dir_.path(), seconds(60));
  ASSERT_FALSE(r.timed_out) << "knot-embed hung instead of reporting the deadlock\n" << r.err;
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "the watchdog found a deadlock")) << r.err;
  EXPECT_TRUE(contains(r.err, "processed")) << r.err;
  EXPECT_TRUE(contains(r.err, "'embed'")) << r.err;
  EXPECT_TRUE(contains(r.err, "'global'")) << r.err;
  std::size_t at = r.err.find("report:  ");
  ASSERT_NE(at, std::string::npos) << r.err;
  std::string path = r.err.substr(at + 9, r.err.find('\n', at) - at - 9);
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(reports));
  std::string report = testing::read_file(path);
  EXPECT_TRUE(contains(report, "\"deadlock\"")) << report.substr(0, 400);
  EXPECT_TRUE(contains(report, "processed"));
  // The trace ends with the deadlock: sends into "processed" still waiting.
  std::string timeline = testing::read_file(trace);
  EXPECT_TRUE(contains(timeline, "channel_send 'processed'")) << timeline.substr(0, 400);
  EXPECT_TRUE(contains(timeline, "\"unfinished\":true")) << timeline.substr(0, 400);
  // The deadlock exit (_Exit) left no knot-dump advertisement behind (#16
  // item 6: 125 stale files after a day).
  ASSERT_TRUE(std::filesystem::is_directory(xdg / "knot")) << r.err;  // it did advertise
  EXPECT_TRUE(std::filesystem::is_empty(xdg / "knot")) << r.err;

  auto stats = run_child({kEmbed, "stats", "--db", db_, "--json"}, dir_.path(), seconds(30));
  const nlohmann::json j = nlohmann::json::parse(stats.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << stats.out;
  EXPECT_EQ(j["last_run"]["status"], "deadlock") << stats.out;
  EXPECT_EQ(j["last_run"]["mode"], "shared") << stats.out;
}

// Shared pools under --policy compensate or fiber: the same run completes,
// because a worker blocked in send lets a spare thread run the tokenizer's
// tasks (compensate), or the blocked task suspends and its worker runs them
// (fiber). No report is written.
void expect_shared_run_completes(const std::string& db, const TempDir& dir, const char* policy) {
  auto r = run_child({kEmbed, "reprocess", "--db", db, "--pools", "shared", "--policy", policy,
                      "--channel-capacity", "2", "--threads", "2", "--embed-batch", "16", "--force",
                      "--report-dir", (dir / "reports").string()},
                     dir.path(), seconds(120));
  ASSERT_FALSE(r.timed_out) << policy << ": " << r.err;
  EXPECT_EQ(r.exit_code, 0) << policy << ": " << r.err;
  EXPECT_TRUE(contains(r.out, "400 items")) << r.out;
  EXPECT_TRUE(contains(r.out, "400 embedded")) << r.out;
  const auto reports = dir / "reports";
  EXPECT_TRUE(!std::filesystem::exists(reports) || std::filesystem::is_empty(reports))
      << policy << ": a report was written";
}

// Under kCompensate the run completes unless timing puts every runnable
// worker into an isolated join (they run only their own halves, so they
// count as runnable and no spare starts, yet none can take the queued
// closure of 'embed'): then it is a real deadlock, which the watchdog must
// prove. Which of the two happens depends on the machine's load
// (docs/policies.md); both are checked, neither is a failure.
TEST_F(SharedDeadlockTest, SharedPoolsCompleteUnderCompensateOrAreProven) {
  auto r = run_child({kEmbed, "reprocess", "--db", db_, "--pools", "shared", "--policy",
                      "compensate", "--channel-capacity", "2", "--threads", "2", "--embed-batch",
                      "16", "--force", "--report-dir", (dir_ / "reports").string()},
                     dir_.path(), seconds(120));
  ASSERT_FALSE(r.timed_out) << r.err;
  if (r.exit_code == 0) {
    EXPECT_TRUE(contains(r.out, "400 embedded")) << r.out;
    const auto reports = dir_ / "reports";
    EXPECT_TRUE(!std::filesystem::exists(reports) || std::filesystem::is_empty(reports))
        << "a report was written";
    return;
  }
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "knot: deadlock: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "pool 'global'")) << r.err;
}

TEST_F(SharedDeadlockTest, SharedPoolsCompleteUnderFiber) {
  expect_shared_run_completes(db_, dir_, "fiber");
}

// Separate pools, same small channel and threads: completes.
TEST_F(SharedDeadlockTest, SeparatePoolsComplete) {
  auto r =
      run_child({kEmbed, "reprocess", "--db", db_, "--pools", "separate", "--channel-capacity", "2",
                 "--threads", "2", "--force", "--report-dir", (dir_ / "reports").string()},
                dir_.path(), seconds(120));
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "400 items")) << r.out;
  EXPECT_TRUE(contains(r.out, "400 embedded")) << r.out;
}

// The seed's hazard from runs that complete (docs/hazards.md): shared pools
// with a channel that never fills finish, and --hazards (or KNOT_HAZARDS=1)
// names the one cycle a full channel would close; separate pools have none.
std::vector<std::string> hazard_reports(const std::string& out) {
  std::vector<std::string> paths;
  const std::string prefix = "potential deadlock report: ";
  for (std::size_t at = out.find(prefix); at != std::string::npos; at = out.find(prefix, at + 1)) {
    const std::size_t start = at + prefix.size();
    paths.push_back(out.substr(start, out.find('\n', start) - start));
  }
  return paths;
}

TEST_F(SharedDeadlockTest, SharedPoolsThatCompleteReportTheSeedsHazard) {
  for (const bool by_environment : {false, true}) {
    SCOPED_TRACE(by_environment ? "KNOT_HAZARDS=1" : "--hazards");
    const std::string reports = (dir_ / (by_environment ? "env" : "flag")).string();
    std::vector<std::string> argv = {"/usr/bin/env", "KNOT_HAZARDS=1", kEmbed,
                                     "reprocess",    "--db",           db_,
                                     "--pools",      "shared",         "--channel-capacity",
                                     "100000",       "--threads",      "2",
                                     "--force",      "--no-progress",  "--report-dir",
                                     reports};
    if (!by_environment) {
      argv[1] = "KNOT_HAZARDS=0";
      argv.push_back("--hazards");
    }
    auto r = run_child(argv, dir_.path(), seconds(120));
    ASSERT_FALSE(r.timed_out) << r.err;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "400 embedded")) << r.out;
    EXPECT_TRUE(contains(r.out, "reprocess: 1 potential deadlock\n")) << r.out;
    const std::vector<std::string> paths = hazard_reports(r.out);
    ASSERT_EQ(paths.size(), 1u) << r.out;
    EXPECT_TRUE(contains(r.err, "knot: Potential deadlock")) << r.err;
    const std::string report = testing::read_file(paths[0]);
    EXPECT_TRUE(contains(report, "\"potential_deadlock\"")) << report.substr(0, 400);
    EXPECT_TRUE(contains(report, "thread 'embed'"));
    EXPECT_TRUE(contains(report, "pool 'global'"));
    EXPECT_TRUE(contains(report, "channel 'processed' is full (holds 100000 items)"));
    EXPECT_TRUE(contains(report, "all 2 workers of pool 'global'"));
  }
}

TEST_F(SharedDeadlockTest, SeparatePoolsHaveNoHazard) {
  auto r = run_child({kEmbed, "reprocess", "--db", db_, "--pools", "separate", "--channel-capacity",
                      "2", "--threads", "2", "--force", "--hazards", "--no-progress",
                      "--report-dir", (dir_ / "reports").string()},
                     dir_.path(), seconds(120));
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "reprocess: 0 potential deadlocks")) << r.out;
  EXPECT_TRUE(hazard_reports(r.out).empty()) << r.out;
}

}  // namespace
}  // namespace knot::pipeline
