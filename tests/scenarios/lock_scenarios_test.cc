// Scenarios of locks and of waits that help (scenario_runner.h): a read
// lock taken again behind a waiting writer, a reader that waits for a pool
// task that writes, a lock held across a join whose stolen half wants it,
// and installs nested across pools while the waiting worker helps. Each is
// a proven deadlock under every policy, whose cycle goes through the lock
// and names its holder.
#include <gtest/gtest.h>

#include <string>

#include "scenario_runner.h"

namespace knot::scenarios {
namespace {

using report::Report;

class LockScenarioTest : public ::testing::TestWithParam<const char*> {
 protected:
  Report expect(const std::string& shape, const std::string& kind = "deadlock") {
    ScopedPolicy policy(GetParam());
    return expect_verdict(shape, kind, "proven", std::string(GetParam()) + "_" + shape);
  }
};

// rayon #1205: the reader's second read queues behind the writer, which
// waits for the reader's first read, lower on the same stack.
TEST_P(LockScenarioTest, ReadLockTakenAgainBehindAWriter) {
  Report r = expect("shared_reentry");
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "shared mutex 'cache'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "thread 'writer'")) << r.summary;
  EXPECT_TRUE(any_advice(r, "for reading")) << r.advice.front();
  bool reader_named = false;
  for (const auto& res : r.resources) {
    for (const auto& h : res.holders)
      reader_named = reader_named || (res.name == "cache" && h.side == "read");
    if (res.name == "cache") {
      EXPECT_TRUE(res.has_parked_writers);
    }
  }
  EXPECT_TRUE(reader_named);
}

TEST_P(LockScenarioTest, ReaderWaitsForATaskThatWrites) {
  Report r = expect("reader_installs");
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "thread 'reader'")) << r.summary;
  EXPECT_TRUE(contains(cycle, "shared mutex 'table'")) << r.summary;
  const report::Thread* reader = thread_named(r, "reader");
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->holds_shared.size(), 1u);
}

// rayon #847: the holder of 'iterator' waits for the half it forked, which
// the other worker stole and which waits for 'iterator'. The cycle names
// the lock and both threads.
TEST_P(LockScenarioTest, LockHeldAcrossAJoinWhoseStolenHalfWantsIt) {
  Report r = expect("iterator_lock");
  auto cycle = cycle_labels(r);
  EXPECT_TRUE(contains(cycle, "mutex 'iterator'")) << r.summary;
  EXPECT_EQ(cycle.size(), 3u) << r.summary;
  EXPECT_TRUE(any_advice(r, "mutex 'iterator'"));
}

// rayon #1174, #819: a lock held across an install on another pool whose
// task wants it.
TEST_P(LockScenarioTest, LockHeldAcrossAnInstallOnAnotherPool) {
  Report r = expect("nested_install");
  EXPECT_TRUE(contains(cycle_labels(r), "mutex 'driver'")) << r.summary;
  // The advice names the lock and the user's code that holds it across the
  // install (the first frame that is not knot's).
  EXPECT_TRUE(any_advice(r, "mutex 'driver'"));
  EXPECT_TRUE(any_advice(r, "shapes_nesting.cc:")) << r.advice.front();
}

// rayon #446, #819: while its install waits, the worker took another task
// of its pool, whose own install waits on top of the first: the report
// names the wait buried under the top one.
TEST_P(LockScenarioTest, AnInstallBuriedUnderAnother) {
  Report r = expect("nested_install_buried");
  EXPECT_TRUE(contains(cycle_labels(r), "mutex 'driver'")) << r.summary;
  if (std::string(GetParam()) == "block") {
    EXPECT_TRUE(mentions(r.narrative, "Under that wait")) << r.narrative;
    const report::Thread* worker = thread_named(r, "outer-0");
    ASSERT_NE(worker, nullptr);
    ASSERT_EQ(worker->wait_stack.size(), 2u);
    for (const report::WaitFrame& f : worker->wait_stack) {
      ASSERT_TRUE(f.site.has_value());
      EXPECT_FALSE(f.site->is_knot) << f.site->function;
      EXPECT_TRUE(mentions(f.site->file, "shapes_nesting.cc")) << f.site->file;
    }
    EXPECT_TRUE(any_advice(r, "knot::isolate()"));
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, LockScenarioTest,
                         ::testing::Values("block", "compensate", "fiber"),
                         [](const auto& param) { return std::string(param.param); });

}  // namespace
}  // namespace knot::scenarios
