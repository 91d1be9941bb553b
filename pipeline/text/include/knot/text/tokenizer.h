// knot/text/tokenizer.h: words and subword pieces for the embedder.
//
// `tokenize()` turns text into lower-cased words and, for words of four or
// more characters, their character 3-grams with boundary markers (fastText's
// subwords: "rust" gives "<ru", "rus", "ust", "st>"). It is deterministic,
// allocation-light and needs no vocabulary.
//
//   Token       one word or one subword piece.
//   tokenize()  text in, tokens out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace knot::text {

// `Token` is one word (`is_subword == false`) or one character 3-gram of the
// word before it (`is_subword == true`). `text` is valid UTF-8.
struct Token {
  std::string text;
  bool is_subword = false;
};

// `kMaxTokenBytes` is the longest word kept: longer runs (hashes, base64,
// URLs without separators) are dropped along with their subwords.
inline constexpr std::size_t kMaxTokenBytes = 64;

// `kMinSubwordWordLength` is the shortest word, in code points, that gets
// subword pieces.
inline constexpr std::size_t kMinSubwordWordLength = 4;

// `tokenize()` splits `text` into tokens, in order: each word is followed
// by its subwords.
//
// - Words are maximal runs of letters, digits and combining marks: ASCII
//   alphanumerics, and non-ASCII code points that are not spaces,
//   punctuation, symbols, emoji, private-use or U+FFFD. Everything else
//   separates words. Soft hyphens and zero-width joiners inside a word are
//   skipped without splitting it.
// - Words are lower-cased: ASCII, Latin-1, Latin Extended-A and Additional,
//   Greek, Cyrillic, Armenian and fullwidth Latin (simple one-to-one case
//   mapping; no Unicode normalization, so "é" precomposed and decomposed
//   stay different).
// - Words longer than kMaxTokenBytes bytes are dropped.
// - Words of kMinSubwordWordLength or more code points are followed by the
//   3-grams (in code points) of "<" + word + ">", left to right.
//
// Invalid UTF-8 is treated as a separator. Thread-safe; never throws except
// std::bad_alloc.
std::vector<Token> tokenize(std::string_view text);

// `is_stop_word()` says whether `word` (lower-case, as tokenize() gives
// it) is an English function word the hashed model ignores ("the", "how",
// "do"); full-text search leaves them out of queries too.
bool is_stop_word(std::string_view word) noexcept;

}  // namespace knot::text
