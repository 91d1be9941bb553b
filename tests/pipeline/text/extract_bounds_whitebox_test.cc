// Work and memory bounds of extraction on adversarial pages (#16 items 1
// and 9): whatever the shape of a page, gumbo must only ever see a bounded
// stack of open elements and a bounded number of attributes per tag (its
// per-tag work grows with both), the nesting limiter's own work must grow
// linearly with the input, and gumbo must build no more nodes than the
// node budget allows, in an arena that stops at its limit. Checked by
// counting, not timing: the tree gumbo built shows the depth it reached
// and its nodes, LimiterStats counts the limiter's steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "html_document.h"
#include "knot/text/extract.h"
#include "nesting_limiter.h"

namespace knot::text::detail {
namespace {

using namespace std::chrono_literals;

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

// Each piece of a shape is `make(i)` for i in [0, n).
std::string build(const std::function<std::string(std::size_t)>& make, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += make(i);
  }
  return out;
}

struct TreeShape {
  std::size_t max_depth = 0;
  std::size_t max_attributes = 0;
  std::size_t num_nodes = 0;       // below the document
  std::size_t num_attributes = 0;  // of all elements
};

// Deepest node and largest attribute list of the tree gumbo built.
TreeShape tree_shape(const GumboNode* root) {
  TreeShape shape;
  std::vector<std::pair<const GumboNode*, std::size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    const auto [g, depth] = stack.back();
    stack.pop_back();
    shape.max_depth = std::max(shape.max_depth, depth);
    shape.num_nodes += depth > 0 ? 1 : 0;
    const GumboVector* children = nullptr;
    if (g->type == GUMBO_NODE_DOCUMENT) {
      children = &g->v.document.children;
    } else if (g->type == GUMBO_NODE_ELEMENT || g->type == GUMBO_NODE_TEMPLATE) {
      children = &g->v.element.children;
      shape.max_attributes =
          std::max<std::size_t>(shape.max_attributes, g->v.element.attributes.length);
      shape.num_attributes += g->v.element.attributes.length;
    }
    for (unsigned k = 0; children != nullptr && k < children->length; ++k) {
      stack.emplace_back(static_cast<const GumboNode*>(children->data[k]), depth + 1);
    }
  }
  return shape;
}

struct Shape {
  const char* name;
  std::function<std::string(std::size_t)> piece;
};

// The shapes that made gumbo quadratic, or could: each named after the
// pattern repeated.
std::vector<Shape> adversarial_shapes() {
  const auto fixed = [](std::string s) { return [s](std::size_t) { return s; }; };
  const auto numbered = [](std::string open, std::string close) {
    return [open, close](std::size_t i) { return open + std::to_string(i) + close; };
  };
  return {
      // #16 item 1: end tags gumbo ignores used to count as closing a level.
      {"unmatched end tags <div></x>", fixed("<div></x>")},
      {"end tag blocked by a special element <x-a><div></x-a></div>",
       fixed("<x-a><div></x-a></div>")},
      {"long custom names that differ",
       fixed("<x-aaaaaaaaaaaaaaaaaaaa1></x-aaaaaaaaaaaaaaaaaaaa2>")},
      {"misnested formatting <b><i></b></i>", fixed("<b><i></b></i>")},
      {"formatting reopened after </div>", numbered("<div><b class=c", ">t</div>t")},
      {"<form><div></form>", fixed("<form><div></form>")},
      {"ruby without ruby <rt>", fixed("<rt>")},
      {"implied table parts <table><td></div>", fixed("<table><td></div>")},
      {"<a><div>", fixed("<a><div>")},
      {"deep nesting <div>", fixed("<div>")},
      {"deep nesting <span>", fixed("<span>")},
      {"repeated <body> with new attributes", numbered("<body a", "=1>")},
      {"tiny elements <i></i>", fixed("<i></i>")},
      // #16 item 9: shapes that make gumbo build many nodes from few bytes.
      {"bare <p>", fixed("<p>")},
      {"end tags that make elements </p></br>", fixed("</p></br>")},
      {"comments", fixed("<!---->")},
      {"bogus comments", fixed("</3><?x>")},
      {"implied table parts <table><td>x</table>", fixed("<table><td>x</table>")},
      {"attributes <a href=x title=y>z</a>", fixed("<a href=x title=y>z</a>")},
  };
}

