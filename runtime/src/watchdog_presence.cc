// Whether a watchdog can answer KNOT_WATCHDOG (watchdog_presence.h).

#include "watchdog_presence.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "knot/runtime/detail/watchdog_presence.h"

namespace knot::detail {

namespace {

// Set once, before main(), by the instrumentation's initializer. Relaxed:
// the flag is the only data it carries, and a pool made after main() began
// reads it after the store in every thread's view (thread creation and
// main() are ordered after static initialization).
constinit std::atomic<bool> g_watchdog_linked{false};

// The first check_watchdog_request() wins the exchange and looks; later
// calls return at once. Relaxed: it guards only the printing.
constinit std::atomic<bool> g_checked{false};

}  // namespace

void set_watchdog_linked() noexcept {
  g_watchdog_linked.store(true, std::memory_order_relaxed);
}

void check_watchdog_request() noexcept {
  if (g_checked.exchange(true, std::memory_order_relaxed))
    return;
  if (g_watchdog_linked.load(std::memory_order_relaxed))
    return;
  const char* v = std::getenv("KNOT_WATCHDOG");
  if (v == nullptr || *v == '\0' || std::strcmp(v, "0") == 0)
    return;
  std::fprintf(stderr,
               "knot: KNOT_WATCHDOG is set, but this program does not link knot::instrumentation: "
               "no watchdog runs\n");
}

}  // namespace knot::detail
