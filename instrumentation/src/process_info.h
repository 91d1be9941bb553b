// What a report says about the process and about durations (times of day
// are knot/base/time_format.h's utc_iso8601()).
//
//   process_info()     this process: pid, executable, arguments, start time,
//                      host, knot's version (read once from /proc)
//   format_seconds()   a duration for sentences: "40 ms", "2.3 s"
#pragma once

#include <chrono>
#include <string>

#include "knot/report/report.h"

namespace knot::instr {

const report::Process& process_info();
std::string format_seconds(double seconds);

// seconds() is a duration as a double, for reports.
inline double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace knot::instr
