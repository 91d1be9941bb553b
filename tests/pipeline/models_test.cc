// Embedding models of a database (knot/pipeline/models.h): the LSA model
// is learned from the stored texts, installed with its vectors in one
// transaction, learned anew only when the texts change, and named by the
// database so that search never compares vectors of two models.
#include "knot/pipeline/models.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string_view>

#include "common/deadline.h"
#include "knot/pipeline/hybrid_search.h"
#include "knot/pipeline/ingest.h"
#include "knot/pipeline/reprocess.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/thread_pool.h"
#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using testing::TempDir;

// reprocess_as_cli() is what `knot-embed reprocess --model <choice>` runs.
LsaUpdate reprocess_as_cli(const std::filesystem::path& db, ModelChoice choice) {
  std::unique_ptr<text::Embedder> embedder;
  {
    Store store = Store::open(db);
    embedder = pipeline_embedder(store, choice);
  }
  ReprocessOptions options;
  options.threads = 2;
  reprocess(db, *embedder, options);
  Store store = Store::open(db);
  if (choice == ModelChoice::kLsa) {
    return update_lsa_model(store);
  }
  use_hash_model(store);
  return {};
}

void sql(const std::filesystem::path& db, const char* statement) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(handle, statement, nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(handle);
}

std::string top_file(Store& store, const text::Embedder& embedder, const std::string& query,
                     SearchMode mode) {
  SearchRequest request;
  request.query = query;
  request.mode = mode;
  request.k = 3;
  const SearchOutcome outcome = search(store, embedder, request);
  return outcome.hits.empty()
             ? ""
             : std::filesystem::path(outcome.hits.front().source_path).filename().string();
}

class ModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::copy_corpus(dir_ / "corpus");
    Store store = Store::open(db_, {.create = true});
    std::vector<std::filesystem::path> paths = {dir_ / "corpus"};
    ingest(store, paths);
  }
  TempDir dir_;
  std::filesystem::path db_ = dir_ / "m.db";
};

// The first LSA run embeds with the hashed model (no model yet), learns the
// model from the texts and replaces every vector; search then uses it.
TEST_F(ModelsTest, TheLsaModelIsLearnedInstalledAndSearchedWith) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  const LsaUpdate update = reprocess_as_cli(db_, ModelChoice::kLsa);
  EXPECT_TRUE(update.trained);
  EXPECT_EQ(update.reason, "no model yet");
  EXPECT_EQ(update.texts, 30u);
  EXPECT_GE(update.passages, 30u);  // each page's sections too
  EXPECT_GT(update.words, 100u);
  ASSERT_TRUE(text::is_lsa_model_id(update.model_id)) << update.model_id;
  Store store = Store::open(db_);
  EXPECT_EQ(store.search_model(), update.model_id);
  EXPECT_EQ(store.count_not_embedded_by(update.model_id), 0);
  EXPECT_EQ(store.count_vectors(update.model_id), 30);
  const std::unique_ptr<text::Embedder> model = open_search_model(store);
  EXPECT_EQ(model->model_id(), update.model_id);
  // Queries in words of the topic, not of the title.
  EXPECT_EQ(top_file(store, *model, "looking at Jupiter moons through a small telescope",
                     SearchMode::kVector),
            "01-astronomy.html");
  EXPECT_EQ(top_file(store, *model, "public key encryption and signatures", SearchMode::kHybrid),
            "30-cryptography.html");
}

// A run over the same texts learns nothing; a changed text learns anew,
// under another id, and no vector of the old model is left.
TEST_F(ModelsTest, ANewModelOnlyWhenTheTextsChange) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  const LsaUpdate first = reprocess_as_cli(db_, ModelChoice::kLsa);
  ASSERT_TRUE(first.trained);
  const LsaUpdate again = reprocess_as_cli(db_, ModelChoice::kLsa);
  EXPECT_FALSE(again.trained);
  EXPECT_EQ(again.model_id, first.model_id);
  testing::write_file(dir_ / "corpus" / "02-cooking.html",
                      "<html><head><title>Knots</title></head><body><article><p>A bowline "
                      "makes a fixed loop at the end of a rope, and a clove hitch ties a rope "
                      "to a post; sailors learn both.</p></article></body></html>");
  {
    Store store = Store::open(db_);
    std::vector<std::filesystem::path> paths = {dir_ / "corpus"};
    ingest(store, paths);
  }
  const LsaUpdate changed = reprocess_as_cli(db_, ModelChoice::kLsa);
  EXPECT_TRUE(changed.trained);
  EXPECT_EQ(changed.reason, "the texts changed");
  EXPECT_NE(changed.model_id, first.model_id);
  Store store = Store::open(db_);
  EXPECT_EQ(store.count_vectors(first.model_id), 0);
  EXPECT_EQ(store.count_not_embedded_by(changed.model_id), 0);
  EXPECT_FALSE(store.load_model(first.model_id).has_value());  // older models go
}

