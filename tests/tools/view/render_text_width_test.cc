// knot::view::render_text at a width: no line wider than asked, at any
// width, for every report of the golden set; and what gives way when a line
// is too wide (tables close up, then split; frames move their location to
// the next line and break long functions) without anything being lost.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

using testing::seed_report;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0, end = 0; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1)
    lines.push_back(text.substr(start, end - start));
  return lines;
}

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Every line of every golden report fits, plainly and with --full
// --similarity functions (the longest frames), from the narrowest width up.
TEST(RenderTextWidthTest, NoLineWiderThanTheWidth) {
  std::vector<knot::report::Report> reports = {seed_report(), testing::inferred_report(),
                                               testing::long_task_report(),
                                               testing::potential_report()};
  for (const char* name :
       {"seed", "queued_receiver", "two_pools", "pool_and_lock", "nested_latches", "channel_cycle",
        "self_deadlock", "compensate_two_pools", "fiber_two_pools", "fiber_relock",
        "unreceived_channel", "block_shared_reentry", "block_nested_install_buried",
        "block_foreign_mutex"})
    reports.push_back(testing::load_report(std::string("scenarios/") + name + ".json"));
  for (const auto& report : reports) {
    for (std::size_t width : {40u, 57u, 80u, 100u, 132u}) {
      for (bool full : {false, true}) {
        const RenderOptions options{
            .full = full,
            .similarity = full ? Similarity::kSameFunctions : Similarity::kExact,
            .width = width};
        for (const std::string& line : lines_of(render_text(report, options)))
          ASSERT_LE(code_points(line), width) << report.id << " at " << width << ":\n" << line;
      }
    }
  }
}

// Below the smallest width, the smallest is used.
TEST(RenderTextWidthTest, NarrowerThanTheMinimumIsTheMinimum) {
  EXPECT_EQ(render_text(seed_report(), {.width = 1}),
            render_text(seed_report(), {.width = kMinWidth}));
}

// The pools table: two spaces between columns where they fit, one where
// only that fits, else several tables, each starting with the POOL column.
TEST(RenderTextWidthTest, PoolTableClosesUpThenSplits) {
  EXPECT_NE(render_text(seed_report(), {.width = 101})
                .find("\n  POOL      POLICY  THREADS  RUNNING  SEARCHING"),
            std::string::npos);
  EXPECT_NE(
      render_text(seed_report(), {.width = 100})
          .find("\n  POOL     POLICY THREADS RUNNING SEARCHING SLEEPING PARKED QUEUED PENDING "
                "COMPLETED SPARES\n  'global' block        2       0         0        0"
                "      2      4      67      1880      0\n"),
      std::string::npos);
  const std::string split = render_text(seed_report(), {.width = 60});
  EXPECT_NE(split.find("\n  POOL      POLICY  THREADS  RUNNING  SEARCHING  SLEEPING\n"
                       "  'global'  block         2        0          0         0\n\n"
                       "  POOL      PARKED  QUEUED  PENDING  COMPLETED  SPARES\n"
                       "  'global'       2       4       67       1880       0\n"),
            std::string::npos)
      << split;
}

// A frame too wide keeps its function on the first line and moves
// "file:line  (module)" under it; a function longer than a line is broken
// over several, and joined again it is the whole function.
TEST(RenderTextWidthTest, LongFramesBreakWithoutLoss) {
  const std::string text = render_text(seed_report(), {.full = true, .width = 80});
  EXPECT_NE(text.find("\n    > knot::pipeline::tokenize_batch(knot::pipeline::Batch&)\n"
                      "        pipeline/src/tokenize.cc:41  (knot-embed)\n"),
            std::string::npos)
      << text;

  // A user frame (marked '>') under the 300-character cap.
  std::string function = "app::Invoker<std::tuple<";
  for (int i = 0; i < 5; ++i)
    function += "app::scenarios::(anonymous namespace)::stage" + std::to_string(i) + ",";
  function += ">>::run()";
  ASSERT_LT(function.size(), 300u);
  knot::report::Report report;
  report.threads = {testing::thread(1, "t", {testing::frame(function, "x.cc", 3)}, 0.1)};
  const std::vector<std::string> lines = lines_of(render_text(report, {.full = true, .width = 60}));
  std::string joined;
  bool is_in_frame = false;
  for (const std::string& line : lines) {
    EXPECT_LE(code_points(line), 60u) << line;
    if (line.starts_with("    > app::Invoker")) {
      is_in_frame = true;
      joined += line.substr(6);
    } else if (is_in_frame && line.starts_with("        x.cc:3")) {
      break;
    } else if (is_in_frame) {
      ASSERT_TRUE(line.starts_with("        ")) << line;
      joined += line.substr(8);
    }
  }
  // Breaks fall after ',' '(' '<' or ':' (or a space, which the line drops).
  std::string expected = function;
  std::erase(expected, ' ');
  std::erase(joined, ' ');
  EXPECT_EQ(joined, expected);
}

}  // namespace
}  // namespace knot::view
