// utf8.h: decoding, encoding and classifying UTF-8 code points, shared by
// the tokenizer and the extractor's text builder.
//
// Decoding is strict (no overlongs, no surrogates, nothing above U+10FFFF);
// each invalid byte decodes as U+FFFD of length 1, so every input makes
// progress. Classification is table-free: a few ranges that are enough to
// split words in the scripts a web page commonly uses. Not a substitute for
// ICU: no normalization, no full case folding, no word-break rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace knot::text::detail {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// `Decoded` is one code point and the number of bytes it took (>= 1).
struct Decoded {
  char32_t cp;
  std::size_t length;
};

// `decode_utf8()` decodes the code point that starts at `s[i]` (i < size).
Decoded decode_utf8(std::string_view s, std::size_t i) noexcept;

// `append_utf8()` appends `cp` (a valid scalar value) to `out`.
void append_utf8(std::string& out, char32_t cp);

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
