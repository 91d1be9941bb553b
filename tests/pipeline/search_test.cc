// Tests of search on the fixture corpus: each query finds its obvious
// article first (exact cosine), HNSW agrees with exact, and the HNSW index
// file is reused while current and rebuilt when stale.
#include "knot/pipeline/search.h"

#include <gtest/gtest.h>

#include "common/deadline.h"
#include "knot/pipeline/hnsw_index.h"
#include "knot/pipeline/ingest.h"
#include "knot/pipeline/reprocess.h"
#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using testing::TempDir;

struct QueryCase {
  const char* query;
  const char* expected_file;  // the article that must rank first
};

// Queries phrased without copying the articles' titles.
const QueryCase kQueries[] = {
    {"looking at Jupiter moons through a small telescope", "01-astronomy.html"},
    {"sourdough starter and baking bread", "02-cooking.html"},
    {"borrow checker ownership in Rust", "03-rust-programming.html"},
    {"king and pawn endgame in chess", "06-chess.html"},
    {"aperture shutter speed and ISO exposure", "07-photography.html"},
    {"espresso grind and extraction", "10-coffee.html"},
    {"bird migration in autumn", "11-birdwatching.html"},
    {"database index B-tree query speed", "19-sql-indexes.html"},
    {"kimchi fermentation in a jar", "21-fermentation.html"},
    {"public key encryption and signatures", "30-cryptography.html"},
};

class SearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = *dir_ / "search.db";
    embedder_ = text::make_default_embedder().release();
    Store store = Store::open(db_, {.create = true});
    std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
    ingest(store, paths);
    ReprocessOptions options;
    options.threads = 2;
    reprocess(db_, *embedder_, options);
  }
  static void TearDownTestSuite() {
    delete embedder_;
    delete dir_;
  }

  static TempDir* dir_;
  static std::filesystem::path db_;
  static text::Embedder* embedder_;
};

TempDir* SearchTest::dir_ = nullptr;
std::filesystem::path SearchTest::db_;
text::Embedder* SearchTest::embedder_ = nullptr;

std::string file_name(const SearchHit& hit) {
  return std::filesystem::path(hit.source_path).filename().string();
}

// A question about telescopes finds the astronomy article first, and so on
// for each topic; scores are sorted and at most k results come back.
TEST_F(SearchTest, ExactFindsTheObviousArticleFirst) {
  knot::testing::Deadline deadline(std::chrono::seconds(60));
  Store store = Store::open(db_);
  for (const QueryCase& c : kQueries) {
    std::vector<SearchHit> hits = search_exact(store, *embedder_, c.query, 5);
    ASSERT_EQ(hits.size(), 5u) << c.query;
    EXPECT_EQ(file_name(hits[0]), c.expected_file) << c.query;
    for (std::size_t i = 1; i < hits.size(); ++i) {
      EXPECT_GE(hits[i - 1].score, hits[i].score) << c.query;
    }
    EXPECT_GT(hits[0].score, hits[1].score) << c.query;
  }
  std::vector<SearchHit> all = search_exact(store, *embedder_, "water", 100);
  EXPECT_EQ(all.size(), 30u);
}

// HNSW returns the same top result as exact search for every query, and
// its scores are the same cosines.
TEST_F(SearchTest, HnswAgreesWithExact) {
  knot::testing::Deadline deadline(std::chrono::seconds(60));
  Store store = Store::open(db_);
  for (const QueryCase& c : kQueries) {
    std::vector<SearchHit> exact = search_exact(store, *embedder_, c.query, 3);
    std::vector<SearchHit> approx = search_hnsw(store, *embedder_, c.query, 3);
    ASSERT_FALSE(approx.empty()) << c.query;
    EXPECT_EQ(approx[0].id, exact[0].id) << c.query;
    EXPECT_NEAR(approx[0].score, exact[0].score, 1e-4) << c.query;
  }
}

// The index is saved next to the database, loaded while current, and
// rebuilt once the embeddings change.
TEST_F(SearchTest, HnswIndexIsReusedWhileCurrentAndRebuiltWhenStale) {
  knot::testing::Deadline deadline(std::chrono::seconds(90));
  TempDir dir;
  std::filesystem::path db = dir / "h.db";
  {
    Store store = Store::open(db, {.create = true});
    std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
    ingest(store, paths);
  }
  ReprocessOptions options;
  options.threads = 2;
  reprocess(db, *embedder_, options);

  Store store = Store::open(db);
  EXPECT_EQ(HnswIndex::staleness(store, embedder_->model_id(), embedder_->dimensions()),
            "no index file yet");
  HnswIndexInfo info;
  search_hnsw(store, *embedder_, "telescope", 3, &info);
  EXPECT_TRUE(info.was_rebuilt);
  EXPECT_EQ(info.size, 30u);
  EXPECT_TRUE(std::filesystem::exists(HnswIndex::path_for(db)));
  EXPECT_EQ(HnswIndex::staleness(store, embedder_->model_id(), embedder_->dimensions()), "");

  search_hnsw(store, *embedder_, "telescope", 3, &info);
  EXPECT_FALSE(info.was_rebuilt);

  // Re-embedding changes the embeddings generation: stale, rebuilt.
  options.force = true;
  reprocess(db, *embedder_, options);
  EXPECT_NE(HnswIndex::staleness(store, embedder_->model_id(), embedder_->dimensions()), "");
  std::vector<SearchHit> hits = search_hnsw(store, *embedder_, "telescope", 3, &info);
  EXPECT_TRUE(info.was_rebuilt);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(file_name(hits[0]), "01-astronomy.html");

  // A damaged index file (size no longer as recorded) is rebuilt, not loaded.
  testing::write_file(HnswIndex::path_for(db), "garbage");
  EXPECT_EQ(HnswIndex::staleness(store, embedder_->model_id(), embedder_->dimensions()),
            "index file does not match its record");
  hits = search_hnsw(store, *embedder_, "telescope", 3, &info);
  EXPECT_TRUE(info.was_rebuilt);
  EXPECT_EQ(file_name(hits[0]), "01-astronomy.html");
}

// A query without words is a usage error.
TEST_F(SearchTest, EmptyQueryIsRefused) {
  Store store = Store::open(db_);
  EXPECT_THROW(search_exact(store, *embedder_, "  ... !!", 3), std::invalid_argument);
}

// top_k_exact ranks by cosine, breaks ties by id, and honours k.
TEST(TopKTest, RanksByCosineThenId) {
  std::vector<StoredVector> vectors = {
      {1, {1, 0}}, {2, {0, 1}}, {3, {1, 0}}, {4, {-1, 0}}, {5, {0.6f, 0.8f}}};
  std::vector<float> query = {1, 0};
  std::vector<ScoredId> top = top_k_exact(vectors, query, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 1);
  EXPECT_EQ(top[1].id, 3);
  EXPECT_EQ(top[2].id, 5);
  EXPECT_NEAR(top[2].score, 0.6f, 1e-6);
  EXPECT_EQ(top_k_exact(vectors, query, 100).size(), 5u);
}

}  // namespace
}  // namespace knot::pipeline
