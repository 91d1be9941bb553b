// The wait-for graph as Graphviz text (render.h: render_dot). The HTML page
// lays out this same text, so the two never disagree. Labels are escaped
// with dot_escape() and cut to a length that keeps the drawing readable;
// node ids are quoted strings, so any id is a valid one.
//
// An edge's line says how knot knows it: solid for exact, dashed (and
// labelled "inferred") for a guess. Its arrowhead says what it is: filled
// for "waits for", hollow for "can be woken by".

#include <string>

#include "certainty.h"
#include "knot/escape/escape.h"
#include "knot/view/render.h"
#include "report_index.h"

namespace knot::view {

namespace {

constexpr std::size_t kMaxNodeLabel = 80;
constexpr std::size_t kMaxEdgeLabel = 60;
constexpr std::string_view kCycleColor = "#c62828";
constexpr std::string_view kDeadFill = "#fdecea";

std::string quote(std::string_view text) {
  return "\"" + escape::dot_escape(text) + "\"";
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
  std::string out =
      "// knot wait-for graph: red nodes and edges form the cycle, filled nodes are dead;\n"
      "// dashed edges are inferred (guesses), solid ones exact; hollow arrowheads: woken by.\n"
      "digraph knot {\n"
      "  graph [fontname=\"Helvetica,Arial,sans-serif\", fontsize=12, nodesep=0.4, "
      "ranksep=0.5];\n"
      "  node [fontname=\"Helvetica,Arial,sans-serif\", fontsize=11, color=\"#555555\", "
      "style=\"rounded\"];\n"
      "  edge [fontname=\"Helvetica,Arial,sans-serif\", fontsize=9, color=\"#555555\", "
      "fontcolor=\"#333333\"];\n";
  for (const auto& node : report.graph.nodes) {
    const bool in_cycle = index.is_cycle_node(node.id);
    const std::string label = escape::truncate_text(index.node_label(node.id), kMaxNodeLabel);
    out += "  " + quote(node.id) + " [label=" + quote(label) +
           ", shape=" + std::string(shape_of(node.kind));
    out += node.is_alive
               ? ", style=\"rounded\""
               : ", style=\"rounded,filled\", fillcolor=\"" + std::string(kDeadFill) + "\"";
    if (in_cycle) {
      out += ", class=\"cycle\", color=\"" + std::string(kCycleColor) + "\", fontcolor=\"" +
             std::string(kCycleColor) + "\", penwidth=2.5";
    }
    out += "];\n";
  }
  for (const auto& edge : report.graph.edges) {
    const bool in_cycle = index.is_cycle_edge(edge);
    const std::string basis = detail::edge_basis_label(edge);
    std::string label = escape::truncate_text(edge.label, kMaxEdgeLabel);
    if (!basis.empty())
      label += (label.empty() ? "" : "\n") + escape::truncate_text(basis, kMaxEdgeLabel);
    out += "  " + quote(edge.from) + " -> " + quote(edge.to) + " [label=" + quote(label);
    if (edge.kind == "woken_by")
      out += ", arrowhead=empty";
    if (!basis.empty())
      out += ", style=dashed";
    if (in_cycle || !basis.empty()) {
      const std::string classes = std::string(in_cycle ? "cycle" : "") +
                                  (in_cycle && !basis.empty() ? " " : "") +
                                  (basis.empty() ? "" : "inferred");
      out += ", class=\"" + classes + "\"";
    }
    if (in_cycle) {
      out += ", color=\"" + std::string(kCycleColor) + "\", fontcolor=\"" +
             std::string(kCycleColor) + "\", penwidth=2.5";
    }
    out += "];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace knot::view
