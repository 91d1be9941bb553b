// How wide the text diagnosis is: the terminal's width, $COLUMNS, or a
// fixed default, for knot-view and knot-dump.
//
//   kDefaultWidth   the width when no terminal or $COLUMNS says
//   kMinWidth       narrower widths are raised to this
//   terminal_width() the terminal's own width, else $COLUMNS, else nothing
//   output_width()  the width to render at, for a file descriptor
//
// knot-embed's progress line answers the same question in
// pipeline/src/terminal_width.h (the pipeline may not depend on the
// tools); keep the two rules alike.
#pragma once

#include <cstddef>
#include <optional>

namespace knot::view {

inline constexpr std::size_t kDefaultWidth = 100;
inline constexpr std::size_t kMinWidth = 40;

// terminal_width() is the width of the terminal on `fd` (ioctl
// TIOCGWINSZ) when `fd` is one that knows its size, else `columns_env` (the
// COLUMNS variable, nullptr when unset) when it is a number from 1 to
// 10000, else nullopt. Any thread; does not block.
std::optional<std::size_t> terminal_width(int fd, const char* columns_env);

// output_width() is terminal_width(), kDefaultWidth when that is nullopt,
// and never less than kMinWidth.
std::size_t output_width(int fd, const char* columns_env);

}  // namespace knot::view
