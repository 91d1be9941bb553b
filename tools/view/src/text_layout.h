// Fitting the terminal diagnosis into a number of columns: widths, word
// wrapping of prose and of painted lines, breaking of long code-like text
// (function signatures, paths) that has no spaces to break at. Private to
// knot::view.
//
// Widths are counted in code points: a character that a terminal draws two
// columns wide (CJK) counts as one, so such a line can come out wider than
// asked. Nothing here cuts text: a word longer than a line (a path, a C++
// signature) is broken over several lines (break_text), every code point
// kept.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knot/view/palette.h"

namespace knot::view::detail {

// display_width() is the number of code points in `text` (valid UTF-8,
// as terminal_safe() leaves it).
std::size_t display_width(std::string_view text);

// wrap_text() breaks plain `text` at spaces into lines of at most `width`
// code points, each starting with `indent` (not counted in `width`);
// newlines in the text start new paragraphs. Every line ends with '\n'.
std::string wrap_text(std::string_view text, std::size_t width, std::string_view indent);

// Span is a run of terminal-safe text and how it is painted (no role:
// plain).
struct Span {
  std::string text;
  std::optional<Palette::Role> role;
};

// wrap_spans() lays `spans` out as one paragraph: words (split at spaces)
// in lines of at most `columns` code points, indent included; the first
// line starts with `first_indent`, the others with `indent`. Each word is
// painted with its span's role; a span that does not start with a space
// continues the previous span's last word ("cycle" + ":"). Every line ends
// with '\n'.
std::string wrap_spans(const std::vector<Span>& spans, std::size_t columns,
                       std::string_view first_indent, std::string_view indent,
                       const Palette& palette);

// layout_table() lays `rows` out as aligned columns, indented by two
// spaces: the first two columns left-aligned (names), the rest
// right-aligned (numbers); the first row is the header, painted muted.
// Too wide for `width` with two spaces between columns, it tries one;
// still too wide, it splits into several tables (separated by an empty
// line), each starting with the first column, so that no cell is ever
// cut. Cells must be terminal-safe. Every line ends with '\n'.
std::string layout_table(const std::vector<std::vector<std::string>>& rows, std::size_t width,
                         const Palette& palette);

// break_text() cuts `text` into pieces of at most `first_width` code points
// (the first) and `width` (the others), preferring to cut after a space,
// ',', '(', '<', '/' or ':' in the second half of a piece, else anywhere
// between code points. Concatenated, the pieces are `text`.
std::vector<std::string> break_text(std::string_view text, std::size_t first_width,
                                    std::size_t width);

}  // namespace knot::view::detail
