// terminal_width(): the terminal's own size when the descriptor is one,
// else $COLUMNS when it is a sane positive number, else nothing (the
// caller's default). The tests run without a terminal on the descriptor
// (a pipe), so the $COLUMNS and default rules are what they check.
#include "terminal_width.h"  // pipeline/src

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

namespace knot::pipeline {
namespace {

// A pipe's end is never a terminal.
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

// $COLUMNS counts when the descriptor is no terminal.
TEST_F(TerminalWidthTest, ColumnsVariable) {
  EXPECT_EQ(detail::terminal_width(not_a_terminal(), "132"), std::optional<std::size_t>(132));
  EXPECT_EQ(detail::terminal_width(not_a_terminal(), "1"), std::optional<std::size_t>(1));
}

// Unset, empty, zero, negative, non-numeric or absurd: no width.
TEST_F(TerminalWidthTest, NoUsableWidth) {
  for (const char* value :
       {static_cast<const char*>(nullptr), "", "0", "-80", "80x", "wide", " 80", "1000000"}) {
    EXPECT_EQ(detail::terminal_width(not_a_terminal(), value), std::nullopt)
        << (value ? value : "(unset)");
  }
  EXPECT_EQ(detail::terminal_width(-1, nullptr), std::nullopt);
}

}  // namespace
}  // namespace knot::pipeline
