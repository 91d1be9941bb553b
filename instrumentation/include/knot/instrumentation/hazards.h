// Potential deadlocks: the cycles of dependencies that a run which did not
// hang carried all the same (docs/hazards.md).
//
//   enable_hazards()        start recording (KNOT_HAZARDS=1 does it before main)
//   potential_deadlocks()   a report for each cycle found so far
//   write_hazard_reports()  write the cycles not written yet, one line each on stderr
//
// While enabled, every operation that may block (a send into a bounded
// channel, a receive, a lock, a latch wait, an install on another pool)
// records, once per call site and class pair, the edge "what this context
// is responsible for cannot happen until what it waits for has": the
// mutexes it holds, the channels it receives from, the worker slot its
// task holds, the sends and count-downs it does after the wait. A cycle of
// such edges between classes (pools, channels, locks, latches: by name,
// unnamed ones by the code that made them) is a potential deadlock; its
// report says under which condition it becomes a hang and which blocking
// policy would prevent it. A class known never to take part in one is
// exempted in code, on the primitive: `mutex.exempt_from_hazards("why")`.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <string>
#include <vector>

#include "knot/report/report.h"

namespace knot::instr {

struct HazardOptions {
  // Where write_hazard_reports() writes; empty: $KNOT_REPORT_DIR, else
  // "knot-reports" in the current directory. Created (mode 0700) if missing.
  std::string report_dir{};
  // Write the reports of the cycles not yet written when the program exits
  // (an exit handler; _Exit and abort run none).
  bool report_at_exit = true;
};

// enable_hazards() starts recording; calling it again replaces the
// options. Operations that began before are not seen: enable it before
// the work starts.
void enable_hazards(const HazardOptions& options = {});

// disable_hazards() stops recording; what was recorded stays.
void disable_hazards();

bool hazards_enabled() noexcept;

// potential_deadlocks() is one report (verdict "potential_deadlock") per
// distinct cycle recorded so far, silenced ones left out; nothing written.
std::vector<report::Report> potential_deadlocks();

// write_hazard_reports() writes a report for each cycle not written before
// in this process, prints one line on stderr for each, and returns their
// paths. A cycle through an exempted class is written too, for the record
// (hazard.silenced holds the reason), but neither printed nor returned.
// Any thread; the watchdog's on-demand reports (and knot-dump) call it.
std::vector<std::string> write_hazard_reports();

}  // namespace knot::instr