// The LSA vectors are never compared with a query of the hashed model
// (search finds by BM25 until reprocess embeds again); choosing the hashed
// model embeds with it, and the next LSA run installs the model again
// because it was not the search model.
TEST_F(ModelsTest, SearchNeverMixesModels) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  const LsaUpdate lsa = reprocess_as_cli(db_, ModelChoice::kLsa);
  {
    Store store = Store::open(db_);
    // The hashed model named, no vector of it yet (as a database whose
    // vectors were lost, or written by hand).
    store.set_search_model(text::kDefaultModelId);
    const std::unique_ptr<text::Embedder> hashed = open_search_model(store);
    EXPECT_EQ(hashed->model_id(), text::kDefaultModelId);
    EXPECT_EQ(top_file(store, *hashed, "telescope", SearchMode::kVector), "");
    EXPECT_EQ(top_file(store, *hashed, "telescope", SearchMode::kHybrid), "01-astronomy.html");
  }
  reprocess_as_cli(db_, ModelChoice::kHash);
  {
    Store store = Store::open(db_);
    EXPECT_EQ(store.count_vectors(text::kDefaultModelId), 30);
    EXPECT_EQ(store.search_model(), std::string(text::kDefaultModelId));
  }
  const LsaUpdate back = reprocess_as_cli(db_, ModelChoice::kLsa);
  EXPECT_TRUE(back.trained);
  EXPECT_EQ(back.model_id, lsa.model_id);  // the same texts: the same model
  EXPECT_EQ(back.reason, "it was not the search model");
}

// A damaged model is a clear error for search, and reprocess learns anew.
TEST_F(ModelsTest, ADamagedModelIsRefusedAndLearnedAgain) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  const LsaUpdate first = reprocess_as_cli(db_, ModelChoice::kLsa);
  sql(db_,
      "UPDATE models SET parameters = substr(parameters, 1, length(parameters) - 9) || "
      "x'000000000000000000'");
  {
    Store store = Store::open(db_);
    try {
      (void)open_search_model(store);
      ADD_FAILURE() << "a damaged model was loaded";
    } catch (const StoreError& e) {
      EXPECT_EQ(e.code(), StoreErrc::kCorrupt);
      EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("reprocess"), std::string::npos) << e.what();
    }
  }
  const LsaUpdate again = reprocess_as_cli(db_, ModelChoice::kLsa);
  EXPECT_TRUE(again.trained);
  EXPECT_EQ(again.model_id, first.model_id);
  Store store = Store::open(db_);
  EXPECT_EQ(open_search_model(store)->model_id(), first.model_id);
}

// A model that names no row (deleted by hand) is an error, not the hashed
// model silently.
TEST_F(ModelsTest, AMissingModelIsAClearError) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  reprocess_as_cli(db_, ModelChoice::kLsa);
  sql(db_, "DELETE FROM models");
  Store store = Store::open(db_);
  EXPECT_THROW((void)open_search_model(store), StoreError);
}

