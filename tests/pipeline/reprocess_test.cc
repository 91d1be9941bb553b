// Tests of reprocess(): separate pools complete and embed every item with
// the model id; an unchanged rerun embeds nothing; --force re-embeds all; a
// model change re-embeds, and so does a new title; broken HTML never stops a run; a failing writer
// (locked database) ends the run with an error instead of a hang; an
// unsupported policy is refused before anything runs.
#include "knot/pipeline/reprocess.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "common/deadline.h"
#include "knot/pipeline/hash.h"
#include "knot/pipeline/ingest.h"
#include "knot/runtime/error.h"
#include "knot/text/extract.h"
#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using std::chrono::seconds;
using testing::TempDir;

ReprocessOptions separate_options() {
  ReprocessOptions options;
  options.pools = PoolMode::kSeparate;
  options.threads = 2;
  options.channel_capacity = 4;
  options.batch = 8;
  return options;
}

std::filesystem::path ingest_corpus(const TempDir& dir) {
  std::filesystem::path db = dir / "a.db";
  Store store = Store::open(db, {.create = true});
  std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
  ingest(store, paths);
  return db;
}

// Separate pools: the run completes and every item has text and a vector of
// the model's dimensions, stored with the model id.
TEST(ReprocessTest, SeparatePoolsCompleteAndEmbedEveryItem) {
  knot::testing::Deadline deadline(seconds(60));
  TempDir dir;
  std::filesystem::path db = ingest_corpus(dir);
  auto embedder = text::make_default_embedder();
  ReprocessResult result = reprocess(db, *embedder, separate_options());
  EXPECT_EQ(result.items, 30);
  EXPECT_EQ(result.embedded, 30);
  EXPECT_EQ(result.unchanged, 0);
  EXPECT_EQ(result.mode, "separate");
  EXPECT_EQ(result.model_id, embedder->model_id());
  EXPECT_GT(result.bytes, 0);

  Store store = Store::open(db);
  std::vector<StoredVector> vectors = store.load_vectors(embedder->model_id());
  ASSERT_EQ(vectors.size(), 30u);
  for (const StoredVector& v : vectors) {
    EXPECT_EQ(v.vector.size(), embedder->dimensions());
  }
  StoreStats stats = store.stats(embedder->model_id(), text::kExtractorVersion);
  EXPECT_EQ(stats.total, 30);
  EXPECT_EQ(stats.with_text, 30);
  EXPECT_EQ(stats.embedded, 30);
  EXPECT_EQ(stats.stale, 0);
  ASSERT_TRUE(stats.last_run.has_value());
  EXPECT_EQ(stats.last_run->status, "ok");
  EXPECT_EQ(stats.last_run->items, 30);
  EXPECT_EQ(stats.last_run->embedded, 30);
}

// A rerun with nothing changed re-embeds nothing; --force re-embeds all;
// a new model id re-embeds all and stores the new id.
TEST(ReprocessTest, ForceAndModelChangeReembed) {
  knot::testing::Deadline deadline(seconds(90));
  TempDir dir;
  std::filesystem::path db = ingest_corpus(dir);
  auto embedder = text::make_default_embedder();
  ReprocessOptions options = separate_options();
  reprocess(db, *embedder, options);

  ReprocessResult rerun = reprocess(db, *embedder, options);
  EXPECT_EQ(rerun.items, 30);
  EXPECT_EQ(rerun.embedded, 0);
  EXPECT_EQ(rerun.unchanged, 30);

  options.force = true;
  ReprocessResult forced = reprocess(db, *embedder, options);
  EXPECT_EQ(forced.embedded, 30);
  EXPECT_EQ(forced.unchanged, 0);

  options.force = false;
  testing::RenamedEmbedder renamed("test-renamed-model");
  ReprocessResult changed = reprocess(db, renamed, options);
  EXPECT_EQ(changed.embedded, 30);
  Store store = Store::open(db);
  EXPECT_EQ(store.count_vectors("test-renamed-model"), 30);
  EXPECT_EQ(store.count_vectors(embedder->model_id()), 0);
}

// An item's text hash is content_hash() of its parts: the value of the
// joined text, without building it; which part a byte is in counts.
TEST(ContentHashTest, PartsHashAsTheirJoinedText) {
  EXPECT_EQ(content_hash({"Title", "Heading", "Text"}), content_hash("Title\x1fHeading\x1fText"));
  EXPECT_EQ(content_hash({"only"}), content_hash("only"));
  EXPECT_EQ(content_hash({"", "", ""}), content_hash("\x1f\x1f"));
  EXPECT_NE(content_hash({"ab", "c"}), content_hash({"a", "bc"}));
}

// TitledEmbedder weighs the title and headings in, as the LSA model does.
class TitledEmbedder final : public testing::RenamedEmbedder {
 public:
  TitledEmbedder() : RenamedEmbedder("test-titled-model") {}
  std::vector<float> embed_article(std::string_view title, std::string_view headings,
                                   std::string_view text) const override {
    return embed_text(std::string(title) + "\n\n" + std::string(headings) + "\n\n" +
                      std::string(text));
  }
};

