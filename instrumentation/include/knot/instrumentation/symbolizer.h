// Symbolization of captured stacks, after capture and off the signal path.
// The watchdog and knot-view share one symbolizer, knot::symbolize
// (instrumentation/symbolize/README.md); these names let instrumentation
// code and its users say instr::Symbolizer for the one that reads this
// process.
//
//   Frame       one symbolized frame (knot/symbolize/frame.h)
//   Symbolizer  this process's pcs to Frames, inlined calls expanded
//               (knot/symbolize/process_symbolizer.h)
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include "knot/instrumentation/stack_capture.h"
#include "knot/symbolize/frame.h"
#include "knot/symbolize/process_symbolizer.h"

namespace knot::instr {

using Frame = knot::symbolize::Frame;
using Symbolizer = knot::symbolize::ProcessSymbolizer;

}  // namespace knot::instr
