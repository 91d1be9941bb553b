// split_passages() (knot/text/passages.h): sections by heading, passages
// by size, long paragraphs cut at word boundaries.
#include "knot/text/passages.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace knot::text {
namespace {

std::string words(int n, const std::string& word = "w") {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += (i == 0 ? "" : " ") + word + std::to_string(i);
  }
  return s;
}

std::size_t count_words(const std::string& s) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n';
    n += !space && !in_word;
    in_word = !space;
  }
  return n;
}

TEST(PassagesTest, EmptyTextHasNone) {
  EXPECT_TRUE(split_passages("", "").empty());
  EXPECT_TRUE(split_passages("\n\n  \n\n", "Heading").empty());
}

TEST(PassagesTest, AShortTextIsOnePassage) {
  const std::vector<Passage> p = split_passages("one paragraph\n\nanother one", "");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].heading, "");
  EXPECT_EQ(p[0].body, "one paragraph\n\nanother one");
}

TEST(PassagesTest, HeadingsStartSectionsAndAreNotBodyText) {
  const std::string text =
      "intro text\n\nInstall\n\nrun the installer\n\nUsage\n\ncall it\n\nwith care";
  const std::vector<Passage> p = split_passages(text, "Install\n\nUsage");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].heading, "");
  EXPECT_EQ(p[0].body, "intro text");
  EXPECT_EQ(p[1].heading, "Install");
  EXPECT_EQ(p[1].body, "run the installer");
  EXPECT_EQ(p[2].heading, "Usage");
  EXPECT_EQ(p[2].body, "call it\n\nwith care");
}

TEST(PassagesTest, APermalinkPilcrowIsNotPartOfTheHeading) {
  const std::vector<Passage> p = split_passages("Install \u00B6\n\nrun it", "Install \u00B6");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].heading, "Install");
}

TEST(PassagesTest, ASectionWithoutTextGivesNoPassage) {
  const std::vector<Passage> p = split_passages("A\n\nB\n\nbody of b", "A\n\nB");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].heading, "B");
}

TEST(PassagesTest, ParagraphsAreGatheredUpToTheSize) {
  // 5 paragraphs of 4 words, at most 10 words a passage: 2 + 2 + 1.
  std::string text;
  for (int i = 0; i < 5; ++i) {
    text += (i == 0 ? "" : "\n\n") + words(4, "p" + std::to_string(i) + "w");
  }
  const std::vector<Passage> p = split_passages(text, "", 10);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(count_words(p[0].body), 8u);
  EXPECT_EQ(count_words(p[1].body), 8u);
  EXPECT_EQ(count_words(p[2].body), 4u);
  EXPECT_EQ(p[2].body, words(4, "p4w"));
}

TEST(PassagesTest, ALongParagraphIsCutAtWordBoundaries) {
  const std::string paragraph = words(25);
  const std::vector<Passage> p = split_passages("short one\n\n" + paragraph + "\n\ntail", "", 10);
  ASSERT_EQ(p.size(), 5u);  // "short one", 10, 10, 5, "tail"
  EXPECT_EQ(p[0].body, "short one");
  EXPECT_EQ(p[1].body, words(10));
  EXPECT_EQ(count_words(p[2].body), 10u);
  EXPECT_EQ(p[3].body, "w20 w21 w22 w23 w24");
  EXPECT_EQ(p[4].body, "tail");
}

// Random texts: every word of the body text is in exactly one passage, in
// order; no passage is empty or over the size unless one word is; the
// headings are the ones given.
TEST(PassagesTest, RandomTextsKeepEveryWordOnce) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::size_t max_words = 1 + rng() % 30;
    std::string text;
    std::string headings;
    std::vector<std::string> body_words;
    int next_word = 0;
    const int paragraphs = static_cast<int>(rng() % 20);
    for (int i = 0; i < paragraphs; ++i) {
      if (!text.empty()) {
        text += "\n\n";
      }
      if (rng() % 4 == 0) {
        const std::string h = "H" + std::to_string(i);
        text += h;
        headings += (headings.empty() ? "" : "\n\n") + h;
        continue;
      }
      const int n = 1 + static_cast<int>(rng() % 50);
      for (int w = 0; w < n; ++w) {
        body_words.push_back("x" + std::to_string(next_word++));
        text += (w == 0 ? "" : (rng() % 5 == 0 ? "  " : " ")) + body_words.back();
      }
    }
    const std::vector<Passage> passages = split_passages(text, headings, max_words);
    std::vector<std::string> seen;
    for (const Passage& p : passages) {
      ASSERT_FALSE(p.body.empty());
      ASSERT_LE(count_words(p.body), max_words) << p.body;
      ASSERT_TRUE(p.heading.empty() || p.heading[0] == 'H');
      std::size_t pos = 0;
      while (pos < p.body.size()) {
        const std::size_t start = p.body.find_first_not_of(" \n", pos);
        if (start == std::string::npos) {
          break;
        }
        const std::size_t end = std::min(p.body.find_first_of(" \n", start), p.body.size());
        seen.push_back(p.body.substr(start, end - start));
        pos = end;
      }
    }
    ASSERT_EQ(seen, body_words) << "round " << round;
  }
}

}  // namespace
}  // namespace knot::text
