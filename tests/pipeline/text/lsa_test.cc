// LsaModel (knot/text/lsa.h): it learns which words go together, it is
// deterministic, and its serialized form is checked.
#include "knot/text/lsa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace knot::text {
namespace {

// Two topics. "automobile" and "car" never share a text, but both share
// "engine", "wheels" and "road" with the same texts: LSA puts them close.
// The hashed model sees no shared feature between them.
std::vector<std::string> two_topics() {
  return {
      "the car has an engine and four wheels on the road",
      "an engine drives the wheels of a car along the road",
      "the automobile engine turns its wheels on the open road",
      "road trips need a reliable engine and good wheels automobile",
      "bake the bread in the oven of the kitchen with flour",
      "flour water and yeast make bread in a hot oven kitchen",
      "the kitchen oven bakes a cake from flour sugar and eggs",
      "a recipe for cake needs flour eggs sugar and an oven",
  };
}

std::vector<std::string_view> views(const std::vector<std::string>& texts) {
  return {texts.begin(), texts.end()};
}

float similarity(const Embedder& e, std::string_view a, std::string_view b) {
  return cosine(e.embed_text(a), e.embed_text(b));
}

TEST(LsaTest, WordsThatShareContextsAreNear) {
  const std::vector<std::string> texts = two_topics();
  LsaOptions options;
  options.dimensions = 2;  // as many concepts as topics
  const auto model = LsaModel::train(views(texts), options);
  EXPECT_TRUE(is_lsa_model_id(model->model_id())) << model->model_id();
  EXPECT_EQ(model->dimensions(), 2u);
  // A query with a word that a text lacks still finds it through the topic.
  const float same_topic = similarity(*model, "automobile", "a car with an engine");
  const float other_topic = similarity(*model, "automobile", "bread from the oven");
  EXPECT_GT(same_topic, 0.5f);
  EXPECT_GT(same_topic, other_topic + 0.4f);
  // The hashed model cannot: the words share no feature.
  const auto hashed = make_default_embedder();
  EXPECT_LT(similarity(*hashed, "automobile", "car"), 0.3f);
  EXPECT_GT(similarity(*model, "automobile", "car"), 0.5f);
}

TEST(LsaTest, UnknownWordsAndEmptyTextsGiveZeros) {
  const std::vector<std::string> texts = two_topics();
  const auto model = LsaModel::train(views(texts));
  for (std::string_view text : {"", "zeppelin quasar", "the and of", "12345"}) {
    const std::vector<float> v = model->embed_text(text);
    ASSERT_EQ(v.size(), model->dimensions());
    for (float x : v) {
      EXPECT_EQ(x, 0.0f) << text;
    }
  }
}

TEST(LsaTest, EmbedAndEmbedTextAgree) {
  const std::vector<std::string> texts = two_topics();
  const auto model = LsaModel::train(views(texts));
  const std::string text = "The engine of the car, the oven of the kitchen";
  EXPECT_EQ(model->embed(tokenize(text)), model->embed_text(text));
  EXPECT_EQ(model->embed_article("Car", "Engine", "wheels"),
            model->embed_text(LsaModel::article_text("Car", "Engine", "wheels")));
}

TEST(LsaTest, TheSameTextsGiveTheSameModelAndOthersAnother) {
  const std::vector<std::string> texts = two_topics();
  const auto a = LsaModel::train(views(texts));
  const auto b = LsaModel::train(views(texts));
  EXPECT_EQ(a->model_id(), b->model_id());
  EXPECT_EQ(a->serialize(), b->serialize());
  std::vector<std::string> changed = texts;
  changed[0] += " garage";
  changed[1] += " garage";
  const auto c = LsaModel::train(views(changed));
  EXPECT_NE(a->model_id(), c->model_id());
}

// A parallel loop gives the same model as the plain one.
TEST(LsaTest, TheLoopThatReadsTheTextsDoesNotChangeTheModel) {
  const std::vector<std::string> texts = two_topics();
  const auto plain = LsaModel::train(views(texts));
  std::vector<std::size_t> calls;
  const auto looped = LsaModel::train(
      views(texts), {}, [&](std::size_t n, const std::function<void(std::size_t)>& f) {
        for (std::size_t i = n; i-- > 0;) {  // backwards: order must not matter
          calls.push_back(i);
          f(i);
        }
      });
  EXPECT_EQ(calls.size(), texts.size());
  EXPECT_EQ(looped->serialize(), plain->serialize());
}

// many_texts() is 240 texts of four topics, each text six of its topic's
// ten words and two of ten words every topic uses, drawn from a fixed
// stream: enough texts for the randomized decomposition.
std::vector<std::string> many_texts() {
  const char* const topics[4][10] = {
      {"car", "engine", "wheel", "road", "brake", "fuel", "gear", "tyre", "clutch", "garage"},
      {"bread", "oven", "flour", "yeast", "dough", "crust", "bake", "loaf", "knead", "rye"},
      {"star", "planet", "orbit", "comet", "galaxy", "moon", "nebula", "telescope", "quasar",
       "meteor"},
      {"violin", "cello", "sonata", "chord", "melody", "tempo", "rhythm", "choir", "organ",
       "flute"}};
  const char* const shared[10] = {"thing",  "time",  "place", "people", "work",
                                  "number", "world", "part",  "system", "water"};
  std::mt19937_64 rng(42);  // the standard fixes its sequence
  auto next = [&](std::uint64_t bound) { return rng() % bound; };
  std::vector<std::string> texts;
  for (int i = 0; i < 240; ++i) {
    std::string t;
    for (int w = 0; w < 6; ++w) {
      t += std::string(topics[i % 4][next(10)]) + " ";
    }
    for (int w = 0; w < 2; ++w) {
      t += std::string(shared[next(10)]) + " ";
    }
    texts.push_back(t);
  }
  return texts;
}

// Beyond `exact_texts` texts the decomposition is randomized; it finds the
// subspace the exact one does, closer with each subspace iteration, so
// texts are as similar under either model.
TEST(LsaTest, TheRandomizedDecompositionAgreesWithTheExactOne) {
  const std::vector<std::string> texts = many_texts();
  LsaOptions exact_options;
  exact_options.dimensions = 4;  // the topics
  const auto exact = LsaModel::train(views(texts), exact_options);
  const std::vector<std::string> probes = {"engine brake", "oven dough", "comet galaxy",
                                           "cello tempo",  "car bread",  "moon flute water",
                                           "people time"};
  auto largest_difference = [&](int iterations) {
    LsaOptions options = exact_options;
    options.exact_texts = 0;
    options.power_iterations = iterations;
    const auto randomized = LsaModel::train(views(texts), options);
    EXPECT_EQ(randomized->dimensions(), 4u);
    EXPECT_NE(exact->model_id(), randomized->model_id());  // not bit for bit the same
    EXPECT_GT(similarity(*randomized, "engine brake", "garage fuel"), 0.9f);
    EXPECT_LT(similarity(*randomized, "engine brake", "oven dough"), 0.1f);
    float largest = 0;
    for (const std::string& a : probes) {
      for (const std::string& b : probes) {
        largest =
            std::max(largest, std::abs(similarity(*exact, a, b) - similarity(*randomized, a, b)));
      }
    }
    return largest;
  };
  const float by_default = largest_difference(LsaOptions{}.power_iterations);
  const float by_six = largest_difference(6);
  EXPECT_LT(by_default, 0.01f);
  EXPECT_LT(by_six, 1e-4f);
  EXPECT_LT(by_six, by_default);
}

// The randomized decomposition's products run through the loop too, and
// the loop does not change the model.
TEST(LsaTest, TheLoopDoesNotChangeTheRandomizedModel) {
  const std::vector<std::string> texts = many_texts();
  LsaOptions options;
  options.exact_texts = 0;
  const auto plain = LsaModel::train(views(texts), options);
  std::size_t calls = 0;
  const auto looped = LsaModel::train(
      views(texts), options, [&](std::size_t n, const std::function<void(std::size_t)>& f) {
        for (std::size_t i = n; i-- > 0;) {
          ++calls;
          f(i);
        }
      });
  EXPECT_GT(calls, texts.size());  // more than the texts were read through it
  EXPECT_EQ(looped->serialize(), plain->serialize());
}

TEST(LsaTest, SerializedModelRoundTrips) {
  const std::vector<std::string> texts = two_topics();
  const auto model = LsaModel::train(views(texts));
  const auto back = LsaModel::deserialize(model->serialize());
  EXPECT_EQ(back->model_id(), model->model_id());
  EXPECT_EQ(back->vocabulary_size(), model->vocabulary_size());
  EXPECT_EQ(back->embed_text("car engine oven"), model->embed_text("car engine oven"));
}

TEST(LsaTest, DamagedBytesAreRefusedWithAReason) {
  const std::vector<std::string> texts = two_topics();
  const std::string bytes = LsaModel::train(views(texts))->serialize();
  auto reason = [](std::string_view b) -> std::string {
    try {
      (void)LsaModel::deserialize(b);
      return "";
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  };
  EXPECT_NE(reason("").find("not a knot LSA model"), std::string::npos);
  EXPECT_NE(reason("some other file").find("not a knot LSA model"), std::string::npos);
  EXPECT_NE(reason(bytes.substr(0, 10)).find("truncated"), std::string::npos);
  EXPECT_NE(reason(bytes.substr(0, bytes.size() / 2)).find("damaged"), std::string::npos);
  // Every single flipped byte is caught: by the magic or by the checksum.
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    EXPECT_FALSE(reason(flipped).empty()) << "byte " << i;
  }
}

TEST(LsaTest, TooFewTextsAreAClearError) {
  const std::vector<std::string> one = {"just one text about cars"};
  EXPECT_THROW((void)LsaModel::train(views(one)), std::invalid_argument);
  const std::vector<std::string> same = {"alpha beta", "beta alpha"};  // every word everywhere
  EXPECT_THROW((void)LsaModel::train(views(same)), std::invalid_argument);
  EXPECT_THROW((void)LsaModel::train({}), std::invalid_argument);
}

}  // namespace
}  // namespace knot::text
