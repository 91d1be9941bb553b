// knot::view::render_html: one self-contained page (no URL, one script of
// our own), the graph drawn with the cycle highlighted, foldable thread
// groups and a filter box, every report string escaped, and the table
// fallback for graphs too large to draw.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// tags_of() lists every element name opened or closed in `html` ("div",
// "/div", "!DOCTYPE"), and fails the test for event-handler attributes.
std::set<std::string> tags_of(const std::string& html) {
  std::set<std::string> tags;
  for (std::size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    std::size_t end = at + 1;
    while (end < html.size() && (std::isalnum(static_cast<unsigned char>(html[end])) ||
                                 html[end] == '/' || html[end] == '!'))
      ++end;
    tags.insert(html.substr(at + 1, end - at - 1));
    const std::size_t close = html.find('>', at);
    const std::string tag = html.substr(at, close - at);
    EXPECT_EQ(tag.find(" on"), std::string::npos) << "event handler in " << tag;
  }
  return tags;
}

// Elements the page may hold: ours and those of Graphviz's SVG.
const std::set<std::string> kAllowedTags = {
    "!DOCTYPE", "html",    "/html",  "head",    "/head",    "meta",    "title",    "/title",
    "style",    "/style",  "body",   "/body",   "header",   "/header", "h1",       "/h1",
    "h2",       "/h2",     "small",  "/small",  "p",        "/p",      "br",       "section",
    "/section", "div",     "/div",   "svg",     "/svg",     "g",       "/g",       "polygon",
    "ellipse",  "path",    "text",   "/text",   "polyline", "table",   "/table",   "thead",
    "/thead",   "tbody",   "/tbody", "tr",      "/tr",      "th",      "/th",      "td",
    "/td",      "ul",      "/ul",    "li",      "/li",      "em",      "/em",      "strong",
    "/strong",  "span",    "/span",  "details", "/details", "summary", "/summary", "input",
    "button",   "/button", "footer", "/footer", "script",   "/script", "ol",       "/ol",
    "",  // a '<' in our script
};

// The page needs nothing from outside: no URL, no external reference.
TEST(RenderHtmlTest, SelfContained) {
  for (const auto& report : {testing::seed_report(), testing::hostile_report()}) {
    const std::string html = render_html(report);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_EQ(html.find("<iframe"), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
    EXPECT_EQ(html.find("<?xml"), std::string::npos);
    EXPECT_EQ(html.find("<!-- "), std::string::npos);
    EXPECT_EQ(count(html, "<script"), 1u);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  }
  // Nothing on the seed's page loads anything (no src or href at all).
  const std::string seed = render_html(testing::seed_report());
  EXPECT_EQ(seed.find("src="), std::string::npos);
  EXPECT_EQ(seed.find("href"), std::string::npos);
}

// The graph is inline SVG laid out by Graphviz, the cycle's 3 nodes and 3
// edges carry class "cycle", dead nodes are filled.
TEST(RenderHtmlTest, GraphWithCycleHighlighted) {
  const std::string html = render_html(testing::seed_report());
  ASSERT_NE(html.find("<div class=\"graph\" id=\"graph\">\n<svg"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"node cycle\""), 3u);
  EXPECT_EQ(count(html, "class=\"edge cycle\""), 3u);
  EXPECT_EQ(count(html, "class=\"node\""), 4u);
  EXPECT_NE(html.find("fill=\"#fdecea\""), std::string::npos);
  EXPECT_NE(html.find(">channel &#39;processed&#39;</text>"), std::string::npos);
  EXPECT_NE(html.find("id=\"cycle-chain\">thread &#39;embed&#39; -&gt; pool &#39;global&#39; "
                      "-&gt; channel &#39;processed&#39; -&gt; thread &#39;embed&#39;</p>"),
            std::string::npos);
}

// Thread groups are <details>, the ones in the cycle open; knot frames fold
// into a nested <details>; a filter box and its script are there.
TEST(RenderHtmlTest, FoldableGroupsAndFilter) {
  const std::string html = render_html(testing::seed_report());
  EXPECT_EQ(count(html, "<details class=\"group in-cycle\" open>"), 2u);
  EXPECT_EQ(count(html, "<details class=\"group\">"), 1u);
  EXPECT_EQ(count(html, "<details class=\"knot-frames\"><summary>\xe2\x80\xa6 2 knot frames"), 3u);
  EXPECT_NE(html.find("<div class=\"frame user\"><span class=\"function\">reprocess_item(Article "
                      "const&amp;)</span><span class=\"where\">pipeline/src/reprocess.cc:57  "
                      "(knot-embed)</span></div>"),
            std::string::npos);
  EXPECT_NE(html.find("<input id=\"filter\" type=\"search\""), std::string::npos);
  EXPECT_NE(html.find("group.hidden = !hit;"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"pools\">"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"cycle\"><td>&#39;global&#39;</td><td class=\"text\">block</td>"
                      "<td>2</td><td>0</td><td>0</td><td>0</td><td>2</td><td>0</td><td>4</td>"),
            std::string::npos);
}

// Markup and script in every report string come out as text: only
// allowed elements, no event handlers, and the hostile graph still drawn.
TEST(RenderHtmlTest, HostileStringsEscaped) {
  const std::string html = render_html(testing::hostile_report());
  for (const auto& tag : tags_of(html))
    EXPECT_TRUE(kAllowedTags.contains(tag)) << "unexpected element <" << tag;
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos) << "Graphviz refused the escaped DOT";
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
}

// A graph too large to draw becomes a table of its edges.
TEST(RenderHtmlTest, LargeGraphFallsBackToTable) {
  knot::report::Report report;
  for (int i = 0; i < 400; ++i) {
    report.graph.nodes.push_back(
        {"thread:" + std::to_string(i), "thread", "t" + std::to_string(i), false});
    report.graph.edges.push_back({"thread:" + std::to_string(i),
                                  "thread:" + std::to_string((i + 1) % 400), "waits_for", "<waits>",
                                  "exact"});
  }
  report.cycle = {"thread:0", "thread:1"};
  const std::string html = render_html(report);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"edges\">"), std::string::npos);
  EXPECT_NE(html.find("400 nodes and 400 edges, too many to draw"), std::string::npos);
  EXPECT_NE(
      html.find("<tr class=\"cycle\"><td class=\"text\">t0</td><td class=\"text\">&lt;waits&gt;"),
      std::string::npos);
}

// An empty report is still a whole page.
TEST(RenderHtmlTest, EmptyReport) {
  const std::string html = render_html(knot::report::Report{});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("SNAPSHOT"), std::string::npos);
  EXPECT_NE(html.find("</html>\n"), std::string::npos);
}

}  // namespace
}  // namespace knot::view
