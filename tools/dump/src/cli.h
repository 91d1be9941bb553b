// knot-dump's command line, as a function: tools/dump/main.cc only calls
// it. The options and exit codes are in docs/tools.md ("knot-dump") and
// request.h.
//
//   DumpEnvironment  what the process's surroundings decide (terminal, env)
//   run_dump()       parse the arguments, ask the process, show the report
#pragma once

#include <cstddef>
#include <iosfwd>

#include "knot/view/terminal_width.h"

namespace knot::dump {

// DumpEnvironment is what knot-dump reads from its surroundings, passed in
// so that run_dump() depends on nothing global.
struct DumpEnvironment {
  bool out_is_terminal = false;
  const char* no_color = nullptr;         // $NO_COLOR, nullptr when unset
  const char* xdg_runtime_dir = nullptr;  // $XDG_RUNTIME_DIR, nullptr when unset
  // Columns for the text rendering unless --width says (main() passes
  // knot::view::output_width() of stdout: the terminal's, $COLUMNS, 100).
  std::size_t width = knot::view::kDefaultWidth;
};

// run_dump() runs knot-dump with `argv` (argv[0] is the program): asks the
// process for an on-demand report and renders it as knot-view would, to
// `out` (or the --html file). Errors go to `err` as "knot-dump: <what>".
// Returns the exit code (request.h); never throws.
int run_dump(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
             const DumpEnvironment& env);

}  // namespace knot::dump
