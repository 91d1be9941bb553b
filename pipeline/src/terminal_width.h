// terminal_width(): how many columns a terminal line has, for the progress
// line that reprocess redraws in place (progress.h).
//
// knot-view and knot-dump answer the same question for their own output in
// tools/view (knot/view/terminal_width.h). The pipeline may not depend on
// the tools, and the two share no library that is about terminals, so this
// is a small second copy of the same three-step rule; keep them alike.
#pragma once

#include <cstddef>
#include <optional>

namespace knot::pipeline::detail {

// terminal_width() is the width of the terminal on `fd` (ioctl
// TIOCGWINSZ) when `fd` is one that knows its size, else `columns_env` (the
// COLUMNS variable, nullptr when unset) when it is a positive number, else
// nullopt: the caller picks its default. Any thread; does not block.
std::optional<std::size_t> terminal_width(int fd, const char* columns_env);

}  // namespace knot::pipeline::detail
