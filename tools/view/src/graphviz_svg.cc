// Graphviz layout to inline SVG (graphviz_svg.h).

#include "graphviz_svg.h"

#include <gvc.h>

#include <memory>
#include <mutex>

namespace knot::view::detail {

namespace {

// Graphviz reports errors through a process-wide callback; the last one is
// kept here for the caller (layout_svg() is documented as not concurrent).
std::string& last_graphviz_error() {
  static std::string error;
  return error;
}

int record_graphviz_error(char* message) {
  if (message != nullptr)
    last_graphviz_error() = message;
  return 0;
}

// graphviz_context() is the one Graphviz context of the process, made on
// first use and never freed: Graphviz 2.42/2.43 reads freed memory (in its
// text-size plugin) once a second context was made after a first one was
// freed, which the report fuzzer found. Layouts are serialized by the
// caller's lock below, since a context is not thread-safe.
GVC_t* graphviz_context() {
  static GVC_t* const context = gvContext();
  return context;
}

std::mutex& graphviz_mutex() {
  static std::mutex m;
  return m;
}
struct GraphDeleter {
  void operator()(Agraph_t* graph) const { agclose(graph); }
};

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace

std::string strip_svg_preamble(std::string_view document) {
  const std::size_t start = document.find("<svg");
  if (start == std::string_view::npos)
    return "";
  // Everything from <svg> on, without comments and without the blank lines
  // Graphviz leaves after each comment it wrote.
  std::string svg;
  svg.reserve(document.size() - start);
  std::size_t pos = start;
  while (pos < document.size()) {
    const std::size_t comment = document.find("<!--", pos);
    svg.append(document.substr(
        pos, comment == std::string_view::npos ? std::string_view::npos : comment - pos));
    if (comment == std::string_view::npos)
      break;
    const std::size_t end = document.find("-->", comment + 4);
    if (end == std::string_view::npos)
      break;
    pos = end + 3;
    while (pos < document.size() && document[pos] == '\n' && !svg.empty() && svg.back() == '\n')
      ++pos;
  }
  // The namespace declarations, all on the <svg> tag itself.
  while (true) {
    const std::size_t tag_end = svg.find('>');
    const std::size_t at = svg.find(" xmlns");
    if (at == std::string::npos || at > tag_end)
      break;
    const std::size_t open_quote = svg.find('"', at);
    const std::size_t close_quote =
        open_quote == std::string::npos ? std::string::npos : svg.find('"', open_quote + 1);
    if (close_quote == std::string::npos || close_quote > tag_end)
      break;
    svg.erase(at, close_quote + 1 - at);
  }
  return trim(std::move(svg));
}

SvgLayout layout_svg(const std::string& dot) {
  // Graphviz keeps global state (the error hook, the context): one layout
  // at a time.
  std::lock_guard<std::mutex> lock(graphviz_mutex());
  SvgLayout result;
  last_graphviz_error().clear();
  const agusererrf previous = agseterrf(record_graphviz_error);
  auto fail = [&](std::string what) {
    result.error = std::move(what);
    if (!last_graphviz_error().empty())
      result.error += ": " + trim(last_graphviz_error());
    agseterrf(previous);
    return result;
  };

  GVC_t* const context = graphviz_context();
  if (context == nullptr)
    return fail("Graphviz could not start");
  std::unique_ptr<Agraph_t, GraphDeleter> graph(agmemread(dot.c_str()));
  if (!graph)
    return fail("Graphviz could not read the graph");
  if (gvLayout(context, graph.get(), "dot") != 0)
    return fail("Graphviz's dot layout failed (is its layout plugin installed?)");
  char* data = nullptr;
  unsigned int length = 0;
  const int rendered = gvRenderData(context, graph.get(), "svg", &data, &length);
  gvFreeLayout(context, graph.get());
  if (rendered != 0 || data == nullptr) {
    if (data != nullptr)
      gvFreeRenderData(data);
    return fail("Graphviz could not render SVG");
  }
  std::string svg = strip_svg_preamble(std::string_view(data, length));
  gvFreeRenderData(data);
  if (svg.empty())
    return fail("Graphviz's output holds no <svg> element");
  agseterrf(previous);
  result.svg = std::move(svg);
  return result;
}

}  // namespace knot::view::detail
