// Potential deadlocks (schema 1.2, issue #17) in every renderer: a cycle
// of dependencies seen in a run that did not hang never reads, nor is
// painted, nor is drawn like a deadlock. The text, the page and the graph
// say "potential" and "this run did not hang", show the condition, each
// dependency in the cycle's order with its two stacks (knot's frames
// folded) and what prevents it; the list calls it a potential deadlock.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

using testing::potential_report;

// Wide enough that no verdict line, condition or dependency wraps.
constexpr RenderOptions kWide{.width = 400};

constexpr std::string_view kCondition =
    "It hangs when channel 'processed' is full (holds 4096 items) and all 2 workers of pool "
    "'global' run tasks that wait for room in channel 'processed', all at once.";
constexpr std::string_view kFirstEdge =
    "thread 'embed' waits for a free worker of pool 'global' while it is the receiving stage of "
    "channel 'processed'";
constexpr std::string_view kSecondEdge =
    "the tasks of pool 'global' wait for room in channel 'processed' while the waiting task "
    "occupies a worker of pool 'global'";

bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

std::size_t count(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// The fixture is what the renderers are tested on: a potential_deadlock of
// two dependencies, each with both stacks.
TEST(RenderHazardTest, FixtureIsAPotentialDeadlock) {
  const knot::report::Report report = potential_report();
  ASSERT_TRUE(report.verdict.has_value());
  EXPECT_EQ(report.verdict->kind, "potential_deadlock");
  EXPECT_EQ(report.verdict->certainty, "potential");
  EXPECT_FALSE(report.verdict->is_proven);
  ASSERT_TRUE(report.hazard.has_value());
  ASSERT_EQ(report.hazard->edges.size(), 2u);
  for (const auto& edge : report.hazard->edges) {
    EXPECT_FALSE(edge.wait_stack.empty());
    EXPECT_FALSE(edge.responsibility_stack.empty());
  }
  EXPECT_EQ(report.cycle.size(), 2u);
  EXPECT_TRUE(report.threads.empty());
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

// The header says potential and that the run did not hang, the condition
// comes right under it, and nothing says proven or draws the deadlock's
// "Cycle".
TEST(RenderHazardTest, TextHeaderAndConditionNeverProven) {
  const std::string text = render_text(potential_report(), kWide);
  EXPECT_EQ(first_line(text),
            "POTENTIAL DEADLOCK (this run did not hang) at 2026-12-05T10:00:12.125Z")
      << text;
  EXPECT_TRUE(contains(text, "at 2026-12-05T10:00:12.125Z\n  Condition: " +
                                 std::string(kCondition) + "\nprocess 6161"))
      << text;
  EXPECT_FALSE(contains(text, "(proven)")) << text;
  EXPECT_FALSE(contains(text, "proven")) << text;
  EXPECT_FALSE(contains(text, "\nDEADLOCK")) << text;
  EXPECT_FALSE(contains(text, "\nCycle\n")) << text;
  EXPECT_FALSE(contains(text, "Assumes:")) << text;
  EXPECT_TRUE(contains(text, "\nPotential cycle (this run did not hang)\n")) << text;
}

// In colour, the verdict and the cycle's chain are the potential's blue:
// never the proven red, the cycle's red, nor the inferred magenta.
TEST(RenderHazardTest, TextPaintedAsPotential) {
  const std::string color = render_text(potential_report(), {.color = true, .width = 400});
  EXPECT_EQ(color.rfind("\x1b[1;34mPOTENTIAL DEADLOCK (this run did not hang)\x1b[0m at", 0), 0u)
      << color;
  EXPECT_TRUE(contains(color,
                       "\x1b[1;34mroom in channel 'processed' -> a free worker of pool 'global' "
                       "-> room in channel 'processed'\x1b[0m"))
      << color;
  EXPECT_FALSE(contains(color, "\x1b[1;31m")) << "proven red in a potential report";
  EXPECT_FALSE(contains(color, "\x1b[31m")) << "the cycle's red in a potential report";
  EXPECT_FALSE(contains(color, "\x1b[1;35m")) << "inferred magenta in a potential report";
}

// Each dependency in the cycle's order: its sentence, its two events and
// basis, then where it waited and where it took the responsibility, each
// stack with knot's frames folded and the user's frames marked.
TEST(RenderHazardTest, TextListsDependenciesWithBothStacks) {
  const std::string text = render_text(potential_report(), kWide);
  const std::size_t first = text.find("\n  1. " + std::string(kFirstEdge) + "\n");
  const std::size_t second = text.find("\n  2. " + std::string(kSecondEdge) + "\n");
  ASSERT_NE(first, std::string::npos) << text;
  ASSERT_NE(second, std::string::npos) << text;
  EXPECT_LT(first, second);
  EXPECT_TRUE(contains(text,
                       "\n     room in channel 'processed' needs a free worker of pool 'global' "
                       "(stage: it receives from the channel)\n"
                       "     where it waited:\n"
                       "         … 2 knot frames\n"
                       "       > knot::pipeline::embed_batch(…)  pipeline/src/embed.cc:88  "
                       "(knot-embed)\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "     where it took the responsibility:\n"
                       "         … 2 knot frames\n"
                       "       > knot::pipeline::reprocess(…)::{lambda()#3}::operator()() const  "
                       "pipeline/src/reprocess.cc:168  (knot-embed)\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "\n     a free worker of pool 'global' needs room in channel 'processed' "
                       "(worker_slot: the waiting task keeps a worker of its pool)\n"))
      << text;
  EXPECT_EQ(count(text, "     where it waited:\n"), 2u);
  EXPECT_EQ(count(text, "     where it took the responsibility:\n"), 2u);
  // knot's frames are folded, as in a thread's stack; --full shows them.
  EXPECT_FALSE(contains(text, "HazardHook")) << text;
  const std::string full = render_text(potential_report(), {.full = true, .width = 400});
  EXPECT_TRUE(contains(full,
                       "knot::detail::HazardHook::before_wait(knot::detail::WaitKind, "
                       "unsigned long)  runtime/src/hazard_hook.cc:61"))
      << full;
  EXPECT_FALSE(contains(full, "knot frames")) << full;
}

// A stack the report does not have says so.
TEST(RenderHazardTest, TextMissingStackSaysSo) {
  auto report = potential_report();
  report.hazard->edges[1].responsibility_stack.clear();
  const std::string text = render_text(report, kWide);
  EXPECT_TRUE(contains(text,
                       "     where it took the responsibility:\n"
                       "         (no stack recorded)\n"))
      << text;
}

// What prevents it, then the advice; with no policy to prevent it, the
// section says so.
TEST(RenderHazardTest, TextPreventedBy) {
  const std::string text = render_text(potential_report(), kWide);
  EXPECT_TRUE(contains(text,
                       "\nPrevented by\n"
                       "  - kFiber on pool 'global': a task that waits there suspends and frees "
                       "its worker\n"
                       "  - kCompensate on pool 'global', as long as its spare limit covers the "
                       "tasks that wait at once\n"))
      << text;
  EXPECT_LT(text.find("\nPrevented by\n"), text.find("\nAdvice\n"));

  auto report = potential_report();
  report.hazard->prevented_by.clear();
  EXPECT_TRUE(contains(render_text(report, kWide),
                       "\nPrevented by\n  (no blocking policy would prevent it: see the "
                       "advice)\n"));
}

// A potential verdict without its hazard (a damaged report) still reads
// as potential: its conditions, one per line, and its cycle titled as
// potential, from the graph.
TEST(RenderHazardTest, TextWithoutHazardStaysPotential) {
  auto report = potential_report();
  report.hazard.reset();
  const std::string text = render_text(report, kWide);
  EXPECT_TRUE(contains(text,
                       "  Hangs when, all at once:\n"
                       "  - channel 'processed' is full (holds 4096 items)\n"
                       "  - all 2 workers of pool 'global' run tasks that wait for room in "
                       "channel 'processed'\n"))
      << text;
  EXPECT_TRUE(contains(text,
                       "\nPotential cycle (this run did not hang)\n"
                       "  room in channel 'processed' -> a free worker of pool 'global' -> room "
                       "in channel 'processed'\n"
                       "    room in channel 'processed' needs (thread 'embed', stage) a free "
                       "worker of pool 'global'\n"
                       "    a free worker of pool 'global' needs (tasks of pool 'global', "
                       "worker_slot) room in channel 'processed'\n"))
      << text;
  const std::string html = render_html(report);
  EXPECT_TRUE(contains(html,
                       "<h2>Potential cycle (this run did not hang)</h2>\n<p "
                       "class=\"potential-chain\" id=\"cycle-chain\">"));
  EXPECT_TRUE(contains(html,
                       "<li>room in channel &#39;processed&#39; <em>needs (thread &#39;embed&#39;, "
                       "stage)</em> a free worker of pool &#39;global&#39;</li>"))
      << html;
  EXPECT_TRUE(contains(html,
                       "it hangs when, all at once:<ul><li>channel &#39;processed&#39; is "
                       "full (holds 4096 items)</li>"));
  EXPECT_FALSE(contains(html, "class=\"cycle\""));
  // A dependency's basis is not a guess: no "[inferred]"-style marker.
  EXPECT_FALSE(contains(text, "[stage]")) << text;
  EXPECT_FALSE(contains(text, "proven")) << text;
  EXPECT_FALSE(contains(text, "\nCycle\n")) << text;
}

// Hostile strings in the hazard reach the terminal neutralized.
TEST(RenderHazardTest, TextHostileHazardNeutralized) {
  auto report = potential_report();
  report.hazard->condition = testing::kHostile[5];
  report.hazard->prevented_by = testing::kHostile;
  for (auto& edge : report.hazard->edges) {
    edge.text = testing::kHostile[5];
    edge.basis = testing::kHostile[6];
    edge.wait_stack.push_back(testing::frame(testing::kHostile[5], testing::kHostile[6]));
  }
  for (bool full : {false, true}) {
    const std::string text = render_text(report, {.full = full});
    for (char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      ASSERT_TRUE(byte == '\n' || (byte >= 0x20 && byte != 0x7f)) << "byte " << int{byte};
    }
    EXPECT_TRUE(contains(text, "\\x1b]0;pwned\\x07")) << text;
  }
}

// ---------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------

// The page's verdict has the potential badge and class, the condition in
// its box under it, and nothing of a proven verdict's.
TEST(RenderHazardTest, HtmlBadgeAndCondition) {
  const std::string html = render_html(potential_report());
  EXPECT_TRUE(contains(html,
                       "<h1 id=\"verdict\" class=\"potential\">POTENTIAL DEADLOCK <span "
                       "class=\"certainty potential\" id=\"certainty\">this run did not "
                       "hang</span> <small>at 2026-12-05T10:00:12.125Z</small></h1>\n"
                       "<div class=\"condition\" id=\"condition\"><strong>Condition:</strong> "
                       "It hangs when channel &#39;processed&#39; is full (holds 4096 items)"))
      << html.substr(0, 6000);
  EXPECT_TRUE(contains(html, ".certainty.potential {"));
  EXPECT_LT(html.find("id=\"condition\""), html.find("id=\"summary\""));
  EXPECT_FALSE(contains(html, "class=\"proven\""));
  EXPECT_FALSE(contains(html, "certainty proven"));
  EXPECT_FALSE(contains(html, ">proven<"));
  EXPECT_FALSE(contains(html, "id=\"assumptions\""));
  EXPECT_FALSE(contains(html, "<h2>Cycle</h2>"));
  EXPECT_FALSE(contains(html, "<h2>Wait-for graph</h2>"));
}

// Each dependency in order, its events and basis, its two stacks folded
// under their titles (knot's frames folded again inside); then what
// prevents it.
TEST(RenderHazardTest, HtmlDependenciesWithFoldedStacks) {
  const std::string html = render_html(potential_report());
  EXPECT_TRUE(contains(html,
                       "<h2>Potential cycle (this run did not hang)</h2>\n"
                       "<p class=\"potential-chain\" id=\"cycle-chain\">"));
  const std::size_t first = html.find("<li class=\"hazard-edge\">thread &#39;embed&#39; waits");
  const std::size_t second =
      html.find("<li class=\"hazard-edge\">the tasks of pool &#39;global&#39; wait");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_TRUE(contains(html,
                       "<span class=\"dependency\">room in channel &#39;processed&#39; needs a "
                       "free worker of pool &#39;global&#39; (stage: it receives from the "
                       "channel)</span>"));
  EXPECT_TRUE(contains(html,
                       "<details class=\"edge-stack\"><summary>where it waited (6 "
                       "frames)</summary>\n<div class=\"stack\">\n<details "
                       "class=\"knot-frames\"><summary>… 2 knot frames</summary>"));
  EXPECT_TRUE(contains(html,
                       "<details class=\"edge-stack\"><summary>where it took the responsibility "
                       "(5 frames)</summary>"));
  EXPECT_EQ(count(html, "<details class=\"edge-stack\">"), 4u);
  EXPECT_TRUE(contains(html,
                       "<h2>Prevented by</h2>\n<ul id=\"prevented-by\">\n<li>kFiber on pool "
                       "&#39;global&#39;: a task that waits there suspends and frees its "
                       "worker</li>"));
}

// The graph is drawn with the potential's legend: dashed dependency edges,
// blue, with class "potential", never the cycle's red class.
TEST(RenderHazardTest, HtmlGraphIsPotential) {
  const std::string html = render_html(potential_report());
  ASSERT_TRUE(contains(html, "<svg")) << html.substr(0, 3000);
  EXPECT_TRUE(contains(html, "<h2>Dependency graph (this run did not hang)</h2>"));
  EXPECT_TRUE(contains(html, "class=\"edge potential depends_on\""));
  EXPECT_TRUE(contains(html, "class=\"node event potential\""));
  EXPECT_TRUE(contains(html, "stroke-dasharray"));
  EXPECT_TRUE(contains(html, "Blue: the potential cycle, seen in a run that did not hang."));
  EXPECT_FALSE(contains(html, "Red: the cycle."));
  EXPECT_FALSE(contains(html, "class=\"node cycle"));
  EXPECT_FALSE(contains(html, "class=\"edge cycle"));
  EXPECT_FALSE(contains(html, "stroke=\"#c62828\""));

  // Too large to draw: the edge table names each dependency's basis.
  auto big = potential_report();
  for (int i = 0; i < 400; ++i)
    big.graph.nodes.push_back({"event:room:" + std::to_string(1000 + i), "resource", "r", true});
  const std::string table = render_html(big);
  ASSERT_TRUE(contains(table, "<table id=\"edges\">"));
  EXPECT_TRUE(contains(table, "<td class=\"text dependency\">depends on (stage)</td>"));
  EXPECT_TRUE(contains(table, "<td class=\"text dependency\">depends on (worker_slot)</td>"));
  EXPECT_FALSE(contains(table, "basis\">inferred"));
}

// The page stays self-contained: no URL, one script of our own, and that
// script does not fail on a page without thread groups (it checks first).
TEST(RenderHazardTest, HtmlSelfContained) {
  const std::string html = render_html(potential_report());
  EXPECT_FALSE(contains(html, "http://"));
  EXPECT_FALSE(contains(html, "https://"));
  EXPECT_FALSE(contains(html, "src="));
  EXPECT_FALSE(contains(html, "href"));
  EXPECT_FALSE(contains(html, "url("));
  EXPECT_EQ(count(html, "<script"), 1u);
  EXPECT_FALSE(contains(html, "id=\"filter\""));
  EXPECT_TRUE(contains(html, "if (!box) return;"));
}

// Hostile strings in the hazard are escaped like every other report string.
TEST(RenderHazardTest, HtmlHostileHazardEscaped) {
  auto report = potential_report();
  report.hazard->condition = testing::kHostile[0];
  report.hazard->prevented_by = testing::kHostile;
  for (auto& edge : report.hazard->edges) {
    edge.text = testing::kHostile[2];
    edge.basis = testing::kHostile[1];
    edge.responsibility_stack.push_back(testing::frame(testing::kHostile[0], testing::kHostile[1]));
  }
  const std::string html = render_html(report);
  EXPECT_FALSE(contains(html, "<script>alert"));
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_TRUE(contains(html, "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>"));
  EXPECT_EQ(count(html, "<script"), 1u);
}

// ---------------------------------------------------------------------------
// Graphviz
// ---------------------------------------------------------------------------

// A title that says potential; event nodes of class "event"; dashed
// depends_on edges labelled with who waits and the basis; blue, never the
// cycle's red.
TEST(RenderHazardTest, DotIsPotential) {
  const std::string dot = render_dot(potential_report());
  EXPECT_TRUE(contains(dot,
                       "label=\"potential deadlock (this run did not hang): a cycle of "
                       "dependencies\", labelloc=t"))
      << dot;
  EXPECT_TRUE(contains(dot,
                       "  \"event:room:55d0a3c41e80\" [label=\"room in channel 'processed'\", "
                       "shape=box, style=\"rounded\", class=\"event potential\", "
                       "color=\"#1565c0\""))
      << dot;
  EXPECT_TRUE(contains(dot,
                       "  \"event:worker:55d0a3c40f00\" [label=\"a free worker of pool "
                       "'global'\", shape=box3d, style=\"rounded\", class=\"event potential\""))
      << dot;
  EXPECT_TRUE(contains(dot,
                       "  \"event:room:55d0a3c41e80\" -> \"event:worker:55d0a3c40f00\" "
                       "[label=\"thread 'embed'\\nstage\", style=dashed, class=\"potential "
                       "depends_on\""))
      << dot;
  EXPECT_TRUE(contains(dot,
                       "  \"event:worker:55d0a3c40f00\" -> \"event:room:55d0a3c41e80\" "
                       "[label=\"tasks of pool 'global'\\nworker_slot\", style=dashed, "
                       "class=\"potential depends_on\""))
      << dot;
  EXPECT_EQ(count(dot, "style=dashed"), 2u);
  EXPECT_FALSE(contains(dot, "#c62828")) << dot;
  EXPECT_FALSE(contains(dot, "class=\"cycle")) << dot;
  EXPECT_FALSE(contains(dot, "inferred")) << dot;
  EXPECT_FALSE(contains(dot, "wait-for graph")) << dot;
}

// A dependency outside the cycle is dashed and thinner, without the
// cycle's colour; a deadlock's graph has no title and no event class.
TEST(RenderHazardTest, DotDependencyOutsideTheCycle) {
  auto report = potential_report();
  report.graph.nodes.push_back({"event:unlock:abc", "resource", "mutex 'm' given back", true});
  report.graph.edges.push_back(
      {"event:unlock:abc", "event:room:55d0a3c41e80", "depends_on", "thread 'x'", "held"});
  const std::string dot = render_dot(report);
  EXPECT_TRUE(contains(dot,
                       "  \"event:unlock:abc\" [label=\"mutex 'm' given back\", shape=box, "
                       "style=\"rounded\", class=\"event\"];\n"))
      << dot;
  EXPECT_TRUE(contains(dot,
                       "  \"event:unlock:abc\" -> \"event:room:55d0a3c41e80\" [label=\"thread "
                       "'x'\\nheld\", style=dashed, class=\"depends_on\", penwidth=0.8];\n"))
      << dot;

  const std::string seed = render_dot(testing::seed_report());
  EXPECT_FALSE(contains(seed, "potential"));
  EXPECT_FALSE(contains(seed, "labelloc"));
  EXPECT_FALSE(contains(seed, "event"));
}

// ---------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------

// The list calls it a potential deadlock, painted blue, apart from the
// deadlocks: its kind cell never reads "deadlock" alone nor is red.
TEST(RenderHazardTest, ListShowsPotentialDeadlockApart) {
  ListEntry potential;
  potential.path = "/r/knot-potential_deadlock-h1.json";
  potential.report = potential_report();
  ListEntry proven;
  proven.path = "/r/knot-deadlock-p.json";
  proven.report = testing::seed_report();
  const std::string plain = render_list({potential, proven}, false, 200);
  EXPECT_TRUE(contains(plain, "2026-12-05T10:00:12.125Z  potential deadlock  knot-embed [6161]"))
      << plain;
  EXPECT_FALSE(contains(plain, "potential_deadlock  ")) << plain;
  EXPECT_EQ(count(plain, "  deadlock  "), 1u) << plain;  // the seed alone
  const std::string color = render_list({potential, proven}, true, 200);
  EXPECT_TRUE(contains(color, "\x1b[1;34mpotential deadlock")) << color;
  EXPECT_FALSE(contains(color, "\x1b[1;31mpotential")) << color;
}

}  // namespace
}  // namespace knot::view

namespace knot::view {
namespace {

// A silenced cycle (exempt_from_hazards) says so, with the program's
// reason, in the text and on the page; an unsilenced one says nothing of it.
TEST(RenderHazardTest, SilencedCycleShowsItsReason) {
  report::Report report = testing::potential_report();
  EXPECT_FALSE(render_text(report, kWide).find("Silenced") != std::string::npos);
  report.hazard->silenced = "start-up only";
  const std::string text = render_text(report, kWide);
  EXPECT_NE(text.find("exempted in the program: start-up only"), std::string::npos) << text;
  const std::string page = render_html(report);
  EXPECT_NE(page.find("id=\"silenced\""), std::string::npos);
  EXPECT_NE(page.find("start-up only"), std::string::npos);
}

}  // namespace
}  // namespace knot::view
