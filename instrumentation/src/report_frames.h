// Stack frames for reports: symbolized addresses in the report's Frame
// type, the frame that names a call site, and its one-line name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "knot/instrumentation/symbolizer.h"
#include "knot/report/report.h"

namespace knot::instr {

report::Frame to_report_frame(const Frame& f);

// symbolized() is `pcs` as report frames (addresses only without a
// symbolizer); `first` says what the first pc is.
std::vector<report::Frame> symbolized(Symbolizer* symbolizer,
                                      const std::vector<std::uintptr_t>& pcs, PcKind first);

// site_frame() is the frame of the code that called a wait, at a return
// address: knot's templates are inlined into the caller, so of the inlined
// chain at that address, the first frame that is not knot's own.
std::optional<report::Frame> site_frame(Symbolizer* symbolizer, std::uintptr_t site);

// site_name() is "function (file.cc:42)", or "" when the frame is unknown.
std::string site_name(const report::Frame& f);

}  // namespace knot::instr