// A page's vector may be made from its title, headings and text: a page
// whose title changed and whose text did not is embedded again, not left
// with the vector of its old title; then nothing is.
TEST(ReprocessTest, ANewTitleWithTheSameTextReembeds) {
  knot::testing::Deadline deadline(seconds(60));
  TempDir dir;
  const std::string body =
      "<p>Every record of the ledger is written twice, once by each clerk, and the two copies are "
      "compared at the end of the day before anything is filed away for good.</p>";
  const auto page = [&](const std::string& title) {
    return "<html><head><title>" + title + "</title></head><body><article><h2>Copies</h2>" + body +
           "</article></body></html>";
  };
  const std::filesystem::path html = dir / "pages" / "ledger.html";
  std::filesystem::create_directories(html.parent_path());
  const std::filesystem::path db = dir / "a.db";
  const auto embedder = std::make_unique<TitledEmbedder>();
  const auto update = [&](const std::string& title) {
    testing::write_file(html, page(title));
    Store store = Store::open(db, {.create = true});
    ingest(store, {html.parent_path()});
  };
  const auto vector_of_page = [&] {
    Store store = Store::open(db);
    const std::vector<StoredVector> vectors = store.load_vectors(embedder->model_id());
    EXPECT_EQ(vectors.size(), 1u);
    return vectors.empty() ? std::vector<float>{} : vectors[0].vector;
  };
  update("Double entry");
  EXPECT_EQ(reprocess(db, *embedder, separate_options()).embedded, 1);
  const std::vector<float> first = vector_of_page();

  update("Bookkeeping by two clerks");
  EXPECT_EQ(reprocess(db, *embedder, separate_options()).embedded, 1);
  const std::vector<float> retitled = vector_of_page();
  EXPECT_NE(retitled, first);

  EXPECT_EQ(reprocess(db, *embedder, separate_options()).embedded, 0);
}

// Shared pools with a roomy channel and few items complete too: the seed's
// design only deadlocks once the channel fills (shared_deadlock_test).
TEST(ReprocessTest, SharedPoolsCompleteWhenTheChannelNeverFills) {
  knot::testing::Deadline deadline(seconds(60));
  TempDir dir;
  std::filesystem::path db = ingest_corpus(dir);
  auto embedder = text::make_default_embedder();
  ReprocessOptions options = separate_options();
  options.pools = PoolMode::kShared;
  options.channel_capacity = 64;
  ReprocessResult result = reprocess(db, *embedder, options);
  EXPECT_EQ(result.mode, "shared");
  EXPECT_EQ(result.embedded, 30);
}

// Broken HTML gives an item with empty text and a warning; the run goes on.
TEST(ReprocessTest, BrokenHtmlNeverStopsARun) {
  knot::testing::Deadline deadline(seconds(60));
  TempDir dir;
  testing::copy_corpus(dir / "in");
  testing::write_file(dir / "in" / "broken.html", "<html><body><div><<<>>></p></td></table>");
  testing::write_file(dir / "in" / "only-nav.html",
                      "<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body>");
  std::filesystem::path db = dir / "a.db";
  {
    Store store = Store::open(db, {.create = true});
    std::vector<std::filesystem::path> paths = {dir / "in"};
    ingest(store, paths);
  }
  auto embedder = text::make_default_embedder();
  ReprocessResult result = reprocess(db, *embedder, separate_options());
  EXPECT_EQ(result.items, 32);
  EXPECT_GE(result.warnings, 1);
  // The 30 articles get vectors; the two broken pages have no words to embed.
  EXPECT_EQ(result.embedded, 30);
  Store store = Store::open(db);
  StoreStats stats = store.stats(embedder->model_id(), text::kExtractorVersion);
  EXPECT_EQ(stats.with_warnings, result.warnings);
  EXPECT_EQ(stats.stale, 0);  // empty-text items are done: no vector to make
}

// A writer that cannot write (another connection holds the write lock past
// the busy timeout) fails the run with kLocked and every stage winds down
// (the Deadline guards against a hang). The run is not recorded as "ok"
// (recording "failed" needs the lock too).
TEST(ReprocessTest, LockedDatabaseFailsTheRunWithoutHanging) {
  knot::testing::Deadline deadline(seconds(60));
  TempDir dir;
  std::filesystem::path db = ingest_corpus(dir);
  auto embedder = text::make_default_embedder();
  ReprocessOptions options = separate_options();
  options.store.busy_timeout = std::chrono::milliseconds(100);

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &other), SQLITE_OK);
  // Lock only once the run was recorded: the first write the lock meets is
  // the writer's.
  options.on_run_started = [other](std::int64_t) {
    sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO meta VALUES('lock', '1');", nullptr, nullptr,
                 nullptr);
  };
  try {
    reprocess(db, *embedder, options);
    ADD_FAILURE() << "reprocess succeeded against a locked database";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreErrc::kLocked) << e.what();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  Store store = Store::open(db);
  StoreStats stats = store.stats(embedder->model_id(), text::kExtractorVersion);
  EXPECT_EQ(stats.embedded, 0);
  ASSERT_TRUE(stats.last_run.has_value());
  EXPECT_NE(stats.last_run->status, "ok");
  // The rerun completes: nothing was lost or duplicated.
  ReprocessResult rerun = reprocess(db, *embedder, separate_options());
  EXPECT_EQ(rerun.embedded, 30);
  EXPECT_EQ(store.count_items(), 30);
}