// Installing is one transaction: a write that fails in the middle (after
// the new model's row, at the first vector) leaves the old model, its
// vectors and the search model as they were.
TEST_F(ModelsTest, AFailedInstallLeavesTheOldModel) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  const LsaUpdate first = reprocess_as_cli(db_, ModelChoice::kLsa);
  sql(db_,
      "CREATE TRIGGER fail_install BEFORE UPDATE OF embedding ON items "
      "WHEN new.model_id LIKE 'knot-lsa-8-%' "
      "BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated)'); END;");
  Store store = Store::open(db_);
  EXPECT_THROW((void)update_lsa_model(store, text::LsaOptions{.dimensions = 8}, /*force=*/true),
               StoreError);
  EXPECT_EQ(store.search_model(), first.model_id);
  EXPECT_EQ(store.count_not_embedded_by(first.model_id), 0);
  EXPECT_TRUE(store.load_model(first.model_id).has_value());
  EXPECT_EQ(store.latest_model(kLsaKind)->id, first.model_id);
}

// One text is too little to learn from: the hashed model serves, and
// reprocess does not fail.
TEST(ModelsSmallTest, OneTextKeepsTheHashedModel) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  TempDir dir;
  testing::write_file(
      dir / "one.html",
      "<html><head><title>Tides</title></head><body><article><p>The moon pulls "
      "the oceans, and the tides follow it twice a day.</p></article></body></html>");
  const std::filesystem::path db = dir / "one.db";
  {
    Store store = Store::open(db, {.create = true});
    std::vector<std::filesystem::path> paths = {dir / "one.html"};
    ingest(store, paths);
  }
  const LsaUpdate update = reprocess_as_cli(db, ModelChoice::kLsa);
  EXPECT_FALSE(update.trained);
  EXPECT_EQ(update.model_id, text::kDefaultModelId);
  EXPECT_NE(update.reason.find("hashed model"), std::string::npos) << update.reason;
  Store store = Store::open(db);
  EXPECT_EQ(store.count_not_embedded_by(text::kDefaultModelId), 0);
  const std::unique_ptr<text::Embedder> model = open_search_model(store);
  EXPECT_EQ(top_file(store, *model, "moon and tides", SearchMode::kVector), "one.html");
}

// two_section_pages() is 32 pages, each with a section on fruit and one on
// animals, three of four words in each. A page without "apple" has no
// "zebra" either, one without "banana" no "tiger", and so on: across
// pages, "apple" goes with "zebra" more than with any fruit, and only
// the sections say which words go together.
std::vector<StoredText> two_section_pages() {
  const char* const fruit[4] = {"apple", "banana", "cherry", "mango"};
  const char* const animal[4] = {"zebra", "tiger", "otter", "llama"};
  std::vector<StoredText> pages;
  for (std::size_t i = 0; i < 32; ++i) {
    StoredText t;
    t.id = static_cast<std::int64_t>(i + 1);
    t.title = "Notebook";
    t.headings = "Orchard\n\nFarm";
    t.text = "Orchard\n\n";
    for (std::size_t w = 0; w < 4; ++w) {
      t.text += w != i % 4 ? std::string(fruit[w]) + " " : "";
    }
    t.text += "\n\nFarm\n\n";
    for (std::size_t w = 0; w < 4; ++w) {
      t.text += w != i % 4 ? std::string(animal[w]) + " " : "";
    }
    pages.push_back(std::move(t));
  }
  return pages;
}

// The model learns from each page and from each of its passages, which do
// not carry the page's title; beyond a limit, passages evenly spread.
TEST(ModelsSmallTest, TheModelLearnsFromPagesAndTheirPassages) {
  const std::vector<StoredText> pages = two_section_pages();
  const std::vector<std::string> all = lsa_training_texts(pages);
  ASSERT_EQ(all.size(), pages.size() * 3);
  EXPECT_EQ(all[0], text::LsaModel::article_text(pages[0].title, pages[0].headings, pages[0].text));
  EXPECT_EQ(all[pages.size()], "Orchard\nbanana cherry mango");
  EXPECT_EQ(all[pages.size() + 1], "Farm\ntiger otter llama");
  EXPECT_EQ(all[pages.size() + 3], "Farm\nzebra otter llama");
  EXPECT_EQ(all.back().find("Notebook"), std::string::npos);
  const std::vector<std::string> some = lsa_training_texts(pages, 8);
  ASSERT_EQ(some.size(), pages.size() + 8);
  EXPECT_EQ(some[pages.size()], all[pages.size() + 7]);  // every eighth passage
  EXPECT_EQ(some.back(), all.back());
}

