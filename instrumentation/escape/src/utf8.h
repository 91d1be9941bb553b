// The escaping functions' view of knot/base/utf8.h's strict decoder: one
// code point at a time, invalid input seen byte by byte so that it can be
// replaced or escaped.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "knot/base/utf8.h"

namespace knot::escape::detail {

// decode_utf8() reads the code point at text[pos] (knot/base/utf8.h) and
// advances `pos` past it; on an invalid sequence it returns nullopt and
// advances by one byte. Precondition: pos < text.size().
inline std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& pos) {
  const base::Utf8Char c = base::decode_utf8(text, pos);
  pos += c.length;
  return c.valid ? std::optional<char32_t>(c.cp) : std::nullopt;
}

using base::append_utf8;

// kReplacement is U+FFFD, shown where a character cannot be.
inline constexpr char32_t kReplacement = base::kReplacementChar;

}  // namespace knot::escape::detail
