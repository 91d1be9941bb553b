// tokenizer.cc: tokenize(): words by code point class, then their
// boundary-marked character 3-grams.
#include "knot/text/tokenizer.h"

#include "utf8.h"

namespace knot::text {
namespace {

// `WordSink` collects one word at a time and emits it with its subwords.
class WordSink {
 public:
  explicit WordSink(std::vector<Token>& out) : out_(out) {}

  void add(char32_t cp) {
    detail::append_utf8(word_, detail::to_lower(cp));
    ++num_code_points_;
  }

  // `flush()` ends the current word (if any).
  void flush() {
    if (word_.empty()) {
      return;
    }
    if (word_.size() <= kMaxTokenBytes) {
      out_.push_back(Token{word_, false});
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
    for (std::size_t k = 0; k + 3 <= num; ++k) {
      out_.push_back(Token{padded_.substr(starts_[k], starts_[k + 3] - starts_[k]), true});
    }
  }

  std::vector<Token>& out_;
  std::string word_;
  std::size_t num_code_points_ = 0;
  std::string padded_;
  std::vector<std::size_t> starts_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  out.reserve(text.size() / 3 + 1);
  WordSink sink(out);
  for (std::size_t i = 0; i < text.size();) {
    const detail::Decoded d = detail::decode_utf8(text, i);
    i += d.length;
    if (detail::is_invisible(d.cp)) {
      continue;  // a soft hyphen or joiner inside a word keeps the word whole
    }
    if (detail::is_word_char(d.cp)) {
      sink.add(d.cp);
    } else {
      sink.flush();
    }
  }
  sink.flush();
  return out;
}

}  // namespace knot::text
