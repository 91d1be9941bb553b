// knot::view::Palette and the colour decision (NO_COLOR, terminal, flag).
#include "knot/view/palette.h"

#include <gtest/gtest.h>

namespace knot::view {
namespace {

struct ColorCase {
  const char* name;
  ColorMode mode;
  bool is_terminal;
  const char* no_color;
  bool expected;
};

class ShouldUseColorTest : public ::testing::TestWithParam<ColorCase> {};

// Colour only on a terminal without NO_COLOR, unless forced either way.
TEST_P(ShouldUseColorTest, Decides) {
  const ColorCase& c = GetParam();
  EXPECT_EQ(should_use_color(c.mode, c.is_terminal, c.no_color), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ShouldUseColorTest,
    ::testing::Values(ColorCase{"AutoTerminal", ColorMode::kAuto, true, nullptr, true},
                      ColorCase{"AutoPipe", ColorMode::kAuto, false, nullptr, false},
                      ColorCase{"AutoNoColor", ColorMode::kAuto, true, "1", false},
                      ColorCase{"AutoEmptyNoColorIsUnset", ColorMode::kAuto, true, "", true},
                      ColorCase{"AlwaysBeatsNoColor", ColorMode::kAlways, false, "1", true},
                      ColorCase{"NeverOnTerminal", ColorMode::kNever, true, nullptr, false}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

// A plain palette leaves text alone; a colour one wraps it in SGR and a reset.
TEST(PaletteTest, PaintsOnlyInColor) {
  EXPECT_EQ(Palette(false).paint(Palette::Role::kVerdictProven, "DEADLOCK"), "DEADLOCK");
  EXPECT_EQ(Palette(true).paint(Palette::Role::kVerdictProven, "DEADLOCK"),
            "\x1b[1;31mDEADLOCK\x1b[0m");
  EXPECT_EQ(Palette(true).paint(Palette::Role::kMuted, ""), "");
}

// Mode names as the command line spells them.
TEST(PaletteTest, ParseColorMode) {
  EXPECT_EQ(parse_color_mode("auto"), ColorMode::kAuto);
  EXPECT_EQ(parse_color_mode("always"), ColorMode::kAlways);
  EXPECT_EQ(parse_color_mode("never"), ColorMode::kNever);
  EXPECT_FALSE(parse_color_mode("yes"));
}

}  // namespace
}  // namespace knot::view
