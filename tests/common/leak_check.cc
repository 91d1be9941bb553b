// The runtime's teardown check, in every runtime test binary: once a test
// has destroyed all its pools, no fiber and no job of the runtime may be
// left (knot::live_objects()). A test that leaves one fails the binary at
// its end, naming the first test after which the leak was seen.
//
// Linked by knot_add_test(... LEAK_CHECK) as a source of the test itself
// (an INTERFACE source), so that its registration runs in every binary
// that asks for it.

#include <gtest/gtest.h>

#include <string>

#include "knot/runtime/snapshot.h"

namespace {

std::string& first_leak() {
  static std::string text;
  return text;
}

class LeakListener final : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& test) override {
    const knot::LiveObjects live = knot::live_objects();
    // Pools still alive (a test's static pool) may own fibers and jobs.
    if (live.pools != 0 || (live.fibers == 0 && live.orphaned_jobs == 0))
      return;
    if (first_leak().empty()) {
      first_leak() = std::string("after ") + test.test_suite_name() + "." + test.name() + ": " +
                     std::to_string(live.fibers) + " fibers and " +
                     std::to_string(live.orphaned_jobs) + " jobs outlived every pool";
    }
  }
};

class LeakCheck final : public ::testing::Environment {
 public:
  void TearDown() override {
    EXPECT_TRUE(first_leak().empty()) << "knot runtime leak: " << first_leak();
  }
};

const bool kRegistered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new LeakListener);
  ::testing::AddGlobalTestEnvironment(new LeakCheck);
  return true;
}();

}  // namespace