// The adversarial shapes, and one that starts differently: 255 formatting
// elements closed by a </div>, which gumbo then reopens in every new block
// (255 nodes and attributes for 12 bytes, before the budget).
std::vector<Shape> budget_shapes() {
  std::vector<Shape> shapes = adversarial_shapes();
  shapes.push_back({"formatting reopened in every block", [](std::size_t i) {
                      std::string s;
                      if (i == 0) {
                        s = "<div>";
                        for (std::size_t k = 0; k < 255; ++k) {
                          s += "<b class=c" + std::to_string(k) + ">";
                        }
                        s += "</div>";
                      }
                      return s + "<div>x</div>";
                    }});
  return shapes;
}

// Every adversarial shape, at 20k repetitions: gumbo's tree stays within a
// small multiple of kMaxNestingDepth (implied tbody/tr/td add up to three
// levels per counted table), and the limiter looks at a bounded number of
// model entries per tag.
TEST(ExtractBoundsTest, AdversarialShapesStayShallow) {
  const knot::testing::Deadline deadline(240s);
  constexpr std::size_t kReps = 20000;
  for (const Shape& s : adversarial_shapes()) {
    const std::string html = build(s.piece, kReps) + "<p>tail</p>";
    const HtmlDocument document(html);
    const TreeShape shape = tree_shape(document.root());
    EXPECT_LE(shape.max_depth, 4 * kMaxNestingDepth + 8) << s.name;
    EXPECT_LE(shape.max_attributes, kMaxAttributes) << s.name;

    LimiterStats stats;
    (void)limit_nesting(html, kMaxNestingDepth, &stats);
    EXPECT_LE(stats.num_model_steps, 2 * (kMaxNestingDepth + 1) * (stats.num_tags + 1)) << s.name;
  }
}

// The limiter's work is linear in the input: four times the page, at most
// about four times the steps (counted, so noise-free).
TEST(ExtractBoundsTest, LimiterWorkGrowsLinearly) {
  for (const Shape& s : adversarial_shapes()) {
    LimiterStats small;
    LimiterStats large;
    (void)limit_nesting(build(s.piece, 5000), kMaxNestingDepth, &small);
    (void)limit_nesting(build(s.piece, 20000), kMaxNestingDepth, &large);
    EXPECT_LE(large.num_model_steps, 4 * small.num_model_steps + 4 * kMaxNestingDepth) << s.name;
    EXPECT_EQ(large.num_tags, 4 * small.num_tags) << s.name;
  }
}

// A tag with 100k attributes: gumbo compares each with all before it, so
// the limiter keeps the first kMaxAttributes; the text survives.
TEST(ExtractBoundsTest, HugeAttributeListIsCapped) {
  const std::string attrs =
      build([](std::size_t i) { return " a" + std::to_string(i) + "=1"; }, 100000);
  const std::string html = "<div id=keep" + attrs + ">kept text</div><p b='x>y'" + attrs + "/>";
  LimiterStats stats;
  const auto limited = limit_nesting(html, kMaxNestingDepth, &stats);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(stats.num_cut_attr_runs, 2U);
  EXPECT_EQ(tree_shape(HtmlDocument(html).root()).max_attributes, kMaxAttributes);
  EXPECT_EQ(extract_article(html).text, "kept text");
}

