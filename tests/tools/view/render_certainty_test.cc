// How sure a verdict is, in every renderer: an inferred or suspected
// verdict never reads, nor is painted, like a proven one; an inferred
// verdict's assumptions are listed next to it; inferred edges are marked
// as guesses; reports older than schema 1.1 read as they always did.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

using testing::inferred_report;
using testing::seed_report;

// Wide enough that no verdict line or assumption wraps.
constexpr RenderOptions kWide{.width = 300};

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// ---------------------------------------------------------------------------
// The verdict's words, table-driven over every way a report can say it
// ---------------------------------------------------------------------------

struct CertaintyCase {
  const char* name;
  const char* kind;
  bool is_proven;
  const char* certainty;  // "" as in reports before 1.1
  const char* header;     // the text's first line, up to " at"
  const char* list_kind;  // the KIND cell of a list
  const char* html_class;
};

void PrintTo(const CertaintyCase& c, std::ostream* os) {
  *os << c.name;
}

class VerdictCertaintyTest : public ::testing::TestWithParam<CertaintyCase> {};

knot::report::Report with_verdict(const CertaintyCase& c) {
  knot::report::Report report = seed_report();
  report.verdict->kind = c.kind;
  report.verdict->is_proven = c.is_proven;
  report.verdict->certainty = c.certainty;
  return report;
}

