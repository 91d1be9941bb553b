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

#include "knot/base/utf8.h"

namespace knot::pipeline {

// Strict validation (no overlongs, no surrogates, <= U+10FFFF), and the
// text with each maximal invalid sequence replaced by U+FFFD (EF BF BD);
// valid input comes back unchanged. knot/base/utf8.h's.
using base::is_valid_utf8;
using base::sanitize_utf8;

}  // namespace knot::pipeline
