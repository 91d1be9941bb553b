// passages.cc: split_passages() (passages.h).
#include "knot/text/passages.h"

#include <algorithm>
#include <unordered_set>

namespace knot::text {

namespace {

constexpr std::string_view kParagraphBreak = "\n\n";
constexpr std::string_view kSpace = " \t\n\r\f\v";

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// for_each_paragraph() calls f with each non-blank paragraph, trimmed.
template <typename F>
void for_each_paragraph(std::string_view text, F&& f) {
  while (!text.empty()) {
    const std::size_t end = text.find(kParagraphBreak);
    const std::string_view paragraph = trim(text.substr(0, end));
    if (!paragraph.empty()) {
      f(paragraph);
    }
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + kParagraphBreak.size());
  }
}

// without_permalink() drops the pilcrow that documentation generators
// (Sphinx, and others after it) put after a heading as its permalink. The
// extractor leaves such links out since its version 5 (is_permalink() in
// boilerplate.h); this covers a heading whose pilcrow is plain text.
std::string_view without_permalink(std::string_view heading) {
  constexpr std::string_view kPilcrow = "\u00B6";
  while (heading.ends_with(kPilcrow)) {
    heading = trim(heading.substr(0, heading.size() - kPilcrow.size()));
  }
  return heading;
}

// Words are whitespace-separated runs; word_starts() lists where each
// begins.
std::vector<std::size_t> word_starts(std::string_view s) {
  std::vector<std::size_t> starts;
  bool in_word = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool space = kSpace.find(s[i]) != std::string_view::npos;
    if (!space && !in_word) {
      starts.push_back(i);
    }
    in_word = !space;
  }
  return starts;
}

// PassageWriter gathers the paragraphs of one section into passages.
class PassageWriter {
 public:
  PassageWriter(std::vector<Passage>& out, std::size_t max_words)
      : out_(out), max_words_(std::max<std::size_t>(max_words, 1)) {}

  void start_section(std::string_view heading) {
    flush();
    heading_ = without_permalink(heading);
  }

  void add(std::string_view paragraph) {
    const std::vector<std::size_t> starts = word_starts(paragraph);
    if (starts.size() <= max_words_) {
      if (words_ + starts.size() > max_words_) {
        flush();
      }
      append(paragraph, starts.size());
      return;
    }
    // Longer than a passage: cut at every max_words-th word.
    flush();
    for (std::size_t w = 0; w < starts.size(); w += max_words_) {
      const std::size_t end =
          w + max_words_ < starts.size() ? starts[w + max_words_] : paragraph.size();
      append(trim(paragraph.substr(starts[w], end - starts[w])),
             std::min(max_words_, starts.size() - w));
      flush();
    }
  }

  void flush() {
    if (body_.empty()) {
      return;
    }
    out_.push_back(Passage{std::string(heading_), std::move(body_)});
    body_.clear();
    words_ = 0;
  }

 private:
  void append(std::string_view paragraph, std::size_t words) {
    if (!body_.empty()) {
      body_ += kParagraphBreak;
    }
    body_ += paragraph;
    words_ += words;
  }

  std::vector<Passage>& out_;
  const std::size_t max_words_;
  std::string_view heading_;
  std::string body_;
  std::size_t words_ = 0;
};

}  // namespace

std::vector<Passage> split_passages(std::string_view text, std::string_view headings,
                                    std::size_t max_words) {
  std::unordered_set<std::string_view> heading_set;
  for_each_paragraph(headings, [&](std::string_view h) { heading_set.insert(h); });
  std::vector<Passage> passages;
  PassageWriter writer(passages, max_words);
  for_each_paragraph(text, [&](std::string_view paragraph) {
    if (heading_set.contains(paragraph)) {
      writer.start_section(paragraph);
    } else {
      writer.add(paragraph);
    }
  });
  writer.flush();
  return passages;
}

}  // namespace knot::text
