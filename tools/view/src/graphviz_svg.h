// layout_svg(): DOT text laid out by Graphviz's "dot" engine in-process
// (libgvc) and rendered as SVG, trimmed for inlining into an HTML page: no
// XML prolog, DOCTYPE, comments or namespace declarations. Graphviz keeps
// global error state, so calls must not run concurrently (knot-view makes
// one). Costs milliseconds for tens of nodes; the caller bounds the size.
#pragma once

#include <optional>
#include <string>

namespace knot::view::detail {

struct SvgLayout {
  std::optional<std::string> svg;  // absent when Graphviz failed
  std::string error;               // why, when it failed
};

SvgLayout layout_svg(const std::string& dot);

// strip_svg_preamble() is the SVG markup of a Graphviz document from its
// <svg> element on, without comments and xmlns attributes (HTML's parser
// puts an inline <svg> in the SVG namespace by itself).
std::string strip_svg_preamble(std::string_view document);

}  // namespace knot::view::detail