// Which words go together is what the sections say: learned from the
// pages alone, a fruit is nearer an animal than another fruit.
TEST(ModelsSmallTest, SectionsTellWhichWordsGoTogether) {
  const std::vector<StoredText> pages = two_section_pages();
  const std::vector<std::string> all = lsa_training_texts(pages);
  text::LsaOptions options;
  options.dimensions = 2;
  const std::vector<std::string_view> with_passages(all.begin(), all.end());
  const std::vector<std::string_view> pages_alone(all.begin(),
                                                  all.begin() + static_cast<long>(pages.size()));
  const auto learned = text::LsaModel::train(with_passages, options);
  const auto from_pages = text::LsaModel::train(pages_alone, options);
  auto near = [](const text::Embedder& e, std::string_view a, std::string_view b) {
    return text::cosine(e.embed_text(a), e.embed_text(b));
  };
  EXPECT_GT(near(*learned, "apple", "banana"), near(*learned, "apple", "zebra") + 0.5f)
      << near(*learned, "apple", "banana") << " " << near(*learned, "apple", "zebra");
  EXPECT_GT(near(*learned, "otter", "llama"), near(*learned, "otter", "cherry") + 0.5f)
      << near(*learned, "otter", "llama") << " " << near(*learned, "otter", "cherry");
  EXPECT_LT(near(*from_pages, "apple", "banana"), near(*from_pages, "apple", "zebra"))
      << near(*from_pages, "apple", "banana") << " " << near(*from_pages, "apple", "zebra");
}

// The randomized decomposition's products run on knot-embed's pool (here
// 4 workers on the real scheduler, so that ThreadSanitizer sees them run
// at once) and give the model the plain loop gives, bit for bit.
TEST(ModelsSmallTest, TheRandomizedModelIsTheSameOnThePool) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  // 300 texts of 20 words from 400 ("w0" to "w399"): 48 columns in the
  // decomposition's products, three blocks.
  std::vector<std::string> all;
  std::mt19937_64 rng(42);  // the standard fixes its sequence
  for (int i = 0; i < 300; ++i) {
    std::string t;
    for (int w = 0; w < 20; ++w) {
      t += "w" + std::to_string(rng() % 400) + " ";
    }
    all.push_back(std::move(t));
  }
  const std::vector<std::string_view> texts(all.begin(), all.end());
  text::LsaOptions options;
  options.dimensions = 32;
  options.exact_texts = 0;
  const auto plain = text::LsaModel::train(texts, options);
  ThreadPool pool(PoolOptions{.num_threads = 4, .name = "lsa"});
  for (int round = 0; round < 5; ++round) {
    const auto pooled = pool.install([&] {
      return text::LsaModel::train(texts, options,
                                   [](std::size_t n, const std::function<void(std::size_t)>& f) {
                                     knot::parallel_for(std::size_t{0}, n, f);
                                   });
    });
    EXPECT_EQ(pooled->serialize(), plain->serialize()) << "round " << round;
  }
}

// A database of schema 3 (before models) is upgraded on open; read-only,
// it is searched with the hashed model.
TEST_F(ModelsTest, SchemaThreeIsUpgraded) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  reprocess_as_cli(db_, ModelChoice::kHash);
  sql(db_,
      "DROP TABLE models; DELETE FROM meta WHERE key = 'search_model'; "
      "DROP TRIGGER items_passages_delete; DROP TABLE passages_fts; DROP TABLE passages; "
      "DELETE FROM meta WHERE key = 'passages_version'; PRAGMA user_version = 3;");
  ::chmod(db_.c_str(), 0444);
  {
    Store reader = Store::open(db_);
    EXPECT_FALSE(reader.latest_model(kLsaKind).has_value());
    const std::unique_ptr<text::Embedder> model = open_search_model(reader);
    EXPECT_EQ(model->model_id(), text::kDefaultModelId);
    EXPECT_EQ(top_file(reader, *model, "sourdough starter and baking bread", SearchMode::kHybrid),
              "02-cooking.html");
  }
  ::chmod(db_.c_str(), 0644);
  const LsaUpdate update = reprocess_as_cli(db_, ModelChoice::kLsa);
  EXPECT_TRUE(update.trained);
}

}  // namespace
}  // namespace knot::pipeline
