// utf8.h: classifying code points for the tokenizer and the extractor's
// text builder; decoding and encoding are knot/base/utf8.h's (strict: each
// invalid byte decodes as U+FFFD of length 1). Classification is table-free: a few ranges that are
// enough to split words in the scripts a web page commonly uses. Not a substitute for ICU: no
// normalization, no full case folding, no word-break rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "knot/base/utf8.h"

namespace knot::text::detail {

using base::append_utf8;
using base::decode_utf8;
using base::kReplacementChar;
// `Decoded` is one code point and the bytes it took (knot/base/utf8.h).
using Decoded = base::Utf8Char;

// `is_word_char()`: letters, digits and combining marks.
bool is_word_char(char32_t cp) noexcept;

// `is_space()`: HTML whitespace, NBSP and the other Unicode spaces.
bool is_space(char32_t cp) noexcept;

// `is_invisible()`: soft hyphen, zero-width joiners, word joiner, BOM:
// characters that are dropped without ending a word.
bool is_invisible(char32_t cp) noexcept;

// `is_control()`: C0 and C1 controls other than whitespace, and DEL.
bool is_control(char32_t cp) noexcept;

// `to_lower()`: simple one-to-one lower-casing for ASCII, Latin-1, Latin
// Extended-A and Additional, Greek, Cyrillic, Armenian and fullwidth Latin;
// every other code point is returned unchanged.
char32_t to_lower(char32_t cp) noexcept;

// `truncate_utf8()` shortens valid UTF-8 `s` to at most `max_bytes` bytes
// without cutting a code point.
void truncate_utf8(std::string& s, std::size_t max_bytes);

}  // namespace knot::text::detail
