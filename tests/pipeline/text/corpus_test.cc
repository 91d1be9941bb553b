// knot::text over the test corpus (tests/data/html/corpus): every page
// gives its title and its paragraphs without boilerplate, and the default
// embedder ranks each page first for a query about its topic that avoids
// the page's title words where it can.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "knot/text/embedder.h"
#include "knot/text/extract.h"
#include "knot/text/tokenizer.h"
#include "test_files.h"

namespace knot::text {
namespace {

struct Page {
  std::string name;
  Article article;
};

std::vector<Page> load_corpus() {
  std::vector<Page> pages;
  for (const auto& path : fixtures::corpus_files()) {
    pages.push_back({path.stem().string(), extract_article(fixtures::read_file(path))});
  }
  return pages;
}

// The corpus has 30 pages; each has a title without the site name and
// three or four paragraphs of prose, none of them boilerplate.
TEST(CorpusTest, EveryPageExtractsCleanly) {
  const std::vector<Page> pages = load_corpus();
  ASSERT_EQ(pages.size(), 30U);
  for (const Page& p : pages) {
    SCOPED_TRACE(p.name);
    EXPECT_FALSE(p.article.title.empty());
    for (const char* site : {"Journal", "Workbench", "Magazine", "Almanac", "Weekly"}) {
      EXPECT_EQ(p.article.title.find(site), std::string::npos) << p.article.title;
    }
    const auto paras = fixtures::paragraphs(p.article.text);
    EXPECT_GE(paras.size(), 3U) << p.article.text;
    EXPECT_LE(paras.size(), 4U) << p.article.text;
    for (const std::string& para : paras) {
      EXPECT_GT(para.size(), 120U) << para;  // prose, not a menu line
    }
    for (const char* junk :
         {"cookies", "newsletter", "All rights reserved", "Related articles", "Leave a comment",
          "Share this", "Subscribe", "Staff writer", "Back to the index", "Categories",
          "Advertisement", "Sign in", "guestbook", "Popular this week", "Home"}) {
      EXPECT_EQ(p.article.text.find(junk), std::string::npos) << "boilerplate: " << junk;
    }
  }
}

struct QueryCase {
  const char* query;
  const char* page;  // file stem
};

// Search by cosine similarity: each query's best page is the expected one.
TEST(CorpusTest, TopicQueriesFindTheirPage) {
  const std::vector<Page> pages = load_corpus();
  ASSERT_EQ(pages.size(), 30U);
  const auto embedder = make_default_embedder();
  std::vector<std::vector<float>> vectors;
  for (const Page& p : pages) {
    vectors.push_back(embedder->embed(tokenize(p.article.title + "\n\n" + p.article.text)));
  }
  const std::vector<QueryCase> cases = {
      {"telescope planet moons orbit", "01-astronomy"},
      {"starter yeast dough loaf crust", "02-cooking"},
      {"borrow checker compiler references", "03-rust-programming"},
      {"wind gusts reef mainsheet yacht", "04-sailing"},
      {"king pawn opposition draw", "06-chess"},
      {"aperture shutter speed iso", "07-photography"},
      {"stalactites calcite limestone", "09-geology"},
      {"espresso grind beans crema", "10-coffee"},
      {"warblers migrate nets rings", "11-birdwatching"},
      {"yield iterator lazy generator", "14-python-generators"},
      {"b-tree planner explain scan", "19-sql-indexes"},
      {"oxygen altitude descend headache", "20-mountaineering"},
      {"grep sort uniq pipe buffer", "22-linux-pipes"},
      {"interest rates central bank prices", "25-inflation"},
      {"death cap chanterelles forest", "26-mushroom-foraging"},
      {"bleaching algae corals", "27-coral-reefs"},
      {"integral derivative gain oscillation", "28-pid-control"},
      {"private key signature certificate", "30-cryptography"},
  };
  for (const QueryCase& c : cases) {
    const std::vector<float> q = embedder->embed(tokenize(c.query));
    std::size_t best = 0;
    for (std::size_t i = 1; i < pages.size(); ++i) {
      if (cosine(q, vectors[i]) > cosine(q, vectors[best])) {
        best = i;
      }
    }
    EXPECT_EQ(pages[best].name, c.page) << "query: " << c.query;
  }
}

}  // namespace
}  // namespace knot::text
