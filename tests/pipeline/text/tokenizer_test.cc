// knot::text tokenize(): word splitting, lower-casing, the length limit and
// subword 3-grams, table-driven.
#include "knot/text/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace knot::text {
namespace {

std::vector<std::string> words(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) {
    if (!t.is_subword) {
      out.push_back(t.text);
    }
  }
  return out;
}

struct WordCase {
  const char* name;
  std::string text;
  std::vector<std::string> words;
};

// Word splitting and lower-casing.
TEST(TokenizerTest, Words) {
  const std::vector<WordCase> cases = {
      {"empty", "", {}},
      {"only separators", " ,.;-- \n\t!?", {}},
      {"ascii lowered", "Hello, WORLD!", {"hello", "world"}},
      {"digits are word characters", "C3PO in 1977", {"c3po", "in", "1977"}},
      {"apostrophe and hyphen split", "don't re-use", {"don", "t", "re", "use"}},
      {"underscore splits", "snake_case", {"snake", "case"}},
      {"latin-1 lowered", "Ça ÉTÉ Über", {"ça", "été", "über"}},
      {"latin extended-a lowered", "ŁÓDŹ Œuvre", {"łódź", "œuvre"}},
      {"greek lowered", "ΑΘΗΝΑ Άλφα", {"αθηνα", "άλφα"}},
      {"cyrillic lowered", "МОСКВА Ёлка", {"москва", "ёлка"}},
      {"cjk kept as one run", "東京タワー", {"東京タワー"}},
      {"cjk punctuation splits", "東京。大阪、", {"東京", "大阪"}},
      {"combining marks stay in the word", "cafe\u0301 x", {"cafe\u0301", "x"}},
      {"soft hyphen and zwj do not split", "in\u00ADfor\u200Dmation", {"information"}},
      {"zero-width space splits", "a\u200Bb", {"a", "b"}},
      {"nbsp and em dash split", "a\u00A0b\u2014c", {"a", "b", "c"}},
      {"emoji and symbols split",
       "hot\U0001F525dog \u20AC5 2\u00D73",
       {"hot", "dog", "5", "2", "3"}},
      {"fullwidth latin lowered", "\uFF21\uFF22\uFF23", {"\uFF41\uFF42\uFF43"}},
      {"invalid utf-8 splits",
       "ab\xFF"
       "cd\xC3",
       {"ab", "cd"}},
      {"dotted capital i", "\u0130STANBUL", {"istanbul"}},
  };
  for (const WordCase& c : cases) {
    EXPECT_EQ(words(tokenize(c.text)), c.words) << c.name;
  }
}

// Words longer than 64 bytes are dropped with their subwords; 64 is kept.
TEST(TokenizerTest, LongWordsDropped) {
  const std::string w64(64, 'a');
  const std::string w65(65, 'b');
  EXPECT_EQ(words(tokenize("x " + w64 + " " + w65 + " y")),
            (std::vector<std::string>{"x", w64, "y"}));
  for (const Token& t : tokenize(w65)) {
    ADD_FAILURE() << "token from an over-long word: " << t.text;
  }
  // The limit is in bytes: 33 two-byte letters are 66 bytes.
  std::string wide;
  for (int i = 0; i < 33; ++i) {
    wide += "\u00E9";
  }
  EXPECT_TRUE(tokenize(wide).empty());
}

// Subwords: boundary-marked 3-grams, right after their word, only for words
// of four or more code points.
TEST(TokenizerTest, Subwords) {
  const std::vector<Token> t = tokenize("The rust");
  ASSERT_EQ(t.size(), 6U);
  EXPECT_EQ(t[0].text, "the");
  EXPECT_FALSE(t[0].is_subword);
  EXPECT_EQ(t[1].text, "rust");
  EXPECT_FALSE(t[1].is_subword);
  const std::vector<std::string> grams = {"<ru", "rus", "ust", "st>"};
  for (std::size_t i = 0; i < grams.size(); ++i) {
    EXPECT_EQ(t[2 + i].text, grams[i]);
    EXPECT_TRUE(t[2 + i].is_subword);
  }
}

// 3-grams count code points, not bytes.
TEST(TokenizerTest, SubwordsOfMultibyteWords) {
  const std::vector<Token> t = tokenize("Ёлка");
  std::vector<std::string> grams;
  for (const Token& tok : t) {
    if (tok.is_subword) {
      grams.push_back(tok.text);
    }
  }
  EXPECT_EQ(grams, (std::vector<std::string>{"<ёл", "ёлк", "лка", "ка>"}));
  EXPECT_EQ(tokenize("東京").size(), 1U);  // two code points: no subwords
}

// Same input, same output, every time.
TEST(TokenizerTest, Deterministic) {
  const std::string text = "Deterministic tokenization: ÉTÉ, 東京, don't — twice.";
  const std::vector<Token> a = tokenize(text);
  const std::vector<Token> b = tokenize(text);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].is_subword, b[i].is_subword);
  }
}

}  // namespace
}  // namespace knot::text
