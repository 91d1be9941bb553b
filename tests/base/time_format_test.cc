// knot/base/time_format.h: UTC in ISO 8601 with milliseconds or seconds,
// before and after the epoch.
#include "knot/base/time_format.h"

#include <gtest/gtest.h>

namespace knot::base {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(TimeFormatTest, MillisecondsAndSeconds) {
  const system_clock::time_point t(milliseconds(1795914123456));  // 2026-11-29T01:02:03.456Z
  EXPECT_EQ(utc_iso8601(t), "2026-11-29T01:02:03.456Z");
  EXPECT_EQ(utc_iso8601(t, TimePrecision::kSeconds), "2026-11-29T01:02:03Z");
  EXPECT_EQ(utc_iso8601(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(TimeFormatTest, BeforeTheEpochRoundsDown) {
  const system_clock::time_point t(milliseconds(-1));
  EXPECT_EQ(utc_iso8601(t), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(utc_iso8601(t, TimePrecision::kSeconds), "1969-12-31T23:59:59Z");
}

}  // namespace
}  // namespace knot::base
