// UTF-8 checks for text that came from arbitrary files.
//
//   is_valid_utf8()   strict validation (no overlongs, no surrogates, <= U+10FFFF)
//   sanitize_utf8()   the same text with every invalid sequence replaced by U+FFFD
//
// SQLite stores TEXT as given; knot-embed keeps its text columns valid UTF-8
// so that every reader (search output, JSON, the tokenizer) can trust them.
#pragma once

#include <string>
#include <string_view>

namespace knot::pipeline {

bool is_valid_utf8(std::string_view bytes) noexcept;

// sanitize_utf8() returns `bytes` with each maximal invalid sequence replaced
// by U+FFFD (EF BF BD). Valid input comes back unchanged.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace knot::pipeline
