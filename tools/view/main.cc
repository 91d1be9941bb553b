// knot-view: reads knot's deadlock reports (docs/tools.md). The viewer is
// the knot::view library; this file only connects it to the process.

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "knot/view/cli.h"
#include "knot/view/terminal_width.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const int code = knot::view::run_cli(
      argc, argv, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"),
      knot::view::output_width(STDOUT_FILENO, std::getenv("COLUMNS")));
  std::cout.flush();
  return code;
}
