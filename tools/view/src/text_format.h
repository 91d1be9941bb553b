// The words the renderers share: durations, verdict titles, wait phrases,
// frame parts, resource facts, pool occupancy (fitting them into columns
// is text_layout.h). Every function returns raw text built from the
// report; the caller escapes it for its output (escape.h). Private to
// knot::view.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knot/report/report.h"
#include "report_index.h"

namespace knot::view::detail {

// format_seconds() is a duration for people: "0 ms", "850 ms", "1.2 s",
// "3 min 20 s", "5 h 02 min"; "?" for a negative or non-finite value.
std::string format_seconds(double seconds);

// format_wait_range() is "300 ms" or "300 ms to 1.2 s".
std::string format_wait_range(double min_seconds, double max_seconds);

// verdict_title() is "DEADLOCK", "POOL EXHAUSTION", ... ("SNAPSHOT" when
// the report has no verdict).
std::string verdict_title(const knot::report::Report& report);

// verdict_detail() is "(proven) at <time>, for <age>", "(inferred, not
// proven) ...", "(suspected) ..." (certainty_label() in certainty.h);
// empty without a verdict.
std::string verdict_detail(const knot::report::Report& report);
// verdict_timing() is "at <time>, for <age>", either part left out when
// the report lacks it.
std::string verdict_timing(const knot::report::Verdict& verdict);

// process_line() is "process 4242 /usr/bin/app --flag on host 'h', knot 0.1.0".
std::string process_line(const knot::report::Process& process);

// wait_phrase() is how a thread waits, in words: "waits to send into
// 'processed'", "waits in join on 'global'" (plus " (timed)").
std::string wait_phrase(const knot::report::Wait& wait);

// thread_display() is "'name'" (or "tid N"), plus " (stage 's')" when the
// stage says something the name does not.
std::string thread_display(const knot::report::Thread& thread);

// FrameClass says whose a frame is: the user's (emphasized), knot's own
// (folded), or the system's (C and C++ runtime, thread start; muted).
enum class FrameClass { kUser, kKnot, kSystem };
FrameClass classify_frame(const knot::report::Frame& frame);

// is_knot_frame() is whether a frame is knot's own by the one rule
// (knot/symbolize/knot_frames.h): decided by the function's name where the
// name can tell, else the report's is_knot (set where the declaring file
// was known). So a report written before the rule, which marked every
// "knot::" name, folds the same frames as a new one.
bool is_knot_frame(const knot::report::Frame& frame);

// first_user_frame() is the innermost frame of `stack` that is the user's
// (classify_frame()): where the user's code waits. Null when none is.
const knot::report::Frame* first_user_frame(const std::vector<knot::report::Frame>& stack);

// frame_function() is the function, or "0x<offset>" for an unsymbolized
// frame; with `is_short`, its parameter lists are elided to "(…)"
// (knot::symbolize::elide_parameters()).
std::string frame_function(const knot::report::Frame& frame, bool is_short = false);
// frame_location() is "file:line", "file" or "".
std::string frame_location(const knot::report::Frame& frame);
// frame_module_note() is "(module)", "(module, inlined)", "(inlined)" or "",
// the module by its base name.
std::string frame_module_note(const knot::report::Frame& frame);
// module_basename() is the last path component of a module path.
std::string module_basename(std::string_view path);

// resource_title() is "channel 'processed'" ("channel #7" without a name).
std::string resource_title(const knot::report::Resource& resource);
// resource_facts() are the facts that matter for the resource's kind, one
// per element: "full, 64 of 64", "2 senders", "lately sent by pool 'g'"...
std::vector<std::string> resource_facts(const knot::report::Resource& resource,
                                        const ReportIndex& index);
// resource_holders() says who holds the resource, one line per side:
// "send handles held by pool 'p' (2 handles, used), thread 'main' (guess:
// created, not used yet)", "held in shared mode by thread 'r'"; the same
// holder on the same basis is counted, not repeated. Empty when the
// report names no holder (always, before schema 1.1).
std::vector<std::string> resource_holders(const knot::report::Resource& resource);
// holder_basis_note() is how knot knows of a holder, in words: "used"
// (exact), "guess: created, not used yet", "guess: a shared handle"; ""
// for "held" (a shared hold, exact) and no basis.
std::string holder_basis_note(std::string_view basis);

// dependency_basis_note() says in words why a potential deadlock's edge
// (a HazardEdge, a "depends_on" graph edge) is one, from its basis:
// "held: a mutex held across the wait", "stage: it receives from the
// channel", ...; an unknown basis as the report spells it; "" for none.
std::string dependency_basis_note(std::string_view basis);

// edge_relation() is a cycle step's words for `edge` (null: no such
// edge): its label ("->" without one); for a dependency, "needs (<who
// waits>, <basis>)".
std::string edge_relation(const knot::report::Edge* edge);

// dependency_phrase() is "<from> needs <to>" in the graph's labels: the
// event at `from` cannot happen before the one at `to`.
std::string dependency_phrase(const knot::report::HazardEdge& edge, const ReportIndex& index);

// PoolOccupancy counts a pool's workers by state.
struct PoolOccupancy {
  std::size_t running = 0;
  std::size_t searching = 0;
  std::size_t sleeping = 0;
  std::size_t parked = 0;
  std::size_t other = 0;   // stopped, or a state this viewer does not know
  std::size_t queued = 0;  // injector plus every worker's deque
};
PoolOccupancy pool_occupancy(const knot::report::Pool& pool);

// queued_by_line() is "queued in 'global' by thread 'embed' (3), pool 'x'
// (1)": who submitted the tasks waiting in the pool's injector; empty when
// the report does not say.
std::string queued_by_line(const knot::report::Pool& pool, const ReportIndex& index);

// state_counts() is "parked" for one state, else "parked 2, running 1"
// over the bucket's threads.
std::string state_counts(const std::vector<const knot::report::Thread*>& threads);

// parse_iso8601() reads "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm]" to seconds
// since the epoch; nullopt if it is not that.
std::optional<double> parse_iso8601(std::string_view text);

}  // namespace knot::view::detail
