// nesting_limiter.h: a linear pre-pass that caps how deeply tags nest
// before the HTML reaches gumbo.
//
// Why: the HTML5 tree builder looks through the stack of open elements for
// most start tags ("is there a <p> in button scope?"), so N unclosed
// <div>s cost O(N^2): 100k nested divs take gumbo about half a minute. Real
// pages nest a few dozen levels deep; a page nested deeper than
// kMaxNestingDepth is hostile or broken, and losing its deepest tags (never
// its text) is the better failure.
//
// What it is not: an HTML tokenizer. It approximates depth by counting start
// and end tags of elements that do not close themselves (it skips void
// elements, elements with optional end tags such as <p> and <li>, html/head/
// body, comments, and the contents of script, style and other raw-text
// elements). Cost: one pass over the input; a copy only when tags are cut.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace knot::text::detail {

inline constexpr std::size_t kMaxNestingDepth = 256;

// `limit_nesting()` returns `html` without the start and end tags that sit
// deeper than `max_depth`, or std::nullopt when no tag is that deep.
std::optional<std::string> limit_nesting(std::string_view html,
                                         std::size_t max_depth = kMaxNestingDepth);

}  // namespace knot::text::detail
