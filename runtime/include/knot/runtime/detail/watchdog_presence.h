// The runtime's side of KNOT_WATCHDOG. The watchdog lives in
// knot::instrumentation, which the runtime never depends on, so a program
// that sets KNOT_WATCHDOG but links knot::runtime alone would get no
// watchdog and no word about it. The instrumentation says it is linked
// (before main(), instrumentation/src/watchdog.cc); the runtime looks once,
// when the first pool is made (runtime/src/watchdog_presence.cc), and
// prints one line on stderr if nothing said so.
// Public only because the instrumentation calls it; not part of the API.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

namespace knot::detail {

// set_watchdog_linked() records that knot::instrumentation is linked into
// the process. Any thread, any time; the instrumentation calls it from a
// static initializer that runs before the program's own.
void set_watchdog_linked() noexcept;

}  // namespace knot::detail