// The seed's shared pools under kCompensate and kFiber: the run completes
// (a worker blocked sending into "processed" lets a spare run the tokenizer;
// a fiber task suspends there and gives its worker to the tokenizer) and
// stores exactly the vectors that separate pools store.
class SharedPoolsPolicyTest : public ::testing::TestWithParam<BlockingPolicy> {};

TEST_P(SharedPoolsPolicyTest, CompletesWithSeparateResults) {
  knot::testing::Deadline deadline(seconds(120));
  TempDir dir;
  std::filesystem::path db = ingest_corpus(dir);
  auto embedder = text::make_default_embedder();
  ReprocessResult separate = reprocess(db, *embedder, separate_options());
  std::vector<StoredVector> expected = Store::open(db).load_vectors(embedder->model_id());

  ReprocessOptions shared = separate_options();
  shared.pools = PoolMode::kShared;
  shared.policy = GetParam();
  shared.channel_capacity = 2;
  shared.embed_batch = 4;
  shared.force = true;
  ReprocessResult result = reprocess(db, *embedder, shared);
  EXPECT_EQ(result.mode, "shared");
  EXPECT_EQ(result.items, separate.items);
  EXPECT_EQ(result.embedded, separate.embedded);
  std::vector<StoredVector> got = Store::open(db).load_vectors(embedder->model_id());
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, expected[i].id);
    EXPECT_EQ(got[i].vector, expected[i].vector) << "item " << got[i].id;
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, SharedPoolsPolicyTest,
                         ::testing::Values(BlockingPolicy::kCompensate, BlockingPolicy::kFiber),
                         [](const ::testing::TestParamInfo<BlockingPolicy>& param) {
                           return param.param == BlockingPolicy::kFiber ? "fiber" : "compensate";
                         });

// progress_of_a_run() reprocesses the test corpus with `options` and
// returns every progress sample the run reported, in order.
std::vector<ReprocessProgress> progress_of_a_run(ReprocessOptions options) {
  TempDir dir;
  std::filesystem::path db = ingest_corpus(dir);
  auto embedder = text::make_default_embedder();
  std::vector<ReprocessProgress> seen;
  std::mutex mutex;
  options.on_progress = [&](const ReprocessProgress& p) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(p);
  };
  reprocess(db, *embedder, options);
  return seen;
}

// The progress callback sees the named channels and pools, and the last
// call sees every item written.
TEST(ReprocessTest, ProgressNamesChannelsAndPools) {
  knot::testing::Deadline deadline(seconds(60));
  ReprocessOptions options = separate_options();
  options.progress_interval = std::chrono::milliseconds(10);
  const std::vector<ReprocessProgress> seen = progress_of_a_run(options);
  ASSERT_FALSE(seen.empty());
  const ReprocessProgress& last = seen.back();
  EXPECT_EQ(last.total, 30);
  EXPECT_EQ(last.written, 30);
  ASSERT_EQ(last.channels.size(), 3u);
  EXPECT_EQ(last.channels[0].name, "items");
  EXPECT_EQ(last.channels[1].name, "processed");
  EXPECT_EQ(last.channels[1].capacity, 4u);
  EXPECT_EQ(last.channels[2].name, "embedded");
  ASSERT_EQ(last.pools.size(), 2u);
  EXPECT_EQ(last.pools[0].name, "extract");
  EXPECT_EQ(last.pools[1].name, "global");
}

// A channel's fill counts what is in it, never the pieces still blocked
// sending into it: at most its capacity in every sample. Shared pools under
// the fiber policy with a channel of one keep many pieces suspended in
// their sends to 'processed' (the main job showed "processed 6/2").
TEST(ReprocessTest, ProgressFillNeverExceedsCapacity) {
  knot::testing::Deadline deadline(seconds(60));
  ReprocessOptions options = separate_options();
  options.pools = PoolMode::kShared;
  options.policy = BlockingPolicy::kFiber;
  options.channel_capacity = 1;
  options.progress_interval = std::chrono::milliseconds(1);
  const std::vector<ReprocessProgress> seen = progress_of_a_run(options);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().written, 30);
  for (const ReprocessProgress& p : seen) {
    for (const ChannelFill& ch : p.channels)
      EXPECT_LE(ch.size, ch.capacity) << ch.name;
  }
}

}  // namespace
}  // namespace knot::pipeline
