// Tests of search on the fixture corpus: each query finds its obvious
// article first (exact cosine), HNSW agrees with exact, and the HNSW index
// file is reused while current and rebuilt when stale.
#include "knot/pipeline/search.h"

#include <gtest/gtest.h>

#include "common/deadline.h"
#include "knot/pipeline/hash.h"
#include "knot/pipeline/hnsw_index.h"
#include "knot/pipeline/hybrid_search.h"
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

// Regression (#16 item 2): an index file of the right size but damaged
// contents used to be loaded, and the next search crashed (an entry point
// of 0x7fffffff at offset 52) or failed for good ("Index seems to be
// corrupted"). Each damage is caught by the file's checksum: the index is
// rebuilt, saying why, and the search answers as before.
TEST_F(SearchTest, CorruptedHnswIndexIsRebuiltNotLoaded) {
  knot::testing::Deadline deadline(std::chrono::seconds(120));
  TempDir dir;
  std::filesystem::path db = dir / "c.db";
  {
    Store store = Store::open(db, {.create = true});
    std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
    ingest(store, paths);
  }
  ReprocessOptions options;
  options.threads = 2;
  reprocess(db, *embedder_, options);
  Store store = Store::open(db);
  HnswIndexInfo info;
  search_hnsw(store, *embedder_, "telescope", 3, &info);
  ASSERT_TRUE(info.was_rebuilt);
  const std::filesystem::path index_path = HnswIndex::path_for(db);
  const std::string good = testing::read_file(index_path);
  ASSERT_GT(good.size(), 200u);

  struct Damage {
    const char* name;
    std::size_t offset;
    std::string bytes;
    bool is_resealed = false;  // checksum recomputed: a forgery, caught by the layout walk
  };
  const std::string entry_point("\xff\xff\xff\x7f", 4);  // 0x7fffffff, little-endian
  const Damage damages[] = {
      {"entry point 0x7fffffff at offset 52", 52, entry_point},
      {"one byte in the middle", good.size() / 2, std::string(1, '\x5a')},
      {"the last byte", good.size() - 1, std::string(1, '\x00')},
      {"a link list count", good.size() / 3, std::string("\xff\xff\xff\xff", 4)},
      {"forged entry point with a valid checksum", 52, entry_point, true},
      {"forged neighbour with a valid checksum", 96 + 4, std::string("\x00\x00\x00\x70", 4), true},
  };
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.name);
    std::string bad = good;
    bad.replace(d.offset, d.bytes.size(), d.bytes);
    if (bad == good) {
      bad[d.offset] = static_cast<char>(bad[d.offset] ^ 0x01);
    }
    if (d.is_resealed) {  // the checksum is the last 16 characters (hnsw_file.h)
      bad.replace(bad.size() - 16, 16,
                  content_hash(std::string_view(bad).substr(0, bad.size() - 16)));
    }
    testing::write_file(index_path, bad);
    ASSERT_EQ(std::filesystem::file_size(index_path), good.size());
    std::vector<SearchHit> hits = search_hnsw(store, *embedder_, "telescope", 3, &info);
    EXPECT_TRUE(info.was_rebuilt);
    EXPECT_NE(info.rebuild_reason.find("does not verify"), std::string::npos)
        << info.rebuild_reason;
    if (d.is_resealed) {
      EXPECT_NE(info.rebuild_reason.find("graph layout"), std::string::npos) << info.rebuild_reason;
    }
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(file_name(hits[0]), "01-astronomy.html");
    // The rebuilt file verifies: the next search loads it.
    search_hnsw(store, *embedder_, "telescope", 3, &info);
    EXPECT_FALSE(info.was_rebuilt) << info.rebuild_reason;
  }
}

