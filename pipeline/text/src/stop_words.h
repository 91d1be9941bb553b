// stop_words.h: the built-in English stop-word list of the hashed model.
//
// Part of the model "knot-hash-384-v1" (its stand-in for IDF): editing the
// list changes vectors, so it needs a new model id. Lower-case ASCII words,
// as tokenize() produces them; apostrophes split words, so "don't" arrives
// as "don" and "t" and both parts are listed.
#pragma once

#include <string_view>

namespace knot::text::detail {

// `is_stop_word()` says whether `word` (lower-case) is on the list.
// O(log n), no allocation, thread-safe.
bool is_stop_word(std::string_view word) noexcept;

}  // namespace knot::text::detail
