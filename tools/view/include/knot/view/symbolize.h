// Offline symbolization: a report from a stripped production binary
// becomes readable where the debug binaries are.
//
//   SymbolizeOptions  where to look for binaries
//   SymbolizeResult   how many frames were resolved, and why not the rest
//   symbolize()       fills in function, file and line of address-only frames
//
// Uses knot::symbolize's FileSymbolizer (libdw offline, no process is
// attached), the symbolizer the watchdog uses on its own process: the same
// names, inlined calls as frames of their own, and the same rule for
// knot's frames. Costs one module load per distinct binary (milliseconds
// to a second for large debug files), then microseconds per frame.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "knot/report/report.h"

namespace knot::view {

struct SymbolizeOptions {
  // A folder of binaries (executables, libraries or separate debug files).
  // Empty: only the paths recorded in the report are tried.
  std::string binaries_dir;
};

struct SymbolizeResult {
  std::size_t num_resolved = 0;    // frames that got a function
  std::size_t num_unresolved = 0;  // address-only frames still without one
  // One line per module that could not be used ("no binary found for
  // /usr/bin/app (build-id 1a2b...)"), for stderr.
  std::vector<std::string> warnings;
};

// symbolize() resolves every frame that has a module and an offset but no
// function. The binary for a frame is, in order:
//   1. in `binaries_dir`: <dir>/.build-id/<xx>/<rest>.debug, or a file whose
//      GNU build-id equals the frame's (searched two levels deep), or, when
//      the frame has no build-id, a file with the module's base name;
//   2. the module's own path, if its build-id matches (or none is recorded).
// A binary whose build-id differs from the frame's is never used: it would
// name the wrong functions. The innermost frame of a signal's capture
// (stack_source "signal") is taken as the exact instruction, every other
// one as a return address (the call is the byte before). A frame whose
// address holds inlined code becomes several (is_inlined), and is_knot is
// set by the rule of knot/symbolize/knot_frames.h. Never throws on bad or
// missing binaries; they end up in `warnings`.
SymbolizeResult symbolize(knot::report::Report& report, const SymbolizeOptions& options);

}  // namespace knot::view
