// The start of the watchdog that KNOT_WATCHDOG=1 asks for (watchdog_env.cc),
// told apart from a program's own start_watchdog(), which replaces it.
#pragma once

namespace knot::instr::detail {

// start_watchdog_from_environment() starts the watchdog with
// options_from_environment() and remembers that the environment asked:
// a later start_watchdog() stops it and starts its own. Throws knot::Error
// as start_watchdog() does.
void start_watchdog_from_environment();

}  // namespace knot::instr::detail
