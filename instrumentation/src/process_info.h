// What a report says about the process and about time.
//
//   process_info()     this process: pid, executable, arguments, start time,
//                      host, knot's version (read once from /proc)
//   iso8601()          a time as "2026-11-29T01:02:03.456Z"
//   utc_now_iso8601()  now, the same way
//   format_seconds()   a duration for sentences: "40 ms", "2.3 s"
#pragma once

#include <chrono>
#include <string>

#include "knot/report/report.h"

namespace knot::instr {

const report::Process& process_info();
std::string iso8601(std::chrono::system_clock::time_point t);
std::string utc_now_iso8601();
std::string format_seconds(double seconds);

// seconds() is a duration as a double, for reports.
inline double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace knot::instr
