// token_stream.h: the tokenizer as a stream. for_each_token() hands each
// token of tokenize() (tokenizer.h) to a callback, in the same order,
// without building the list: tokenize() is built on it, and the hashed
// model reads a page's text through it, so a text's tokens never exist all
// at once (a Token is 40 bytes, and a text has about one token per byte).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "knot/text/tokenizer.h"
#include "utf8.h"

namespace knot::text::detail {

// `WordStream` collects one word at a time and hands it, then its
// subwords, to `visit(std::string_view token, bool is_subword)`.
template <class Visit>
class WordStream {
 public:
  explicit WordStream(Visit& visit) : visit_(visit) {}

  void add(char32_t cp) {
    append_utf8(word_, to_lower(cp));
    ++num_code_points_;
  }

  // `flush()` ends the current word (if any).
  void flush() {
    if (word_.empty()) {
      return;
    }
    if (word_.size() <= kMaxTokenBytes) {
      visit_(std::string_view(word_), false);
      if (num_code_points_ >= kMinSubwordWordLength) {
        emit_subwords();
      }
    }
    word_.clear();
    num_code_points_ = 0;
  }

 private:
  // The 3-grams of "<" + word + ">", in code points. `word_` holds valid
  // UTF-8 (we encoded it), so code points start at non-continuation bytes.
  void emit_subwords() {
    padded_.clear();
    padded_.push_back('<');
    padded_.append(word_);
    padded_.push_back('>');
    starts_.clear();
    for (std::size_t i = 0; i < padded_.size(); ++i) {
      if ((static_cast<unsigned char>(padded_[i]) & 0xC0) != 0x80) {
        starts_.push_back(i);
      }
    }
    starts_.push_back(padded_.size());
    const std::size_t num = starts_.size() - 1;  // code points in padded_
    const std::string_view padded(padded_);
    for (std::size_t k = 0; k + 3 <= num; ++k) {
      visit_(padded.substr(starts_[k], starts_[k + 3] - starts_[k]), true);
    }
  }

  Visit& visit_;
  std::string word_;
  std::size_t num_code_points_ = 0;
  std::string padded_;
  std::vector<std::size_t> starts_;
};

// `for_each_token()` calls `visit(token, is_subword)` for each token that
// tokenize(text) returns, in order. The views are valid during the call
// only. Memory: a few buffers of one word's size.
template <class Visit>
void for_each_token(std::string_view text, Visit&& visit) {
  WordStream<std::remove_reference_t<Visit>> words(visit);
  for (std::size_t i = 0; i < text.size();) {
    const Decoded d = decode_utf8(text, i);
    i += d.length;
    if (is_invisible(d.cp)) {
      continue;  // a soft hyphen or joiner inside a word keeps the word whole
    }
    if (is_word_char(d.cp)) {
      words.add(d.cp);
    } else {
      words.flush();
    }
  }
  words.flush();
}

}  // namespace knot::text::detail
