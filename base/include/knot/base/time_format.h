// Times as text, once for every layer: UTC in ISO 8601, as reports, traces
// and listings print them.
//
//   utc_iso8601(t)                         "2026-11-29T01:02:03.456Z"
//   utc_iso8601(t, TimePrecision::kSeconds) "2026-11-29T01:02:03Z"
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace knot::base {

enum class TimePrecision : std::uint8_t { kSeconds, kMilliseconds };

// utc_iso8601() writes `t` in UTC; "?" for a time the C library cannot
// break down.
inline std::string utc_iso8601(std::chrono::system_clock::time_point t,
                               TimePrecision precision = TimePrecision::kMilliseconds) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const auto seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr)
    return "?";
  char buf[64];
  if (precision == TimePrecision::kSeconds) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  } else {
    const auto millis = static_cast<int>(ms - static_cast<std::int64_t>(seconds) * 1000);
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  }
  return buf;
}

}  // namespace knot::base