// The node budget (#16 item 9): with a budget of 5000, gumbo builds at
// most that many nodes and attributes on every adversarial shape (the
// model counts them exactly here), plus, once the budget is spent, one
// more reopening of the closed formatting elements (at most
// kMaxNestingDepth, here with one attribute each).
TEST(ExtractBoundsTest, NodeBudgetBoundsTheTree) {
  const knot::testing::Deadline deadline(240s);
  constexpr std::size_t kReps = 20000;
  constexpr std::size_t kBudget = 5000;
  for (const Shape& s : budget_shapes()) {
    const std::string html = build(s.piece, kReps) + "<p>tail</p>";
    const HtmlDocument document(html, kBudget, SIZE_MAX);
    ASSERT_TRUE(document.parsed());
    const TreeShape shape = tree_shape(document.root());
    EXPECT_LE(shape.num_nodes + shape.num_attributes, kBudget + 2 * kMaxNestingDepth + 8)
        << s.name << ": " << shape.num_nodes << " nodes, " << shape.num_attributes << " attributes";
  }
}

// Past the budget, tags and comments go, the text stays (a block tag
// leaves a space, a formatting one nothing); script and the other raw-text
// elements whose content never shows go whole.
TEST(ExtractBoundsTest, NodeBudgetCutsTagsNotText) {
  const std::string html = "<title>T</title>" + repeat("<p>x</p><!-- c -->", 1000) +
                           "<script>var s;</script><xmp>y</xmp><b>z</b>";
  LimiterStats stats;
  const auto limited = limit_nesting(html, kMaxNestingDepth, &stats, 100);
  ASSERT_TRUE(limited.has_value());
  EXPECT_TRUE(stats.is_budget_spent);
  EXPECT_EQ(std::count(limited->begin(), limited->end(), 'x'), 1000);
  EXPECT_EQ(limited->find("xx"), std::string::npos);
  EXPECT_LT(limited->rfind("<!--"), limited->find(" x "));  // comments only before the cut
  EXPECT_EQ(limited->find("var s;"), std::string::npos);
  EXPECT_TRUE(limited->ends_with(" y z")) << limited->substr(limited->size() - 20);
  // Nothing is cut under the budget.
  EXPECT_FALSE(limit_nesting(html, kMaxNestingDepth, nullptr, node_budget(html.size())));
}

// The arena's limit (#16 item 9): a parse that needs more stops, and the
// arena holds no more than its limit.
TEST(ExtractBoundsTest, ArenaLimitStopsTheParse) {
  const std::string html = repeat("<i></i>", 200000);
  constexpr std::size_t kLimit = std::size_t{4} << 20;
  const HtmlDocument limited(html, SIZE_MAX, kLimit);
  EXPECT_FALSE(limited.parsed());
  EXPECT_LE(limited.arena_bytes(), kLimit);
  const HtmlDocument whole(html, SIZE_MAX, SIZE_MAX);
  ASSERT_TRUE(whole.parsed());
  EXPECT_GT(whole.arena_bytes(), kLimit);
  EXPECT_EQ(tree_shape(whole.root()).num_nodes, 200000 + 3);
}

// What the model gets right on ordinary misnesting: an end tag closes the
// unclosed inline elements inside it, and an ignored end tag closes nothing.
TEST(ExtractBoundsTest, ModelFollowsGumboOnCommonMistakes) {
  // Unclosed <span>s inside closed <div>s never accumulate.
  EXPECT_FALSE(limit_nesting(repeat("<div><span>x</div>", 1000), 4).has_value());
  // Stray end tags do not hide real depth: the 5th <div> is cut, and the
  // end tag after it pairs with it.
  EXPECT_EQ(limit_nesting(repeat("<div></x>", 5), 4).value(), repeat("<div></x>", 4));
  // A repeated <body> is cut, the first kept.
  EXPECT_EQ(limit_nesting("<body a=1><p>x<body b=2>").value(), "<body a=1><p>x");
}

}  // namespace
}  // namespace knot::text::detail
