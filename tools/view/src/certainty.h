// How sure a report is: of its verdict (proven, inferred, suspected, or
// potential: a cycle seen in a run that did not hang) and of each edge of
// its graph (exact or inferred), read one way for every renderer, so that
// nothing a guess rests on, and no potential cycle, can look proven.
// Private to knot::view.
//
// Reports older than schema 1.1 have no certainty: `is_proven` decides
// (1.0 wrote proven deadlocks and suspected warnings, nothing else), and
// their edges, which have no basis, are exact. Where a newer report's
// fields disagree the weaker reading wins: a verdict is proven only if
// both `certainty` and `is_proven` say so, and a potential_deadlock (1.2)
// is potential whatever its other fields say.
#pragma once

#include <string>

#include "knot/report/report.h"
#include "knot/view/palette.h"

namespace knot::view::detail {

// Certainty is how a verdict is shown. kNone: no judgement to qualify (an
// on-demand report, or no verdict at all).
enum class Certainty {
  kNone,
  kProven,     // none of the threads can ever be woken, every edge exact
  kInferred,   // a deadlock if the verdict's assumptions hold
  kSuspected,  // a warning that may resolve (and any certainty this viewer does not know)
  kPotential,  // a cycle of dependencies in a run that did not hang: a hang if its conditions meet
};

// verdict_certainty() is how sure `verdict` is, by the rules above.
Certainty verdict_certainty(const knot::report::Verdict& verdict);

// certainty_label() is the words shown next to the verdict's kind:
// "proven", "inferred, not proven", "suspected", "on request", "this run
// did not hang" (a potential_deadlock; "potential, this run did not hang"
// for another kind said to be potential); a certainty this viewer does not
// know is shown as the report spells it, with ", not proven". Raw text:
// the caller escapes it.
std::string certainty_label(const knot::report::Verdict& verdict);

// certainty_class() is the name the HTML page gives a certainty
// ("proven", "inferred", "suspected", "potential", "snapshot"): a CSS class.
const char* certainty_class(Certainty certainty);

// verdict_role() is the palette role of a verdict of `certainty` (kHeading
// for kNone).
Palette::Role verdict_role(Certainty certainty);

// is_inferred_edge() is true for an edge the report calls a guess: any
// basis other than "exact" or none (older reports), except on a
// dependency edge, whose basis says why it is one (is_dependency_edge()).
bool is_inferred_edge(const knot::report::Edge& edge);

// is_dependency_edge() is true for a "depends_on" edge (1.2, a potential
// deadlock's graph): its tail's event cannot happen before its head's.
// Its basis is held, stage, worker_slot, after_wait, pool_stage or helper.
bool is_dependency_edge(const knot::report::Edge& edge);

// edge_basis_label() is "" for an exact edge, else its basis ("inferred",
// or an unknown basis as the report spells it). Raw text.
std::string edge_basis_label(const knot::report::Edge& edge);

}  // namespace knot::view::detail