// The index file is written privately (0600) through a temporary file that
// does not outlive the save.
TEST_F(SearchTest, HnswIndexFileIsPrivateAndLeavesNoTemporary) {
  knot::testing::Deadline deadline(std::chrono::seconds(60));
  TempDir dir;
  std::filesystem::path db = dir / "p.db";
  {
    Store store = Store::open(db, {.create = true});
    std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
    ingest(store, paths);
  }
  ReprocessOptions options;
  options.threads = 2;
  reprocess(db, *embedder_, options);
  Store store = Store::open(db);
  HnswIndexInfo info;
  search_hnsw(store, *embedder_, "telescope", 3, &info);
  ASSERT_TRUE(info.is_persisted);
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(HnswIndex::path_for(db)).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find("tmp"), std::string::npos) << name;
  }
}

// A query without words is a usage error.
TEST_F(SearchTest, EmptyQueryIsRefused) {
  Store store = Store::open(db_);
  EXPECT_THROW(search_exact(store, *embedder_, "  ... !!", 3), std::invalid_argument);
}

// top_k_exact ranks by cosine, breaks ties by id, and honours k.
// BM25 over the stored text also finds each topic's article first, after
// reprocess filled the index in the writer's transactions.
TEST_F(SearchTest, FullTextFindsTheObviousArticleFirst) {
  knot::testing::Deadline deadline(std::chrono::seconds(60));
  Store store = Store::open(db_);
  for (const QueryCase& c : kQueries) {
    FullTextRepair repair;
    const std::vector<TextMatch> found = store.search_text(text_query(c.query), 5, &repair);
    EXPECT_FALSE(repair.was_rebuilt);
    ASSERT_FALSE(found.empty()) << c.query;
    const std::vector<ScoredId> first = {{found[0].id, 0.0f}};
    const std::vector<SearchHit> hits = to_hits(store, first);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(file_name(hits[0]), c.expected_file) << c.query;
  }
}

// The library call behind `knot-embed search`: hybrid and bm25 modes find
// each topic's article first, with its rank in every list it is in and the
// passages' list among them.
TEST_F(SearchTest, HybridAndBm25FindTheObviousArticleFirst) {
  knot::testing::Deadline deadline(std::chrono::seconds(60));
  Store store = Store::open(db_);
  for (SearchMode mode : {SearchMode::kHybrid, SearchMode::kBm25}) {
    for (const QueryCase& c : kQueries) {
      SearchRequest request;
      request.query = c.query;
      request.mode = mode;
      request.k = 5;
      const SearchOutcome outcome = search(store, *embedder_, request);
      EXPECT_FALSE(outcome.text_repair.was_rebuilt);
      EXPECT_FALSE(outcome.passage_repair.was_rebuilt);
      EXPECT_TRUE(outcome.passages_skipped.empty());
      ASSERT_FALSE(outcome.hits.empty()) << c.query;
      const SearchHit& first = outcome.hits[0];
      EXPECT_EQ(file_name(first), c.expected_file) << to_string(mode) << ": " << c.query;
      EXPECT_NE(first.passage_rank, 0u) << c.query;
      EXPECT_NE(first.text_rank, 0u) << c.query;
      EXPECT_EQ(first.vector_rank != 0, mode == SearchMode::kHybrid) << c.query;
      EXPECT_EQ(first.passage_vector_rank != 0, mode == SearchMode::kHybrid) << c.query;
    }
  }
}

