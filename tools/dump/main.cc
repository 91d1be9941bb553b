// knot-dump PID: asks a live knot process for an on-demand report and shows
// it as knot-view does (docs/tools.md). The work is in src/; this file only
// connects it to the process.

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "knot/view/terminal_width.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  knot::dump::DumpEnvironment env;
  env.out_is_terminal = isatty(STDOUT_FILENO) == 1;
  env.no_color = std::getenv("NO_COLOR");
  env.xdg_runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  env.width = knot::view::output_width(STDOUT_FILENO, std::getenv("COLUMNS"));
  const int code = knot::dump::run_dump(argc, argv, std::cout, std::cerr, env);
  std::cout.flush();
  return code;
}
