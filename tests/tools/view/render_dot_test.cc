// knot::view::render_dot: the graph in Graphviz's language, the cycle
// highlighted, every label and id escaped.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

// unescaped_quotes() counts the quotes of `line` not preceded by an odd
// run of backslashes: even means every string is closed.
std::size_t unescaped_quotes(const std::string& line) {
  std::size_t quotes = 0;
  std::size_t backslashes = 0;
  for (char c : line) {
    if (c == '"' && backslashes % 2 == 0)
      ++quotes;
    backslashes = c == '\\' ? backslashes + 1 : 0;
  }
  return quotes;
}

// The seed's graph: every node and edge, the cycle's in red with class
// "cycle"; "can be woken by" edges have hollow arrowheads.
TEST(RenderDotTest, SeedGraph) {
  const std::string dot = render_dot(testing::seed_report());
  EXPECT_NE(dot.find("digraph knot {"), std::string::npos);
  EXPECT_NE(dot.find("  \"thread:101\" [label=\"thread 'embed'\", shape=ellipse, "
                     "style=\"rounded,filled\", fillcolor=\"#fdecea\", class=\"cycle\""),
            std::string::npos);
  EXPECT_NE(dot.find("  \"thread:101\" -> \"pool:1\" [label=\"waits in join on\", class=\"cycle\""),
            std::string::npos);
  EXPECT_NE(dot.find("  \"resource:7:send\" -> \"thread:101\" [label=\"is drained only by\", "
                     "arrowhead=empty, class=\"cycle\""),
            std::string::npos);
  EXPECT_NE(dot.find("  \"thread:201\" -> \"resource:7:send\" [label=\"waits to send into\"];\n"),
            std::string::npos);
  std::size_t cycle_lines = 0;
  std::istringstream lines(dot);
  for (std::string line; std::getline(lines, line);)
    cycle_lines += line.find("class=\"cycle\"") != std::string::npos;
  EXPECT_EQ(cycle_lines, 6u);  // 3 nodes, 3 edges
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
}

// Quotes, backslashes and newlines in labels and ids never end a string
// early; every statement stays on its line.
TEST(RenderDotTest, EscapesLabelsAndIds) {
  knot::report::Report report;
  report.graph.nodes.push_back({"a\"b\\", "thread", "say \"hi\"\\\nthere & <b>", true});
  report.graph.edges.push_back({"a\"b\\", "x\ny", "waits_for", "\"] -> evil [label=\"", "exact"});
  const std::string dot = render_dot(report);
  EXPECT_NE(dot.find("  \"a\\\"b\\\\\" [label=\"say \\\"hi\\\"\\\\\\nthere &amp; <b>\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("-> \"x\\ny\" [label=\"\\\"] -> evil [label=\\\"\"]"), std::string::npos)
      << dot;
  std::istringstream lines(dot);
  for (std::string line; std::getline(lines, line);)
    EXPECT_EQ(unescaped_quotes(line) % 2, 0u) << line;
}

// Every line of the hostile report's graph keeps its strings closed.
TEST(RenderDotTest, HostileReportStaysWellFormed) {
  const std::string dot = render_dot(testing::hostile_report());
  std::istringstream lines(dot);
  std::size_t num_lines = 0;
  for (std::string line; std::getline(lines, line); ++num_lines) {
    EXPECT_EQ(unescaped_quotes(line) % 2, 0u) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos);
  }
  // header comment, digraph, 3 defaults, 24 nodes, 24 edges, closing brace
  EXPECT_EQ(num_lines, 2u + 1 + 3 + 24 + 24 + 1);
}

}  // namespace
}  // namespace knot::view
