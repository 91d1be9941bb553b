// knot-view's command line, as a function: tools/view/main.cc only calls
// it, and tests can run it in-process.
//
//   run_cli()    parse the arguments, read the reports, write the output
//   kExit*       the exit codes
//
// The options and their meaning are in docs/tools.md ("knot-view").
#pragma once

#include <cstddef>
#include <iosfwd>

#include "knot/view/terminal_width.h"

namespace knot::view {

// The exit codes, as knot-dump and knot-embed use them too: 2 is always a
// usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a report could not be read, or the output not written
inline constexpr int kExitUsage = 2;    // bad arguments

// run_cli() runs knot-view with `argv` (argv[0] is the program), writing
// the rendering to `out` and errors ("knot-view: <file>: <what>") and
// warnings to `err`. `out_is_terminal` and `no_color_env` (the NO_COLOR
// variable, nullptr when unset) decide colour under --color=auto; the text
// is fitted to `width` columns unless --width says otherwise (main() passes
// output_width() of stdout). Returns the exit code; never throws.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
            bool out_is_terminal, const char* no_color_env, std::size_t width = kDefaultWidth);

}  // namespace knot::view
