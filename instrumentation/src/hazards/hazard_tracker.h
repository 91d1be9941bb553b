// The hazard tracker (docs/hazards.md): the hook the runtime calls on every
// operation that may block or that ends others' waits (hazard_hook.h), the
// per-context state (what a thread or task holds, receives from, and has
// waited for), and the process-wide record of classes and dependency
// edges that the analysis reads.
//
// Costs: each operation looks up one key in a thread-local table; the
// first time a key is seen the tracker takes its lock, and the first time
// a call site and class pair is seen it captures a stack. Nothing when the
// hook is not installed.
// Does not: look for cycles (hazard_cycles.cc) or write reports
// (hazard_report.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hazard_model.h"

namespace knot::instr::hazards {

// enable() installs the hook; idempotent. disable() removes it (what was
// recorded stays).
void enable();
void disable();
bool is_enabled() noexcept;

// recorded() copies everything recorded so far.
Recorded recorded();

// write_reports() is write_hazard_reports() with the report's trigger
// (exit, signal, api); hazard_report.cc.
std::vector<std::string> write_reports(const std::string& trigger);

// reset_for_testing() forgets everything recorded (not the per-thread
// filters of threads that already ran: use fresh threads after it).
void reset_for_testing();

}  // namespace knot::instr::hazards