// The fourth list (BM25's best passages ranked again by meaning) takes
// part in hybrid search only, and only as deep as asked: none at depth 0,
// and no more passages than asked are ranked.
TEST_F(SearchTest, PassagesByMeaningAreHybridOnlyAndAsDeepAsAsked) {
  knot::testing::Deadline deadline(std::chrono::seconds(60));
  Store store = Store::open(db_);
  for (const QueryCase& c : kQueries) {
    SearchRequest request;
    request.query = c.query;
    request.k = 50;
    request.meaning_depth = 0;
    for (const SearchHit& h : search(store, *embedder_, request).hits) {
      EXPECT_EQ(h.passage_vector_rank, 0u) << c.query;
    }
    request.meaning_depth = 1;  // one passage: one page in that list
    std::size_t ranked = 0;
    for (const SearchHit& h : search(store, *embedder_, request).hits) {
      ranked += h.passage_vector_rank != 0 ? 1 : 0;
      EXPECT_LE(h.passage_vector_rank, 1u) << c.query;
    }
    EXPECT_EQ(ranked, 1u) << c.query;
    request.mode = SearchMode::kBm25;
    request.meaning_depth = kMeaningDepth;
    for (const SearchHit& h : search(store, *embedder_, request).hits) {
      EXPECT_EQ(h.passage_vector_rank, 0u) << c.query;
    }
  }
}

TEST(QueryWordsTest, DropsStopWordsAndRepeats) {
  EXPECT_EQ(query_words("How do I read a CSV file, a CSV file?"),
            (std::vector<std::string>{"read", "csv", "file"}));
  EXPECT_TRUE(query_words("how do I").empty());
}

// Phrases are the words next to each other once stop words are left out,
// each once; a word repeated in a row is no phrase.
TEST(QueryWordsTest, PhrasesAreAdjacentWords) {
  const TextQuery q = text_query("read an environment variable, an environment variable");
  EXPECT_EQ(q.words, (std::vector<std::string>{"read", "environment", "variable"}));
  EXPECT_EQ(q.phrases, (std::vector<std::string>{"read environment", "environment variable",
                                                 "variable environment"}));
  EXPECT_TRUE(text_query("csv").phrases.empty());
  EXPECT_TRUE(text_query("very very").phrases.empty());
  EXPECT_TRUE(text_query("echo echo").phrases.empty());
}

// Reciprocal rank fusion: an item high in both lists beats one first in a
// single list; ranks are reported per list.
TEST(FuseRrfTest, RewardsAgreementAndReportsRanks) {
  const std::vector<std::int64_t> vector_ranked = {1, 2, 3, 4};
  const std::vector<std::int64_t> text_ranked = {5, 3, 2};
  const RankedIds lists{vector_ranked, text_ranked, {}, {}};
  const std::vector<FusedId> fused = fuse_rrf(lists, 10);
  ASSERT_EQ(fused.size(), 5u);
  EXPECT_EQ(fused[0].id, 2);  // 1/(k+2) + 1/(k+3), k = kRrfConstant
  EXPECT_EQ(fused[1].id, 3);  // 1/(k+3) + 1/(k+2), tie: better single rank is 2 for both; id
  EXPECT_EQ(fused[0].rank(RankedList::kVector), 2u);
  EXPECT_EQ(fused[0].rank(RankedList::kText), 3u);
  EXPECT_EQ(fused[2].id, 1);  // first in one list only: 1/(k+1), ties with 5; id
  EXPECT_EQ(fused[3].id, 5);
  EXPECT_EQ(fused[3].rank(RankedList::kVector), 0u);
  EXPECT_EQ(fused[4].id, 4);
  EXPECT_EQ(fuse_rrf(lists, 2).size(), 2u);
  EXPECT_TRUE(fuse_rrf(RankedIds{}, 3).empty());
}