// The text header, the HTML heading's class and badge, and the list's kind
// all say the same certainty.
TEST_P(VerdictCertaintyTest, SaidAlikeEverywhere) {
  const CertaintyCase& c = GetParam();
  const knot::report::Report report = with_verdict(c);
  EXPECT_EQ(first_line(render_text(report, kWide)),
            std::string(c.header) + " at 2024-05-01T12:00:03.250Z, for 350 ms");
  const std::string html = render_html(report);
  EXPECT_NE(html.find(std::string("<h1 id=\"verdict\" class=\"") + c.html_class + "\">"),
            std::string::npos)
      << html.substr(0, 3000);
  ListEntry entry;
  entry.path = "/r/knot-x.json";
  entry.report = report;
  const std::string list = render_list({entry}, false, 200);
  EXPECT_NE(list.find(std::string("  ") + c.list_kind + "  "), std::string::npos) << list;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, VerdictCertaintyTest,
    ::testing::Values(
        // Schema 1.0 wrote no certainty: is_proven decides, as before.
        CertaintyCase{"OldProvenDeadlock", "deadlock", true, "", "DEADLOCK (proven)", "deadlock",
                      "proven"},
        CertaintyCase{"OldWarning", "pool_exhaustion", false, "", "POOL EXHAUSTION (suspected)",
                      "pool_exhaustion (suspected)", "suspected"},
        CertaintyCase{"Proven", "deadlock", true, "proven", "DEADLOCK (proven)", "deadlock",
                      "proven"},
        CertaintyCase{"Inferred", "deadlock", false, "inferred", "DEADLOCK (inferred, not proven)",
                      "deadlock (inferred)", "inferred"},
        CertaintyCase{"SuspectedStall", "stall", false, "suspected", "STALL (suspected)",
                      "stall (suspected)", "suspected"},
        CertaintyCase{"SuspectedLongTask", "long_task", false, "suspected", "LONG TASK (suspected)",
                      "long_task (suspected)", "suspected"},
        // Fields that disagree: the weaker reading wins.
        CertaintyCase{"ProvenWordWithoutIsProven", "deadlock", false, "proven",
                      "DEADLOCK (suspected)", "deadlock (suspected)", "suspected"},
        CertaintyCase{"InferredWithIsProven", "deadlock", true, "inferred",
                      "DEADLOCK (inferred, not proven)", "deadlock (inferred)", "inferred"},
        // A certainty of a later revision is shown as written, never as proven.
        CertaintyCase{"UnknownWord", "deadlock", true, "likely", "DEADLOCK (likely, not proven)",
                      "deadlock (likely, not proven)", "suspected"},
        CertaintyCase{"OnDemand", "on_demand", false, "", "ON-DEMAND REPORT (on request)",
                      "on_demand", "snapshot"},
        // 1.2: a cycle seen in a run that did not hang is potential, its
        // own level, whatever else the report says; the list names it in
        // two words.
        CertaintyCase{"Potential", "potential_deadlock", false, "potential",
                      "POTENTIAL DEADLOCK (this run did not hang)", "potential deadlock",
                      "potential"},
        CertaintyCase{"PotentialKindClaimingProof", "potential_deadlock", true, "proven",
                      "POTENTIAL DEADLOCK (this run did not hang)", "potential deadlock",
                      "potential"},
        CertaintyCase{"PotentialWordOnADeadlock", "deadlock", true, "potential",
                      "DEADLOCK (potential, this run did not hang)", "deadlock (potential)",
                      "potential"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

// Regression: before schema 1.1, knot-view showed every verdict that was
// not is_proven as "(suspected)" and painted it yellow; an inferred
// deadlock must read, and be painted, as neither proven nor suspected.
TEST(RenderCertaintyTest, InferredHeaderNeverLooksProven) {
  const std::string text = render_text(inferred_report(), kWide);
  EXPECT_EQ(first_line(text),
            "DEADLOCK (inferred, not proven) at 2026-12-01T09:00:04.500Z, "
            "for 800 ms");
  EXPECT_EQ(text.find("(proven)"), std::string::npos) << text;
  EXPECT_EQ(text.find("(suspected)"), std::string::npos) << text;

  const std::string color = render_text(inferred_report(), {.color = true, .width = 300});
  EXPECT_EQ(color.rfind("\x1b[1;35mDEADLOCK (inferred, not proven)\x1b[0m at", 0), 0u) << color;
  EXPECT_EQ(color.find("\x1b[1;31m"), std::string::npos) << "proven red in an inferred report";
  EXPECT_EQ(
      render_text(seed_report(), {.color = true}).rfind("\x1b[1;31mDEADLOCK (proven)\x1b[0m at", 0),
      0u);
}

// ---------------------------------------------------------------------------
// Assumptions
// ---------------------------------------------------------------------------

// Every assumption is listed, in order, right under the verdict line.
TEST(RenderCertaintyTest, TextListsEveryAssumption) {
  auto report = inferred_report();
  report.verdict->assumptions.push_back("only thread 'a' counts latch 'done' down");
  const std::string text = render_text(report, kWide);
  EXPECT_NE(text.find("for 800 ms\n"
                      "  Assumes:\n"
                      "  - thread 'collector' (which made or moved a handle it has not used yet) "
                      "is the only receiver of channel 'results' (send) that can drain it\n"
                      "  - only thread 'a' counts latch 'done' down\n"
                      "process 5151"),
            std::string::npos)
      << text;
}

// An inferred verdict whose report names no assumption says so; a proven
// one has no "Assumes:" at all.
TEST(RenderCertaintyTest, InferredWithoutAssumptionsSaysSo) {
  auto report = inferred_report();
  report.verdict->assumptions.clear();
  EXPECT_NE(render_text(report, kWide).find("  Assumes:\n  - (the report names no assumption)\n"),
            std::string::npos);
  EXPECT_NE(render_html(report).find("(the report names no assumption)"), std::string::npos);
  EXPECT_EQ(render_text(seed_report(), {}).find("Assumes:"), std::string::npos);
  EXPECT_EQ(render_html(seed_report()).find("Assumes:"), std::string::npos);
}

// The page gives an inferred verdict its own class and badge, and lists
// the assumptions next to it, before the summary.
TEST(RenderCertaintyTest, HtmlBadgeAndAssumptions) {
  const std::string html = render_html(inferred_report());
  EXPECT_NE(html.find("<h1 id=\"verdict\" class=\"inferred\">DEADLOCK <span class=\"certainty "
                      "inferred\" id=\"certainty\">inferred, not proven</span> <small>at "
                      "2026-12-01T09:00:04.500Z, for 800 ms</small></h1>\n"
                      "<div class=\"assumptions\" id=\"assumptions\"><strong>Assumes:</strong>"
                      "<ul><li>thread &#39;collector&#39; (which made or moved a handle it has "
                      "not used yet) is the only receiver of channel &#39;results&#39; (send) "
                      "that can drain it</li></ul></div>\n"),
            std::string::npos)
      << html.substr(0, 6000);
  EXPECT_LT(html.find("id=\"assumptions\""), html.find("id=\"summary\""));
  EXPECT_EQ(html.find("class=\"proven\""), std::string::npos);
  EXPECT_EQ(html.find("class=\"certainty proven\""), std::string::npos);
  EXPECT_NE(render_html(seed_report())
                .find("<h1 id=\"verdict\" class=\"proven\">DEADLOCK <span class=\"certainty "
                      "proven\" id=\"certainty\">proven</span>"),
            std::string::npos);
}

// Hostile assumptions are escaped like every other report string.
TEST(RenderCertaintyTest, HostileAssumptionsEscaped) {
  auto report = inferred_report();
  report.verdict->assumptions = testing::kHostile;
  const std::string text = render_text(report, {});
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    ASSERT_TRUE(byte == '\n' || (byte >= 0x20 && byte != 0x7f)) << "byte " << int{byte};
  }
  EXPECT_NE(text.find("\\x1b]0;pwned\\x07"), std::string::npos);
  const std::string html = render_html(report);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Inferred edges
// ---------------------------------------------------------------------------

// The cycle's guessed step is marked in the text and on the page.
TEST(RenderCertaintyTest, InferredCycleStepMarked) {
  const std::string text = render_text(inferred_report(), kWide);
  EXPECT_NE(text.find("    channel 'results' (send) drained by (assumed) thread 'collector' "
                      "[inferred]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    thread 'collector' waits for its closure in pool 'global'\n"),
            std::string::npos)
      << "an exact step is not marked";
  const std::string html = render_html(inferred_report());
  EXPECT_NE(html.find("<em>drained by (assumed)</em> thread &#39;collector&#39; <span "
                      "class=\"basis\">[inferred]</span></li>"),
            std::string::npos);
  EXPECT_EQ(render_text(seed_report(), {}).find("[inferred]"), std::string::npos);
}

// In Graphviz, an inferred edge is dashed and labelled "inferred"; exact
// edges are solid; "can be woken by" has a hollow arrowhead either way.
TEST(RenderCertaintyTest, DotDashesOnlyInferredEdges) {
  const std::string dot = render_dot(inferred_report());
  EXPECT_NE(dot.find("  \"resource:7:send\" -> \"thread:101\" [label=\"drained by "
                     "(assumed)\\ninferred\", arrowhead=empty, style=dashed, class=\"cycle "
                     "inferred\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("  \"thread:101\" -> \"pool:1\" [label=\"waits for its closure in\", "
                     "class=\"cycle\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("  \"resource:9\" -> \"thread:202\" [label=\"held in shared mode by\", "
                     "arrowhead=empty];\n"),
            std::string::npos)
      << dot;
  std::size_t dashed = 0;
  for (std::size_t at = dot.find("style=dashed"); at != std::string::npos;
       at = dot.find("style=dashed", at + 1))
    ++dashed;
  EXPECT_EQ(dashed, 1u);
  // A report before 1.1 (edges without a basis) has no dashed edge.
  EXPECT_EQ(render_dot(seed_report()).find("style=dashed"), std::string::npos);
}

// The drawn page keeps the dashes, and the edge table (large graphs)
// names each edge's basis.
TEST(RenderCertaintyTest, HtmlGraphAndEdgeTableShowBasis) {
  const std::string html = render_html(inferred_report());
  ASSERT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("class=\"edge cycle inferred\""), std::string::npos);
  EXPECT_NE(html.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(html.find("dashed lines, labelled inferred"), std::string::npos);

  knot::report::Report big = inferred_report();
  for (int i = 0; i < 400; ++i)
    big.graph.nodes.push_back({"thread:" + std::to_string(1000 + i), "thread", "t", true});
  const std::string table = render_html(big);
  ASSERT_NE(table.find("<table id=\"edges\">"), std::string::npos);
  EXPECT_NE(table.find("<td class=\"text basis\">inferred</td>"), std::string::npos);
  EXPECT_NE(table.find("<td class=\"text\">exact</td>"), std::string::npos);
}

// The list marks an inferred verdict and paints it apart from a proven one.
TEST(RenderCertaintyTest, ListMarksAndPaintsInferred) {
  ListEntry inferred;
  inferred.path = "/r/knot-deadlock-i.json";
  inferred.report = inferred_report();
  ListEntry proven;
  proven.path = "/r/knot-deadlock-p.json";
  proven.report = seed_report();
  const std::string color = render_list({inferred, proven}, true, 200);
  EXPECT_NE(color.find("\x1b[1;35mdeadlock (inferred)"), std::string::npos) << color;
  EXPECT_NE(color.find("\x1b[1;31mdeadlock "), std::string::npos) << color;
  EXPECT_EQ(color.find("\x1b[1;31mdeadlock (inferred)"), std::string::npos);
}

}  // namespace
}  // namespace knot::view
