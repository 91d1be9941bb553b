// ProgressPrinter: the plain progress line of knot-embed reprocess, with
// each pool's workers by state, its spares (compensate, fiber) and its
// suspended tasks (fiber), and each channel's fill; on a terminal, the
// redrawn line that must never be wider than the terminal.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "progress.h"  // pipeline/src

namespace knot::pipeline {
namespace {

ReprocessProgress sample() {
  ReprocessProgress p;
  p.written = 64;
  p.total = 530;
  p.embedded = 59;
  p.elapsed = std::chrono::duration<double>(2.0);
  PoolOccupancy global;
  global.name = "global";
  global.num_threads = 2;
  global.running = 2;
  p.pools.push_back(global);
  p.channels.push_back({"processed", 1, 2});
  return p;
}

TEST(ProgressTest, PlainLineNamesPoolsAndChannels) {
  EXPECT_EQ(detail::ProgressPrinter::format(sample()),
            "64/530 items written, 32.0 items/s, 59 embedded | pool global: 2 run 0 park 0 idle"
            " | processed 1/2");
}

TEST(ProgressTest, SparesAndSuspendedTasksAreCounted) {
  ReprocessProgress p = sample();
  p.pools[0].spares = 1;
  p.pools[0].suspended = 37;
  EXPECT_EQ(detail::ProgressPrinter::format(p),
            "64/530 items written, 32.0 items/s, 59 embedded | pool global: 2 run 0 park 0 idle"
            " (1 spare) 37 suspended | processed 1/2");
}

// code_points() counts UTF-8 code points (one column each here).
std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// A busy run's line: two pools with spares and suspended tasks, three channels.
ReprocessProgress wide_sample() {
  ReprocessProgress p = sample();
  p.pools[0].spares = 2;
  p.pools[0].suspended = 12;
  PoolOccupancy extract = p.pools[0];
  extract.name = "extract";
  p.pools.push_back(extract);
  p.channels = {{"items", 4, 4}, {"processed", 64, 64}, {"embedded", 3, 4}};
  return p;
}

// fit_line() leaves a short line alone and cuts a long one to columns - 1
// code points, the last an ellipsis, without splitting a UTF-8 sequence.
TEST(ProgressTest, FitLineCutsToOneColumnLessThanTheWidth) {
  EXPECT_EQ(detail::ProgressPrinter::fit_line("short", 80), "short");
  EXPECT_EQ(detail::ProgressPrinter::fit_line("0123456789", 11), "0123456789");
  EXPECT_EQ(detail::ProgressPrinter::fit_line("0123456789", 10), "01234567\u2026");
  // "pool é…": the cut falls after the two-byte é, never inside it.
  const std::string cut = detail::ProgressPrinter::fit_line("pool \u00e9\u00e9\u00e9 x", 8);
  EXPECT_EQ(cut, "pool \u00e9\u2026");
  EXPECT_EQ(code_points(cut), 7u);
}

// Regression: at 120 columns each redraw of the terminal line wrapped and
// stacked a new line. Every redraw now fits in the width, whatever it is.
TEST(ProgressTest, TerminalRedrawNeverExceedsTheWidth) {
  ASSERT_GT(code_points(detail::ProgressPrinter::format(wide_sample())), 120u);
  for (std::size_t columns : {20u, 40u, 80u, 120u, 200u}) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&buffer, &size);
    ASSERT_NE(out, nullptr);
    {
      detail::ProgressPrinter printer(out, /*is_terminal=*/true, std::chrono::seconds(2),
                                      [columns] { return columns; });
      printer(wide_sample());
      printer(wide_sample());
      printer.finish();
    }
    std::fclose(out);
    const std::string text(buffer, size);
    std::free(buffer);
    // Each redraw is "\r\033[K" and the line; finish() ends it with one "\n".
    ASSERT_EQ(text.back(), '\n') << columns;
    std::size_t num_redraws = 0;
    for (std::size_t at = text.find('\r'); at != std::string::npos; at = text.find('\r', at + 1)) {
      const std::size_t start = at + 4;  // past "\r\033[K"
      const std::size_t end = text.find_first_of("\r\n", start);
      EXPECT_LE(code_points(std::string_view(text).substr(start, end - start)), columns - 1)
          << columns;
      ++num_redraws;
    }
    EXPECT_EQ(num_redraws, 2u) << columns;
    EXPECT_EQ(text.find('\n'), text.size() - 1) << columns;
  }
}

// Off a terminal (a log), the plain line is never cut.
TEST(ProgressTest, PlainLineIsNeverCut) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  ASSERT_NE(out, nullptr);
  {
    detail::ProgressPrinter printer(out, /*is_terminal=*/false, std::chrono::seconds(2),
                                    [] { return std::size_t{40}; });
    printer(wide_sample());
  }
  std::fclose(out);
  const std::string text(buffer, size);
  std::free(buffer);
  EXPECT_EQ(text, "progress: " + detail::ProgressPrinter::format(wide_sample()) + "\n");
}

}  // namespace
}  // namespace knot::pipeline
