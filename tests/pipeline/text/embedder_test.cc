// knot::text default embedder and cosine(): identity, dimension,
// normalization, determinism (golden values pin the stable hash),
// similarity ordering, empty input and concurrent use.
#include "knot/text/embedder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/text/tokenizer.h"

namespace knot::text {
namespace {

using namespace std::chrono_literals;

std::vector<float> embed_text(const Embedder& e, const std::string& text) {
  return e.embed(tokenize(text));
}

double norm(const std::vector<float>& v) {
  double s = 0.0;
  for (const float x : v) {
    s += static_cast<double>(x) * x;
  }
  return std::sqrt(s);
}

const std::string kBread =
    "Knead the bread dough with flour, water and salt, let it rise overnight, then bake the "
    "loaf in a hot oven until the crust is brown.";
const std::string kBreadParaphrase =
    "Bake a loaf: mix flour, salt and water into a dough, leave the dough to rise through the "
    "night and bake it in a very hot oven for a brown crust.";
const std::string kOrbit =
    "The spacecraft entered orbit around Jupiter and photographed its moons, measuring the "
    "magnetic field of the giant planet.";

// The model's name and size are what the pipeline stores.
TEST(EmbedderTest, IdentityAndDimension) {
  const auto e = make_default_embedder();
  EXPECT_EQ(e->model_id(), "knot-hash-384-v1");
  EXPECT_EQ(e->model_id(), kDefaultModelId);
  EXPECT_EQ(e->dimensions(), 384U);
  EXPECT_EQ(embed_text(*e, kBread).size(), 384U);
}

// Non-empty input gives a unit vector; a single token too.
TEST(EmbedderTest, Normalized) {
  const auto e = make_default_embedder();
  for (const std::string& text : {kBread, kOrbit, std::string("x"), std::string("the the the")}) {
    EXPECT_NEAR(norm(embed_text(*e, text)), 1.0, 1e-5) << text;
  }
}

// No tokens: all zeros, and cosine with it is 0.
TEST(EmbedderTest, EmptyInputIsZeroVector) {
  const auto e = make_default_embedder();
  const std::vector<float> empty = e->embed({});
  ASSERT_EQ(empty.size(), 384U);
  for (const float x : empty) {
    EXPECT_EQ(x, 0.0F);
  }
  EXPECT_EQ(embed_text(*e, " ,.; "), empty);
  EXPECT_EQ(cosine(empty, embed_text(*e, kBread)), 0.0F);
}

// Same tokens, same vector, across embedder instances.
TEST(EmbedderTest, Deterministic) {
  const auto a = make_default_embedder();
  const auto b = make_default_embedder();
  EXPECT_EQ(embed_text(*a, kBread), embed_text(*b, kBread));
}

// Golden values: the vector of a fixed text may never change under the
// same model id (stored vectors would silently become incomparable). A
// failure here means the hash, the weights or the projection changed:
// bump the model id and update these numbers.
TEST(EmbedderTest, GoldenValuesForModelV1) {
  const auto e = make_default_embedder();
  const std::vector<float> v =
      embed_text(*e, "Hello, world! Hello again, wonderful world of the 42 lanterns.");
  ASSERT_EQ(v.size(), 384U);
  const float expected[] = {0.0351548381F, 0.0266231485F, -0.0142786652F, -0.00246098894F,
                            0.00954693463F};
  EXPECT_NEAR(v[0], expected[0], 1e-6);
  EXPECT_NEAR(v[1], expected[1], 1e-6);
  EXPECT_NEAR(v[2], expected[2], 1e-6);
  EXPECT_NEAR(v[3], expected[3], 1e-6);
  EXPECT_NEAR(v[383], expected[4], 1e-6);
}

// A paraphrase that shares vocabulary scores higher than an unrelated
// text, and a text is most similar to itself.
TEST(EmbedderTest, ParaphraseBeatsUnrelated) {
  const auto e = make_default_embedder();
  const auto bread = embed_text(*e, kBread);
  const auto paraphrase = embed_text(*e, kBreadParaphrase);
  const auto orbit = embed_text(*e, kOrbit);
  EXPECT_NEAR(cosine(bread, bread), 1.0F, 1e-5);
  EXPECT_GT(cosine(bread, paraphrase), 0.5F);
  EXPECT_LT(std::abs(cosine(bread, orbit)), 0.2F);
  EXPECT_GT(cosine(bread, paraphrase), cosine(bread, orbit) + 0.3F);
}

// Subwords make word forms similar: "gardening" is near "garden" and
// "gardens", clearly nearer than "cooking" (which shares only "ing") and
// "astronomy" (which shares nothing).
TEST(EmbedderTest, SubwordsLinkWordForms) {
  const auto e = make_default_embedder();
  const auto gardening = embed_text(*e, "gardening");
  const float garden = cosine(gardening, embed_text(*e, "garden"));
  const float gardens = cosine(gardening, embed_text(*e, "gardens"));
  const float cooking = cosine(gardening, embed_text(*e, "cooking"));
  const float astronomy = cosine(gardening, embed_text(*e, "astronomy"));
  EXPECT_GT(garden, 0.25F);
  EXPECT_GT(gardens, 0.2F);
  EXPECT_GT(std::min(garden, gardens), cooking + 0.1F);
  EXPECT_LT(std::abs(astronomy), 0.1F);
}

// Stop words weigh little: adding many of them barely moves a vector,
// while adding one content word moves it more.
TEST(EmbedderTest, StopWordsWeighLittle) {
  const auto e = make_default_embedder();
  const auto base = embed_text(*e, "volcano eruption magma");
  const auto with_stop = embed_text(*e, "the volcano and the eruption of magma");
  const auto with_content = embed_text(*e, "volcano eruption magma glacier");
  EXPECT_GT(cosine(base, with_stop), cosine(base, with_content));
}

// Repeating a word raises its weight sublinearly: "rust rust rust" is not
// three times as far from "rust" as "rust" is.
TEST(EmbedderTest, TermFrequencyIsSublinear) {
  const auto e = make_default_embedder();
  const auto once = embed_text(*e, "rust ocean");
  const auto thrice = embed_text(*e, "rust rust rust ocean");
  const auto rust = embed_text(*e, "rust");
  EXPECT_GT(cosine(thrice, rust), cosine(once, rust));
  EXPECT_GT(cosine(once, thrice), 0.8F);
}

// embed_text() is embed(tokenize()) bit for bit: on short texts, on one
// with no words, and on texts with more different features than its
// feature table holds (random five-letter words: a new word and a new
// pair every six bytes, against a table of a quarter entry per byte),
// which it reads in several passes.
TEST(EmbedderTest, EmbedTextMatchesTokenList) {
  const knot::testing::Deadline deadline(60s);
  const auto e = make_default_embedder();
  std::vector<std::string> texts = {kBread, kOrbit, "", " ,.; ", "x", "the the the"};
  for (const std::size_t bytes : {std::size_t{100} << 10, std::size_t{2} << 20}) {
    std::string words;
    std::uint64_t x = 88172645463325252ULL;
    while (words.size() < bytes) {
      for (int k = 0; k < 5; ++k) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        words += static_cast<char>('a' + x % 26);
      }
      words += ' ';
    }
    texts.push_back(std::move(words));
  }
  texts.push_back(kBread + " " + texts.back() + " " + kOrbit);
  for (const std::string& text : texts) {
    EXPECT_EQ(e->embed_text(text), e->embed(tokenize(text))) << text.substr(0, 40);
  }
}

// cosine() edge cases.
TEST(EmbedderTest, CosineEdgeCases) {
  const std::vector<float> a = {1.0F, 0.0F};
  const std::vector<float> b = {0.0F, 2.0F};
  const std::vector<float> c = {-3.0F, 0.0F};
  const std::vector<float> three = {1.0F, 0.0F, 0.0F};
  EXPECT_FLOAT_EQ(cosine(a, a), 1.0F);
  EXPECT_FLOAT_EQ(cosine(a, b), 0.0F);
  EXPECT_FLOAT_EQ(cosine(a, c), -1.0F);
  EXPECT_EQ(cosine(a, three), 0.0F);
  EXPECT_EQ(cosine({}, {}), 0.0F);
}

// embed() from several threads at once gives the serial results.
TEST(EmbedderTest, ConcurrentEmbedMatchesSerial) {
  const knot::testing::Deadline deadline(60s);
  const auto e = make_default_embedder();
  std::vector<std::vector<Token>> inputs;
  for (int i = 0; i < 40; ++i) {
    inputs.push_back(tokenize(kBread + " " + std::to_string(i) + " " + kOrbit.substr(0, 10 + i)));
  }
  std::vector<std::vector<float>> serial;
  for (const auto& tokens : inputs) {
    serial.push_back(e->embed(tokens));
  }
  constexpr int kThreads = 6;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
          const std::size_t k = (i + static_cast<std::size_t>(t) * 7) % inputs.size();
          mismatches[static_cast<std::size_t>(t)] += e->embed(inputs[k]) != serial[k];
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (const int m : mismatches) {
    EXPECT_EQ(m, 0);
  }
}

}  // namespace
}  // namespace knot::text
