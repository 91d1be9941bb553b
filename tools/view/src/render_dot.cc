// The wait-for graph as Graphviz text (render.h: render_dot). The HTML page
// lays out this same text, so the two never disagree. Labels are escaped
// with dot_escape() and cut to a length that keeps the drawing readable;
// node ids are quoted strings, so any id is a valid one.
//
// An edge's line says how knot knows it: solid for exact, dashed (and
// labelled "inferred") for a guess. Its arrowhead says what it is: filled
// for "waits for", hollow for "can be woken by".
//
// A potential deadlock's graph (1.2) is of events, not threads: its nodes
// ("event:<what>:<class>") carry class "event", its "depends_on" edges are
// dashed, thinner, labelled with who waits and the basis, and carry class
// "depends_on"; its cycle is blue with class "potential", never the red of
// a deadlock's, under a title that says the run did not hang.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "certainty.h"
#include "knot/escape/escape.h"
#include "knot/view/render.h"
#include "report_index.h"

namespace knot::view {

namespace {

constexpr std::size_t kMaxNodeLabel = 80;
constexpr std::size_t kMaxEdgeLabel = 60;
constexpr std::string_view kCycleColor = "#c62828";
constexpr std::string_view kPotentialColor = "#1565c0";
constexpr std::string_view kDeadFill = "#fdecea";

std::string quote(std::string_view text) {
  return "\"" + escape::dot_escape(text) + "\"";
}

// classes() is the value of a class attribute: `names` that are set,
// space-separated ("" when none is).
std::string classes(std::initializer_list<std::pair<bool, std::string_view>> names) {
  std::string out;
  for (const auto& [is_set, name] : names) {
    if (!is_set)
      continue;
    if (!out.empty())
      out += ' ';
    out += name;
  }
  return out;
}

std::string_view shape_of(std::string_view kind) {
  if (kind == "thread")
    return "ellipse";
  if (kind == "pool")
    return "box3d";
  return "box";
}

}  // namespace

std::string render_dot(const knot::report::Report& report) {
  const detail::ReportIndex index(report);
  const bool is_potential =
      report.verdict && detail::verdict_certainty(*report.verdict) == detail::Certainty::kPotential;
  // A potential cycle is blue and says so: it never looks like a deadlock.
  const std::string_view cycle_class = is_potential ? "potential" : "cycle";
  const std::string cycle_style =
      ", color=\"" + std::string(is_potential ? kPotentialColor : kCycleColor) +
      "\", fontcolor=\"" + std::string(is_potential ? kPotentialColor : kCycleColor) +
      "\", penwidth=" + (is_potential ? "2" : "2.5");
  std::string out =
      is_potential
          ? "// knot potential deadlock: a cycle of dependencies seen in a run that did not hang.\n"
            "// Nodes are events; a dashed edge: its tail's event cannot happen before its head's\n"
            "// (labelled with who waits and the basis); blue: the potential cycle.\n"
          : "// knot wait-for graph: red nodes and edges form the cycle, filled nodes are dead;\n"
            "// dashed edges are inferred (guesses), solid ones exact; hollow arrowheads: woken "
            "by.\n";
  out +=
      "digraph knot {\n"
      "  graph [fontname=\"Helvetica,Arial,sans-serif\", fontsize=12, nodesep=0.4, "
      "ranksep=0.5";
  if (is_potential) {
    out +=
        ", label=\"potential deadlock (this run did not hang): a cycle of dependencies\", "
        "labelloc=t, fontcolor=\"" +
        std::string(kPotentialColor) + "\"";
  }
  out +=
      "];\n"
      "  node [fontname=\"Helvetica,Arial,sans-serif\", fontsize=11, color=\"#555555\", "
      "style=\"rounded\"];\n"
      "  edge [fontname=\"Helvetica,Arial,sans-serif\", fontsize=9, color=\"#555555\", "
      "fontcolor=\"#333333\"];\n";
  for (const auto& node : report.graph.nodes) {
    const bool in_cycle = index.is_cycle_node(node.id);
    const bool is_event = node.id.starts_with("event:");
    const std::string label = escape::truncate_text(index.node_label(node.id), kMaxNodeLabel);
    out += "  " + quote(node.id) + " [label=" + quote(label) +
           ", shape=" + std::string(shape_of(node.kind));
    out += node.is_alive
               ? ", style=\"rounded\""
               : ", style=\"rounded,filled\", fillcolor=\"" + std::string(kDeadFill) + "\"";
    if (const std::string names = classes({{is_event, "event"}, {in_cycle, cycle_class}});
        !names.empty())
      out += ", class=\"" + names + "\"";
    if (in_cycle)
      out += cycle_style;
    out += "];\n";
  }
  for (const auto& edge : report.graph.edges) {
    const bool in_cycle = index.is_cycle_edge(edge);
    const bool is_dependency = detail::is_dependency_edge(edge);
    // A dependency's basis says why it is one; any other edge's, that it
    // is a guess.
    const std::string basis = is_dependency ? edge.basis : detail::edge_basis_label(edge);
    std::string label = escape::truncate_text(edge.label, kMaxEdgeLabel);
    if (!basis.empty())
      label += (label.empty() ? "" : "\n") + escape::truncate_text(basis, kMaxEdgeLabel);
    out += "  " + quote(edge.from) + " -> " + quote(edge.to) + " [label=" + quote(label);
    if (edge.kind == "woken_by")
      out += ", arrowhead=empty";
    if (is_dependency || !basis.empty())
      out += ", style=dashed";
    if (const std::string names = classes({{in_cycle, cycle_class},
                                           {is_dependency, "depends_on"},
                                           {!is_dependency && !basis.empty(), "inferred"}});
        !names.empty())
      out += ", class=\"" + names + "\"";
    if (in_cycle)
      out += cycle_style;
    else if (is_dependency)
      out += ", penwidth=0.8";
    out += "];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace knot::view
