// terminal_width() and output_width() (knot/view/terminal_width.h): the
// terminal's own size when the descriptor is one, else $COLUMNS when it is
// a sane number, else the default; never below the minimum. The tests run
// with a pipe, never a terminal, so the $COLUMNS and default rules are
// what they check.
#include "knot/view/terminal_width.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

namespace knot::view {
namespace {

class TerminalWidthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe(fds_), 0); }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int not_a_terminal() const { return fds_[1]; }

 private:
  int fds_[2] = {-1, -1};
};

// $COLUMNS counts when stdout is no terminal.
TEST_F(TerminalWidthTest, ColumnsVariable) {
  EXPECT_EQ(terminal_width(not_a_terminal(), "132"), std::optional<std::size_t>(132));
  EXPECT_EQ(output_width(not_a_terminal(), "132"), 132u);
}

// Unset or unusable $COLUMNS: the default, 100.
TEST_F(TerminalWidthTest, DefaultWithoutATerminalOrColumns) {
  for (const char* value :
       {static_cast<const char*>(nullptr), "", "0", "-80", "80x", "wide", " 80", "1000000"}) {
    EXPECT_EQ(terminal_width(not_a_terminal(), value), std::nullopt) << (value ? value : "(unset)");
    EXPECT_EQ(output_width(not_a_terminal(), value), kDefaultWidth);
  }
}

// A tiny width is raised to the minimum.
TEST_F(TerminalWidthTest, NeverBelowTheMinimum) {
  EXPECT_EQ(output_width(not_a_terminal(), "12"), kMinWidth);
}

}  // namespace
}  // namespace knot::view
