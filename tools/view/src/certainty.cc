// Reading a report's certainty (certainty.h).

#include "certainty.h"

namespace knot::view::detail {

using knot::report::Edge;
using knot::report::Verdict;

Certainty verdict_certainty(const Verdict& verdict) {
  if (verdict.kind == "on_demand")
    return Certainty::kNone;
  // A cycle seen in a run that did not hang is never more than potential.
  if (verdict.kind == "potential_deadlock" || verdict.certainty == "potential")
    return Certainty::kPotential;
  if (verdict.certainty.empty())  // before 1.1
    return verdict.is_proven ? Certainty::kProven : Certainty::kSuspected;
  if (verdict.certainty == "proven")
    return verdict.is_proven ? Certainty::kProven : Certainty::kSuspected;
  if (verdict.certainty == "inferred")
    return Certainty::kInferred;
  return Certainty::kSuspected;
}

std::string certainty_label(const Verdict& verdict) {
  switch (verdict_certainty(verdict)) {
    case Certainty::kNone:
      return "on request";
    case Certainty::kProven:
      return "proven";
    case Certainty::kInferred:
      return "inferred, not proven";
    case Certainty::kPotential:
      // The kind already says "potential"; another kind gets the word here.
      return verdict.kind == "potential_deadlock" ? "this run did not hang"
                                                  : "potential, this run did not hang";
    case Certainty::kSuspected:
      break;
  }
  // "suspected", a "proven" that is_proven contradicts, or a word from a
  // newer revision of the format.
  if (verdict.certainty.empty() || verdict.certainty == "suspected" ||
      verdict.certainty == "proven")
    return "suspected";
  return verdict.certainty + ", not proven";
}

const char* certainty_class(Certainty certainty) {
  switch (certainty) {
    case Certainty::kNone:
      return "snapshot";
    case Certainty::kProven:
      return "proven";
    case Certainty::kInferred:
      return "inferred";
    case Certainty::kSuspected:
      return "suspected";
    case Certainty::kPotential:
      return "potential";
  }
  return "suspected";
}

Palette::Role verdict_role(Certainty certainty) {
  switch (certainty) {
    case Certainty::kNone:
      return Palette::Role::kHeading;
    case Certainty::kProven:
      return Palette::Role::kVerdictProven;
    case Certainty::kInferred:
      return Palette::Role::kVerdictInferred;
    case Certainty::kSuspected:
      return Palette::Role::kVerdictSuspected;
    case Certainty::kPotential:
      return Palette::Role::kVerdictPotential;
  }
  return Palette::Role::kVerdictSuspected;
}

bool is_inferred_edge(const Edge& edge) {
  return !is_dependency_edge(edge) && !edge.basis.empty() && edge.basis != "exact";
}

bool is_dependency_edge(const Edge& edge) {
  return edge.kind == "depends_on";
}

std::string edge_basis_label(const Edge& edge) {
  return is_inferred_edge(edge) ? edge.basis : std::string();
}

}  // namespace knot::view::detail
