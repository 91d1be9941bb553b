// stop_words.cc: the sorted stop-word table and its binary search.
#include "stop_words.h"

#include <algorithm>
#include <array>

namespace knot::text::detail {
namespace {

// Sorted (checked at compile time below) for std::binary_search.
constexpr std::array<std::string_view, 150> kStopWords = {
    "a",      "about", "above", "after",   "again",    "against",    "all",     "also",    "am",
    "an",     "and",   "any",   "are",     "as",       "at",         "be",      "because", "been",
    "before", "being", "below", "between", "both",     "but",        "by",      "can",     "could",
    "d",      "did",   "do",    "does",    "doing",    "don",        "down",    "during",  "each",
    "even",   "few",   "for",   "from",    "further",  "had",        "has",     "have",    "having",
    "he",     "her",   "here",  "hers",    "herself",  "him",        "himself", "his",     "how",
    "i",      "if",    "in",    "into",    "is",       "isn",        "it",      "its",     "itself",
    "just",   "ll",    "m",     "many",    "may",      "me",         "might",   "more",    "most",
    "much",   "must",  "my",    "myself",  "no",       "nor",        "not",     "now",     "of",
    "off",    "on",    "once",  "one",     "only",     "or",         "other",   "our",     "ours",
    "out",    "over",  "own",   "re",      "s",        "same",       "shall",   "she",     "should",
    "so",     "some",  "such",  "t",       "than",     "that",       "the",     "their",   "theirs",
    "them",   "then",  "there", "these",   "they",     "this",       "those",   "through", "to",
    "too",    "under", "until", "up",      "upon",     "us",         "ve",      "very",    "via",
    "was",    "wasn",  "we",    "were",    "what",     "when",       "where",   "which",   "while",
    "who",    "whom",  "why",   "will",    "with",     "within",     "without", "won",     "would",
    "yet",    "you",   "your",  "yours",   "yourself", "yourselves",
};

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < kStopWords.size(); ++i) {
    if (!(kStopWords[i - 1] < kStopWords[i])) {
      return false;
    }
  }
  return true;
}
static_assert(sorted_and_unique(), "kStopWords must be sorted and unique");

}  // namespace

bool is_stop_word(std::string_view word) noexcept {
  return std::binary_search(kStopWords.begin(), kStopWords.end(), word);
}

}  // namespace knot::text::detail

namespace knot::text {

bool is_stop_word(std::string_view word) noexcept {
  return detail::is_stop_word(word);
}

}  // namespace knot::text
