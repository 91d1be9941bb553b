// knot/text/passages.h: an article cut into passages for full-text search.
//
// A long page answers many questions, each in one of its sections; ranked
// as a whole, its words are diluted by all the others (BM25 normalizes by
// length) and a short page that mentions the query's words in passing
// wins. Search therefore also ranks passages, a few paragraphs each, and
// gives a page the rank of its best passage (Callan, 1994; Dai and Callan's
// "MaxP", 2019).
//
//   Passage           one section's heading and up to kPassageWords words of it
//   split_passages()  an extracted article (text and headings) into passages
//   kPassageVersion   names the rule: passages cut by another are re-cut
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace knot::text {

// `Passage` is a run of paragraphs of one section: `heading` is the text of
// the heading the section starts with (empty before the first heading).
struct Passage {
  std::string heading;
  std::string body;
};

// `kPassageWords` is a passage's size: paragraphs are gathered until the
// next would take the passage past it; a paragraph longer than that alone
// is cut at word boundaries. About a screen of text, the size passage
// retrieval studies find best (100 to 250 words).
inline constexpr std::size_t kPassageWords = 150;

// `kPassageVersion` changes whenever split_passages() would cut the same
// article differently; stored passages of another version are re-cut.
inline constexpr int kPassageVersion = 2;

// `split_passages()` cuts `text` (paragraphs separated by "\n\n", as
// extract_article() writes it) into passages of at most `max_words` words
// (whitespace-separated), never across a heading: a paragraph whose text is
// one of `headings` (paragraphs too) starts a new section and becomes its
// heading (without a trailing pilcrow, a generated permalink). Passages
// are in text order; an empty text gives none. Time and memory are linear
// in the input.
std::vector<Passage> split_passages(std::string_view text, std::string_view headings,
                                    std::size_t max_words = kPassageWords);

}  // namespace knot::text
