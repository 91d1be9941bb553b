// text_layout (tools/view/src): widths in code points, prose wrapping,
// painted wrapping, and breaking of long code-like words, table-driven.
#include "text_layout.h"  // tools/view/src

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace knot::view::detail {
namespace {

using Role = Palette::Role;

TEST(TextLayoutTest, DisplayWidthCountsCodePoints) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("\xe2\x80\xa6 3 knot frames"), 15u);
}

struct WrapCase {
  const char* name;
  std::string text;
  std::size_t width;
  std::string indent;
  std::string expected;
};

class WrapTextTest : public ::testing::TestWithParam<WrapCase> {};

TEST_P(WrapTextTest, Wraps) {
  const WrapCase& c = GetParam();
  EXPECT_EQ(wrap_text(c.text, c.width, c.indent), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WrapTextTest,
    ::testing::Values(WrapCase{"Fits", "one two three", 20, "  ", "  one two three\n"},
                      WrapCase{"AtSpaces", "one two three four", 9, "", "one two\nthree\nfour\n"},
                      WrapCase{"IndentNotCounted", "aaaa bbbb", 4, "    ", "    aaaa\n    bbbb\n"},
                      WrapCase{"Paragraphs", "one\ntwo", 10, "  ", "  one\n  two\n"},
                      WrapCase{"EmptyParagraph", "", 10, "  ", "  \n"},
                      WrapCase{"CollapsesSpaces", "a   b", 10, "", "a b\n"},
                      // Regression (issue 14): a word longer than the line was left whole
                      // and ran past the terminal's edge; it is now broken, after a '/'.
                      WrapCase{"LongWordBroken", "see /very/long/path/to/a/file.json now", 12, "",
                               "see\n/very/long/\npath/to/a/\nfile.json\nnow\n"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

// Spans keep their roles across wrapping; a span without a leading space
// continues the last word, so "cycle" + ":" never split.
TEST(WrapSpansTest, PaintsWordsAndGluesSpans) {
  const Palette plain(false);
  const std::vector<Span> spans = {{"2 threads, ", Role::kHeading},
                                   {"in the cycle", Role::kCycle},
                                   {": ", std::nullopt},
                                   {"'a', 'b'", Role::kName}};
  EXPECT_EQ(wrap_spans(spans, 80, "  ", "    ", plain), "  2 threads, in the cycle: 'a', 'b'\n");
  EXPECT_EQ(wrap_spans(spans, 26, "  ", "    ", plain),
            "  2 threads, in the cycle:\n    'a', 'b'\n");

  const Palette color(true);
  const std::string painted = wrap_spans(spans, 80, "", "", color);
  EXPECT_EQ(painted, color.paint(Role::kHeading, "2 threads,") + " " +
                         color.paint(Role::kCycle, "in the cycle") + ": " +
                         color.paint(Role::kName, "'a', 'b'") + "\n");
}

// Each line's width counts its own indent; a long word is broken, keeping
// the roles of the parts it is made of.
TEST(WrapSpansTest, LongWordsBreakAndKeepRoles) {
  const Palette plain(false);
  EXPECT_EQ(wrap_spans({{"aaaaaaaaaa", std::nullopt}}, 6, "", "  ", plain), "aaaaaa\n  aaaa\n");
  const Palette color(true);
  const std::string painted =
      wrap_spans({{"abc", Role::kName}, {"defgh", Role::kMuted}}, 4, "", "", color);
  EXPECT_EQ(painted, color.paint(Role::kName, "abc") + color.paint(Role::kMuted, "d") + "\n" +
                         color.paint(Role::kMuted, "efgh") + "\n");
}

struct BreakCase {
  const char* name;
  std::string text;
  std::size_t first_width;
  std::size_t width;
  std::vector<std::string> expected;
};

class BreakTextTest : public ::testing::TestWithParam<BreakCase> {};

TEST_P(BreakTextTest, Breaks) {
  const BreakCase& c = GetParam();
  EXPECT_EQ(break_text(c.text, c.first_width, c.width), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BreakTextTest,
    ::testing::Values(
        BreakCase{"Fits", "f(int)", 10, 10, {"f(int)"}}, BreakCase{"Empty", "", 10, 10, {}},
        BreakCase{"AfterComma", "g(int, long, char)", 10, 10, {"g(int, ", "long, ", "char)"}},
        BreakCase{"NotInsideDoubleColon", "aaaa::bbbb::cccc", 9, 9, {"aaaa::", "bbbb::", "cccc"}},
        BreakCase{"AnywhereWithoutASeparator", "abcdefghij", 4, 3, {"abcd", "efg", "hij"}},
        BreakCase{"SeparatorTooEarlyIsIgnored", "a,bcdefghij", 6, 6, {"a,bcde", "fghij"}},
        BreakCase{"CodePointsStayWhole",
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                  3,
                  3,
                  {"\xc3\xa9\xc3\xa9\xc3\xa9", "\xc3\xa9"}}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

}  // namespace
}  // namespace knot::view::detail