// A list's weight scales its votes: first in a list of weight 1.5 ranks
// above first in a list of weight 1 (they tie at equal weights), and the
// scores are the weighted sums.
TEST(FuseRrfTest, WeightsScaleAListsVotes) {
  const std::vector<std::int64_t> vector_ranked = {2, 3};
  const std::vector<std::int64_t> text_ranked = {1, 3};
  ListWeights weights = kEqualWeights;
  weights[static_cast<std::size_t>(RankedList::kVector)] = 1.5;
  const std::vector<FusedId> equal = fuse_rrf(RankedIds{vector_ranked, text_ranked, {}, {}}, 10);
  const std::vector<FusedId> weighted =
      fuse_rrf(RankedIds{vector_ranked, text_ranked, {}, {}}, 10, weights);
  ASSERT_EQ(equal.size(), 3u);
  ASSERT_EQ(weighted.size(), 3u);
  EXPECT_EQ(equal[0].id, 3);  // 2 / (k+2) over 1 / (k+1)
  EXPECT_EQ(equal[1].id, 1);  // ties with 2 at 1 / (k+1); the smaller id
  EXPECT_EQ(equal[2].id, 2);
  EXPECT_EQ(weighted[0].id, 3);
  EXPECT_NEAR(weighted[0].score, 2.5 / (kRrfConstant + 2.0), 1e-12);
  EXPECT_EQ(weighted[1].id, 2);  // first in the weighted list
  EXPECT_NEAR(weighted[1].score, 1.5 / (kRrfConstant + 1.0), 1e-12);
  EXPECT_EQ(weighted[2].id, 1);
  EXPECT_NEAR(weighted[2].score, 1.0 / (kRrfConstant + 1.0), 1e-12);
}

// The learned model's page vectors weigh kLearnedVectorWeight; the hashed
// model's, and every other list, 1.
TEST(FuseRrfTest, OnlyALearnedModelsVectorsWeighMore) {
  const ListWeights learned = fusion_weights("knot-lsa-128-v1-0123456789ab");
  const ListWeights hashed = fusion_weights(text::kDefaultModelId);
  EXPECT_EQ(learned[static_cast<std::size_t>(RankedList::kVector)], kLearnedVectorWeight);
  EXPECT_GT(kLearnedVectorWeight, 1.0);
  for (RankedList list : {RankedList::kText, RankedList::kPassage, RankedList::kPassageVector}) {
    EXPECT_EQ(learned[static_cast<std::size_t>(list)], 1.0);
  }
  EXPECT_EQ(hashed, kEqualWeights);
}

// Every list votes as the others do: second in all four beats first in
// one; an id twice in one list counts once, at its first rank.
TEST(FuseRrfTest, FourListsVoteAlike) {
  const std::vector<std::int64_t> vector_ranked = {1, 2};
  const std::vector<std::int64_t> text_ranked = {3, 2};
  const std::vector<std::int64_t> passage_ranked = {4, 2, 1};
  const std::vector<std::int64_t> meaning_ranked = {5, 2, 2, 1};
  const std::vector<FusedId> fused =
      fuse_rrf(RankedIds{vector_ranked, text_ranked, passage_ranked, meaning_ranked}, 10);
  ASSERT_EQ(fused.size(), 5u);
  EXPECT_EQ(fused[0].id, 2);  // 4 / (k+2), k = kRrfConstant
  EXPECT_EQ(fused[0].rank(RankedList::kVector), 2u);
  EXPECT_EQ(fused[0].rank(RankedList::kText), 2u);
  EXPECT_EQ(fused[0].rank(RankedList::kPassage), 2u);
  EXPECT_EQ(fused[0].rank(RankedList::kPassageVector), 2u);
  EXPECT_NEAR(fused[0].score, 4.0 / (kRrfConstant + 2.0), 1e-12);
  EXPECT_EQ(fused[1].id, 1);  // 1/(k+1) + 1/(k+3) + 1/(k+4)
  EXPECT_EQ(fused[1].rank(RankedList::kPassage), 3u);
  EXPECT_EQ(fused[1].rank(RankedList::kPassageVector), 4u);
  EXPECT_EQ(fused[2].id, 3);  // 1/(k+1), ties with 4 and 5; id
  EXPECT_EQ(fused[3].id, 4);
  EXPECT_EQ(fused[3].rank(RankedList::kPassage), 1u);
  EXPECT_EQ(fused[3].rank(RankedList::kText), 0u);
  EXPECT_EQ(fused[4].id, 5);
  EXPECT_EQ(fused[4].rank(RankedList::kPassageVector), 1u);
}

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
