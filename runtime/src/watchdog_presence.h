// check_watchdog_request(): the one line a program gets when it sets
// KNOT_WATCHDOG but does not link knot::instrumentation
// (knot/runtime/detail/watchdog_presence.h). It does not start anything
// and does not read any other variable.
#pragma once

namespace knot::detail {

// check_watchdog_request() prints, the first time it is called in the
// process and only then, one line on stderr if KNOT_WATCHDOG is set (not
// empty, not "0") and set_watchdog_linked() was not called. Any thread;
// Registry::create() calls it for every pool, so the first pool made is
// when it looks.
void check_watchdog_request() noexcept;

}  // namespace knot::detail
