// Switching knot's instrumentation on and off.
//
//   InstrumentationOptions  what to record beyond the runtime's own facts
//   enable() / disable()    install or remove the recording hooks
//   is_enabled()
//
// The runtime always keeps the cheap facts (worker states, queue depths,
// each parked thread's wait and its resource's facts: see
// knot/runtime/snapshot.h). Enabling the instrumentation adds what costs
// more and needs libunwind: the stack of every wait site, captured when a
// thread parks (about 300 ns, beside a park that costs microseconds).
// Nothing is added to any fast path.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

namespace knot::instr {

struct InstrumentationOptions {
  // Record each wait site's stack (knot::WaitView::stack).
  bool wait_site_stacks = true;
};

// enable() installs the hooks `options` asks for; calling it again replaces
// them. Any thread; takes effect for waits that begin afterwards.
void enable(const InstrumentationOptions& options = {});

// disable() removes every hook enable() installed.
void disable();

// is_enabled() is true between enable() and disable().
bool is_enabled() noexcept;

}  // namespace knot::instr
