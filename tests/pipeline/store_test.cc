// Tests of the SQLite store: round trips of documents, results, vectors,
// runs and meta values; statistics; and every failure a user can meet
// (missing, read-only, locked, full, corrupted, foreign, newer schema).
#include "knot/pipeline/store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using testing::TempDir;

Document doc(const std::string& path, const std::string& html) {
  return Document{path, html, "hash-of-" + html};
}

ItemResult result_for(std::int64_t id, const std::string& text, bool with_vector) {
  ItemResult r;
  r.id = id;
  r.title = "title " + std::to_string(id);
  r.text = text;
  r.text_hash = "th-" + text;
  r.extracted_content_hash = "";
  r.extractor_version = 1;
  if (with_vector) {
    r.updates_embedding = true;
    r.embedding = std::vector<float>{1.0f, 0.5f, -0.25f};
    r.model_id = "model-a";
  }
  return r;
}

// Error messages name the file and the kind of trouble.
void expect_error(StoreErrc code, const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected StoreError " << to_string(code);
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Documents, results, vectors and infos come back as they were written.
TEST(StoreTest, RoundTripsDocumentsResultsAndVectors) {
  TempDir dir;
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<Document> docs = {doc("/x/one.html", "<p>one</p>"), doc("/x/two.html", "<p>two</p>")};
  UpsertCounts counts = store.upsert_documents(docs);
  EXPECT_EQ(counts.added, 2u);
  EXPECT_EQ(store.count_items(), 2);

  std::vector<ItemInput> batch = store.read_batch(0, 10);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].source_path, "/x/one.html");
  EXPECT_EQ(batch[0].raw_html, "<p>one</p>");
  EXPECT_EQ(batch[0].content_hash, "hash-of-<p>one</p>");
  EXPECT_FALSE(batch[0].has_embedding);
  EXPECT_FALSE(batch[0].model_id.has_value());
  // Paging by id.
  std::vector<ItemInput> rest = store.read_batch(batch[0].id, 10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, batch[1].id);

  std::int64_t generation = store.embeddings_generation();
  std::vector<ItemResult> results = {result_for(batch[0].id, "text one", true),
                                     result_for(batch[1].id, "text two", false)};
  store.write_results(results);
  EXPECT_EQ(store.embeddings_generation(), generation + 1);

  std::vector<StoredVector> vectors = store.load_vectors("model-a");
  ASSERT_EQ(vectors.size(), 1u);
  EXPECT_EQ(vectors[0].id, batch[0].id);
  EXPECT_EQ(vectors[0].vector, (std::vector<float>{1.0f, 0.5f, -0.25f}));
  EXPECT_TRUE(store.load_vectors("model-b").empty());
  EXPECT_EQ(store.count_vectors("model-a"), 1);

  std::vector<std::int64_t> ids = {batch[1].id, batch[0].id, 999};
  std::vector<ItemInfo> infos = store.item_infos(ids);
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].title, "title " + std::to_string(batch[1].id));
  EXPECT_EQ(infos[1].source_path, "/x/one.html");

  std::vector<ItemInput> again = store.read_batch(0, 10);
  EXPECT_TRUE(again[0].has_embedding);
  EXPECT_EQ(again[0].model_id, "model-a");
  EXPECT_EQ(again[0].embedded_text_hash, "th-text one");
}

// Re-upserting: unchanged content is left alone, changed content replaced.
TEST(StoreTest, UpsertUpdatesChangedDocumentsOnly) {
  TempDir dir;
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<Document> first = {doc("/a.html", "A"), doc("/b.html", "B")};
  store.upsert_documents(first);
  std::vector<Document> second = {doc("/a.html", "A"), doc("/b.html", "B2"), doc("/c.html", "C")};
  UpsertCounts counts = store.upsert_documents(second);
  EXPECT_EQ(counts.added, 1u);
  EXPECT_EQ(counts.updated, 1u);
  EXPECT_EQ(counts.unchanged, 1u);
  auto hashes = store.content_hashes();
  EXPECT_EQ(hashes.at("/b.html"), "hash-of-B2");
  EXPECT_EQ(store.read_batch(0, 10)[1].raw_html, "B2");
}

// Runs, meta values and statistics.
TEST(StoreTest, RunsMetaAndStats) {
  TempDir dir;
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<Document> docs = {doc("/a.html", "A"), doc("/b.html", "B"), doc("/c.html", "C")};
  store.upsert_documents(docs);
  std::vector<ItemInput> items = store.read_batch(0, 10);
  ItemResult a = result_for(items[0].id, "alpha", true);
  a.extracted_content_hash = items[0].content_hash;
  ItemResult b = result_for(items[1].id, "", false);
  b.extracted_content_hash = items[1].content_hash;
  b.warning = "no article text found";
  std::vector<ItemResult> results = {a, b};
  store.write_results(results);

  StoreStats s = store.stats("model-a", 1);
  EXPECT_EQ(s.total, 3);
  EXPECT_EQ(s.with_text, 1);
  EXPECT_EQ(s.embedded, 1);
  EXPECT_EQ(s.with_warnings, 1);
  EXPECT_EQ(s.stale, 2);  // b has no embedding decision yet, c is not extracted
  ASSERT_EQ(s.models.size(), 1u);
  EXPECT_EQ(s.models[0], (std::pair<std::string, std::int64_t>{"model-a", 1}));
  EXPECT_EQ(store.stats("model-b", 1).stale, 3);  // a model change makes everything stale
  EXPECT_EQ(store.stats("model-a", 2).stale, 3);  // so does a new extractor
  EXPECT_FALSE(s.last_run.has_value());

  RunRecord run{.command = "reprocess", .mode = "separate", .started_at = now_iso8601()};
  run.id = store.begin_run(run);
  run.status = "ok";
  run.items = 3;
  run.embedded = 1;
  run.duration_seconds = 1.5;
  run.finished_at = now_iso8601();
  store.finish_run(run);
  std::optional<RunRecord> last = store.stats("model-a", 1).last_run;
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->status, "ok");
  EXPECT_EQ(last->items, 3);
  EXPECT_EQ(last->mode, "separate");
  EXPECT_DOUBLE_EQ(last->duration_seconds, 1.5);
  store.set_run_status(run.id, "deadlock");
  EXPECT_EQ(store.stats("model-a", 1).last_run->status, "deadlock");

  EXPECT_FALSE(store.get_meta("k").has_value());
  store.set_meta("k", "v1");
  store.set_meta("k", "v2");
  EXPECT_EQ(store.get_meta("k"), "v2");
}

// The schema is versioned and WAL mode is on.
TEST(StoreTest, SchemaVersionAndWal) {
  TempDir dir;
  { Store store = Store::open(dir / "a.db", {.create = true}); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "a.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), kSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  // A newer schema is refused.
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  expect_error(
      StoreErrc::kSchema, [&] { Store::open(dir / "a.db"); }, "newer");
}

// A missing database is kMissing unless the caller creates it.
TEST(StoreTest, MissingDatabase) {
  TempDir dir;
  expect_error(
      StoreErrc::kMissing, [&] { Store::open(dir / "none.db"); }, "does not exist");
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

// A write-protected file opens read-only: reads work, writes fail cleanly
// before changing anything (root included).
TEST(StoreTest, ReadOnlyFile) {
  TempDir dir;
  {
    Store store = Store::open(dir / "a.db", {.create = true});
    std::vector<Document> docs = {doc("/a.html", "A")};
    store.upsert_documents(docs);
  }
  ::chmod((dir / "a.db").c_str(), 0444);
  Store store = Store::open(dir / "a.db");
  EXPECT_TRUE(store.is_read_only());
  EXPECT_EQ(store.count_items(), 1);
  std::vector<Document> more = {doc("/b.html", "B")};
  expect_error(
      StoreErrc::kReadOnly, [&] { store.upsert_documents(more); }, "read-only");
  EXPECT_EQ(store.count_items(), 1);
  ::chmod((dir / "a.db").c_str(), 0644);
}

// Another connection's write transaction: a write waits for the busy
// timeout, then fails with kLocked; nothing is written. Once the lock is
// released within the timeout, the write goes through.
TEST(StoreTest, LockedDatabase) {
  TempDir dir;
  { Store create = Store::open(dir / "a.db", {.create = true}); }
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "a.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO meta VALUES('lock', '1');", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);

  Store store = Store::open(dir / "a.db", {.busy_timeout = std::chrono::milliseconds(150)});
  std::vector<Document> docs = {doc("/a.html", "A")};
  auto start = std::chrono::steady_clock::now();
  expect_error(
      StoreErrc::kLocked, [&] { store.upsert_documents(docs); }, "locked");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_EQ(store.count_items(), 0);

  // Released while we wait: the retry within the busy timeout succeeds.
  Store patient = Store::open(dir / "a.db", {.busy_timeout = std::chrono::milliseconds(5000)});
  std::thread release([other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  UpsertCounts counts = patient.upsert_documents(docs);
  release.join();
  sqlite3_close(other);
  EXPECT_EQ(counts.added, 1u);
  EXPECT_EQ(patient.count_items(), 1);
}

// A full disk (simulated with a page cap) rolls the whole batch back.
TEST(StoreTest, FullDiskLosesNothing) {
  TempDir dir;
  {
    Store store = Store::open(dir / "a.db", {.create = true});
    std::vector<Document> docs = {doc("/a.html", "A")};
    store.upsert_documents(docs);
  }
  Store capped = Store::open(dir / "a.db", {.max_page_count = 12});
  std::vector<Document> big;
  for (int i = 0; i < 20; ++i) {
    big.push_back(
        doc("/big" + std::to_string(i) + ".html", std::string(20000, 'x') + std::to_string(i)));
  }
  expect_error(
      StoreErrc::kFull, [&] { capped.upsert_documents(big); }, "full");
  EXPECT_EQ(capped.count_items(), 1);
  Store store = Store::open(dir / "a.db");
  EXPECT_EQ(store.upsert_documents(big).added, 20u);
  EXPECT_EQ(store.count_items(), 21);
}

// Garbage, an empty file and someone else's SQLite database are refused clearly.
TEST(StoreTest, CorruptedOrForeignFile) {
  TempDir dir;
  testing::write_file(dir / "garbage.db", std::string(8192, 'g'));
  expect_error(
      StoreErrc::kCorrupt, [&] { Store::open(dir / "garbage.db"); }, "garbage.db");

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "foreign.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  expect_error(
      StoreErrc::kCorrupt, [&] { Store::open(dir / "foreign.db"); }, "not a knot-embed");

  std::filesystem::create_directory(dir / "folder.db");
  expect_error(
      StoreErrc::kCorrupt, [&] { Store::open(dir / "folder.db"); }, "not a regular file");
}

// Regression (#16 item 8): opening someone else's SQLite database, even to
// read statistics, switched it to WAL before the schema check refused it.
// The schema is now checked read-only first: a file that is not knot's is
// refused and left byte for byte as it was, journal mode included, with no
// -wal or -shm beside it. Also a file that borrows knot's user_version.
TEST(StoreTest, ForeignDatabaseIsRefusedUnchanged) {
  TempDir dir;
  struct Foreign {
    const char* name;
    const char* sql;
  };
  const Foreign cases[] = {
      {"tables.db", "CREATE TABLE t(x); INSERT INTO t VALUES(1);"},
      {"same-version.db", "CREATE TABLE t(x); PRAGMA user_version = 1;"},
  };
  for (const Foreign& f : cases) {
    SCOPED_TRACE(f.name);
    const std::filesystem::path path = dir / f.name;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, f.sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    const std::string before = testing::read_file(path);
    for (bool create : {false, true}) {
      expect_error(
          StoreErrc::kCorrupt, [&] { Store::open(path, {.create = create}); }, "not a knot-embed");
    }
    EXPECT_TRUE(testing::read_file(path) == before) << "the file's bytes changed";
    EXPECT_FALSE(std::filesystem::exists(dir / (std::string(f.name) + "-wal")));
    EXPECT_FALSE(std::filesystem::exists(dir / (std::string(f.name) + "-shm")));
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "delete");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
}

// Regression (#16 item 6): a killed reprocess left its run "running" for
// ever. A run whose process is gone is marked "interrupted" when the store
// is next opened for writing, and stats() shows it so even read-only. A run
// of a live process stays "running"; so a pid reused by another process
// (recorded start time differs) does not keep a dead run alive.
TEST(StoreTest, RunsOfDeadProcessesAreInterrupted) {
  TempDir dir;
  const std::filesystem::path path = dir / "a.db";
  { Store create = Store::open(path, {.create = true}); }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child records a run and is killed before it can finish it.
    try {
      Store store = Store::open(path);
      store.begin_run(
          RunRecord{.command = "reprocess", .mode = "separate", .started_at = now_iso8601()});
    } catch (...) {
      ::_exit(1);
    }
    ::raise(SIGKILL);
    ::_exit(2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed before recording its run";

  {
    // Read-only: shown as interrupted, not changed.
    ::chmod(path.c_str(), 0444);
    Store reader = Store::open(path);
    ASSERT_TRUE(reader.is_read_only());
    EXPECT_EQ(reader.stats("m", 1).last_run->status, "interrupted");
    ::chmod(path.c_str(), 0644);
  }
  Store store = Store::open(path);
  std::optional<RunRecord> last = store.stats("m", 1).last_run;
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->status, "interrupted");
  EXPECT_FALSE(last->finished_at.empty());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT status FROM runs WHERE id = 1", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "interrupted");
  sqlite3_finalize(stmt);

  // This process's own run is alive: it stays running across opens.
  std::int64_t own = store.begin_run(
      RunRecord{.command = "reprocess", .mode = "shared", .started_at = now_iso8601()});
  { Store again = Store::open(path); }
  EXPECT_EQ(Store::open(path).stats("m", 1).last_run->status, "running");

  // Same pid, another start time: the pid was reused, the run's process is gone.
  std::string sql =
      "UPDATE runs SET process_start = 'another-boot:1' WHERE id = " + std::to_string(own);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Store::open(path).stats("m", 1).last_run->status, "interrupted");
}

// A database of schema version 1 (before runs recorded their process) is
// upgraded in place when opened for writing, its rows kept.
TEST(StoreTest, SchemaVersionOneIsUpgraded) {
  TempDir dir;
  const std::filesystem::path path = dir / "v1.db";
  {
    Store store = Store::open(path, {.create = true});
    std::vector<Document> docs = {doc("/a.html", "A")};
    store.upsert_documents(docs);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "DROP TABLE models; DROP TRIGGER items_passages_delete; "
                   "DROP TABLE passages_fts; DROP TABLE passages; "
                   "DROP TRIGGER items_fts_insert; DROP TRIGGER items_fts_delete; "
                   "DROP TRIGGER items_fts_update; DROP TABLE items_fts; "
                   "ALTER TABLE items DROP COLUMN headings; "
                   "ALTER TABLE runs DROP COLUMN pid; ALTER TABLE runs DROP COLUMN "
                   "process_start; INSERT INTO runs(command, mode, started_at, status) "
                   "VALUES('reprocess', 'separate', 'x', 'running'); PRAGMA user_version = 1;",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  ::chmod(path.c_str(), 0444);
  {
    Store reader = Store::open(path);  // read-only: read as version 1
    EXPECT_EQ(reader.count_items(), 1);
    EXPECT_EQ(reader.stats("m", 1).last_run->status, "running");  // cannot tell: left
    // No full-text index, and none can be made.
    const std::vector<std::string> words = {"a"};
    expect_error(
        StoreErrc::kSchema,
        [&] {
          reader.search_text({words, {}}, 3);
        },
        "no full-text index");
  }
  ::chmod(path.c_str(), 0644);
  Store store = Store::open(path);
  EXPECT_EQ(store.count_items(), 1);
  std::int64_t id = store.begin_run(
      RunRecord{.command = "reprocess", .mode = "separate", .started_at = now_iso8601()});
  EXPECT_EQ(id, 2);
  // The upgrade made the full-text index over the items already there.
  std::vector<ItemResult> results = {result_for(1, "the moons of jupiter", false)};
  store.write_results(results);
  FullTextRepair repair;
  const std::vector<std::string> words = {"jupiter"};
  ASSERT_EQ(store.search_text({words, {}}, 3, &repair).size(), 1u);
  EXPECT_FALSE(repair.was_rebuilt);
  ASSERT_EQ(store.search_passages({words, {}}, 3, &repair).size(), 1u);
  EXPECT_FALSE(repair.was_rebuilt);
}

// The full-text index follows the items in the writes' own transactions:
// a changed text is found by its new words only; title and headings weigh
// more than the body.
TEST(StoreTest, TheFullTextIndexFollowsTheItems) {
  TempDir dir;
  Store store = Store::open(dir / "fts.db", {.create = true});
  std::vector<Document> docs = {doc("/a.html", "a"), doc("/b.html", "b"), doc("/c.html", "c")};
  store.upsert_documents(docs);
  std::vector<ItemResult> results = {
      result_for(1, "telescopes and the moons of jupiter", false),
      result_for(2, "a garden of roses; jupiter is mentioned once among many other words here",
                 false),
      result_for(3, "nothing about planets", false)};
  results[0].headings = "Observing";
  results[2].title = "Jupiter";
  results[2].headings = "Moons";
  store.write_results(results);
  const std::vector<std::string> jupiter = {"jupiter"};
  std::vector<TextMatch> found = store.search_text({jupiter, {}}, 10);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].id, 3);  // in the title
  EXPECT_GT(found[0].score, found[1].score);
  // Porter stemming: "moon" finds "moons"; any of the words is enough.
  const std::vector<std::string> moon_rose = {"moon", "rose"};
  EXPECT_EQ(store.search_text({moon_rose, {}}, 10).size(), 3u);

  results[0].text = "saturn and its rings";
  results.resize(1);
  store.write_results(results);
  found = store.search_text({jupiter, {}}, 10);
  ASSERT_EQ(found.size(), 2u);
  for (const TextMatch& m : found) {
    EXPECT_NE(m.id, 1);
  }
  const std::vector<std::string> saturn = {"saturn"};
  ASSERT_EQ(store.search_text({saturn, {}}, 10).size(), 1u);
  EXPECT_EQ(store.search_text({saturn, {}}, 10)[0].id, 1);
  // Operators and quotes in the words are words, not FTS syntax.
  const std::vector<std::string> odd = {"NEAR(", "\"x", "title:y"};
  EXPECT_TRUE(store.search_text({odd, {}}, 10).empty());
}

// store_comets_and_asteroids() makes a database at `path` with two items,
// whose texts are "comets" and "asteroids".
void store_comets_and_asteroids(const std::filesystem::path& path) {
  Store store = Store::open(path, {.create = true});
  std::vector<Document> docs = {doc("/a.html", "a"), doc("/b.html", "b")};
  store.upsert_documents(docs);
  std::vector<ItemResult> results = {result_for(1, "comets", false),
                                     result_for(2, "asteroids", false)};
  store.write_results(results);
}

// An index that lost rows is rebuilt by the next search, which says so.
TEST(StoreTest, AFullTextIndexThatLostRowsIsRebuilt) {
  TempDir dir;
  const std::filesystem::path path = dir / "fts.db";
  store_comets_and_asteroids(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO items_fts(items_fts) VALUES('delete-all')", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Store store = Store::open(path);
  FullTextRepair repair;
  const std::vector<std::string> words = {"comets"};
  const std::vector<TextMatch> found = store.search_text({words, {}}, 3, &repair);
  EXPECT_TRUE(repair.was_rebuilt);
  EXPECT_NE(repair.reason.find("0 of 2"), std::string::npos) << repair.reason;
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, 1);
  repair = {};
  store.search_text({words, {}}, 3, &repair);
  EXPECT_FALSE(repair.was_rebuilt);
}

// ---- Passages (schema 5) ------------------------------------------------------

// long_text() is `sections` sections of `paragraphs` paragraphs of 40 words
// each, the heading of section i "Section i", and the word `marker` once,
// in the last paragraph of section `marked`.
ItemResult long_result(std::int64_t id, int sections, int paragraphs, int marked,
                       const std::string& marker) {
  ItemResult r = result_for(id, "", false);
  for (int s = 0; s < sections; ++s) {
    const std::string heading = "Section " + std::to_string(s);
    r.headings += (s == 0 ? "" : "\n\n") + heading;
    r.text += (s == 0 ? "" : "\n\n") + heading;
    for (int p = 0; p < paragraphs; ++p) {
      std::string paragraph;
      for (int w = 0; w < 40; ++w) {
        paragraph += (w == 0 ? "" : " ") + std::string(w % 2 == 0 ? "filler" : "words");
      }
      if (s == marked && p == paragraphs - 1) {
        paragraph += " " + marker;
      }
      r.text += "\n\n" + paragraph;
    }
  }
  r.text_hash = "th-" + std::to_string(r.text.size()) + marker;
  return r;
}

std::int64_t count_rows(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
  std::int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

// The passages follow the items' texts in the writes' own transactions,
// with the heading of their section; a text written again unchanged keeps
// its passages (the same rows), a changed one gets new ones only.
TEST(StoreTest, PassagesFollowTheItems) {
  TempDir dir;
  const std::filesystem::path path = dir / "passages.db";
  Store store = Store::open(path, {.create = true});
  std::vector<Document> docs = {doc("/a.html", "a"), doc("/b.html", "b")};
  store.upsert_documents(docs);
  // 6 sections of 8 paragraphs of 40 words: 3 passages of 150 words or
  // fewer per section.
  std::vector<ItemResult> results = {long_result(1, 6, 8, 4, "nebula"),
                                     result_for(2, "a short note on comets", false)};
  store.write_results(results);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM passages WHERE item_id = 1"), 6 * 3);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM passages WHERE item_id = 2"), 1);
  const TextQuery nebula{{"nebula"}, {}};
  std::vector<PassageMatch> found = store.search_passages(nebula, 10);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, 1);
  EXPECT_EQ(found[0].heading, "Section 4");
  // An item is listed once, by its best passage: "filler" is in all 18.
  found = store.search_passages(TextQuery{{"filler", "comets"}, {}}, 10);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].id, found[1].id);

  const std::int64_t max_id = count_rows(path, "SELECT max(id) FROM passages");
  store.write_results(results);  // unchanged: the same rows
  EXPECT_EQ(count_rows(path, "SELECT max(id) FROM passages"), max_id);
  results[1] = result_for(2, "asteroids only", false);
  results.resize(2);
  store.write_results(results);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM passages WHERE item_id = 1"), 6 * 3);
  EXPECT_TRUE(store.search_passages(TextQuery{{"comets"}, {}}, 10).empty());
  found = store.search_passages(TextQuery{{"asteroids"}, {}}, 10);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, 2);
  EXPECT_EQ(found[0].heading, "");  // before any heading
  // A text that became empty has no passages.
  results[1] = result_for(2, "", false);
  store.write_results(results);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM passages WHERE item_id = 2"), 0);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM passages_fts_docsize"),
            count_rows(path, "SELECT count(*) FROM passages"));
  // FTS5's own check: the index holds exactly the table's rows.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(
      sqlite3_exec(db, "INSERT INTO passages_fts(passages_fts, rank) VALUES('integrity-check', 1)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// Passage search reads the texts of as many of its best passages as it is
// asked for, best first, even past the k items it lists, and lists the
// same items as without them.
TEST(StoreTest, PassageSearchReadsTheBestPassagesTexts) {
  TempDir dir;
  Store store = Store::open(dir / "texts.db", {.create = true});
  std::vector<Document> docs = {doc("/a.html", "a"), doc("/b.html", "b")};
  store.upsert_documents(docs);
  std::vector<ItemResult> results = {long_result(1, 6, 8, 4, "nebula"),
                                     result_for(2, "filler about nebula and comets", false)};
  results[0].title = "Long page";
  store.write_results(results);
  const TextQuery query{{"nebula", "filler"}, {}};
  const std::vector<PassageMatch> plain = store.search_passages(query, 1);
  PassageTexts texts{7, {}};
  const std::vector<PassageMatch> found = store.search_passages(query, 1, nullptr, &texts);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(found[0].id, plain[0].id);
  ASSERT_EQ(texts.found.size(), 7u);  // 19 passages have a word
  EXPECT_EQ(texts.found[0].item_id, found[0].id);
  int long_page = 0;
  for (const PassageTexts::Passage& p : texts.found) {
    EXPECT_NE(p.body.find("filler"), std::string::npos) << p.body;
    if (p.item_id == 1) {
      ++long_page;
      EXPECT_EQ(p.title, "Long page");
      EXPECT_EQ(p.heading.rfind("Section ", 0), 0u) << p.heading;
    }
  }
  EXPECT_GE(long_page, 5);
  // The one with the marker ranks first among the long page's passages.
  const auto first_long = std::find_if(texts.found.begin(), texts.found.end(),
                                       [](const auto& p) { return p.item_id == 1; });
  ASSERT_NE(first_long, texts.found.end());
  EXPECT_EQ(first_long->heading, "Section 4");
  // More than there are: all of them.
  PassageTexts all{100, {}};
  store.search_passages(query, 10, nullptr, &all);
  EXPECT_EQ(all.found.size(), 19u);
}

// A phrase ranks the passage with the words in a row above one with them
// apart; words inside a phrase are still words (Porter stemming too).
TEST(StoreTest, PhrasesRankWordsInARowFirst) {
  TempDir dir;
  Store store = Store::open(dir / "phrases.db", {.create = true});
  std::vector<Document> docs = {doc("/a.html", "a"), doc("/b.html", "b")};
  store.upsert_documents(docs);
  std::vector<ItemResult> results = {
      result_for(1, "the variable holds the environment of the program", false),
      result_for(2, "each environment variable of the program", false)};
  store.write_results(results);
  const TextQuery query{{"environment", "variable"}, {"environment variable"}};
  std::vector<TextMatch> pages = store.search_text(query, 10);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].id, 2);
  std::vector<PassageMatch> passages = store.search_passages(query, 10);
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0].id, 2);
  passages = store.search_passages(TextQuery{{}, {"environment variables"}}, 10);
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].id, 2);
}

// A passage index that lost rows, or passages cut by another version, are
// made again by the next search, which says why; a read-only database
// older than schema 5 has no passages, and says so.
TEST(StoreTest, PassagesAreRepairedAndRecut) {
  TempDir dir;
  const std::filesystem::path path = dir / "recut.db";
  store_comets_and_asteroids(path);
  auto exec = [&](const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    sqlite3_close(db);
  };
  exec("INSERT INTO passages_fts(passages_fts) VALUES('delete-all')");
  const TextQuery comets{{"comets"}, {}};
  {
    Store store = Store::open(path);
    FullTextRepair repair;
    const std::vector<PassageMatch> found = store.search_passages(comets, 3, &repair);
    EXPECT_TRUE(repair.was_rebuilt);
    EXPECT_NE(repair.reason.find("0 of 2"), std::string::npos) << repair.reason;
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].id, 1);
    repair = {};
    store.search_passages(comets, 3, &repair);
    EXPECT_FALSE(repair.was_rebuilt);
  }
  // Cut by another version (and one item's passages lost with it).
  exec(
      "UPDATE meta SET value = '0' WHERE key = 'passages_version'; "
      "DELETE FROM passages WHERE item_id = 2");
  {
    Store store = Store::open(path);
    FullTextRepair repair;
    EXPECT_EQ(store.search_passages(TextQuery{{"asteroids"}, {}}, 3, &repair).size(), 1u);
    EXPECT_TRUE(repair.was_rebuilt);
    EXPECT_NE(repair.reason.find("another version"), std::string::npos) << repair.reason;
  }
  // Schema 4, read-only: no passages, and none can be made.
  exec(
      "DROP TRIGGER items_passages_delete; DROP TABLE passages_fts; DROP TABLE passages; "
      "PRAGMA user_version = 4");
  ::chmod(path.c_str(), 0444);
  {
    Store reader = Store::open(path);
    expect_error(
        StoreErrc::kSchema, [&] { reader.search_passages(comets, 3); }, "no passage index");
    EXPECT_EQ(reader.search_text(comets, 3).size(), 1u);
  }
  ::chmod(path.c_str(), 0644);
  // Writable: the upgrade cuts every item's passages.
  Store store = Store::open(path);
  FullTextRepair repair;
  ASSERT_EQ(store.search_passages(comets, 3, &repair).size(), 1u);
  EXPECT_FALSE(repair.was_rebuilt);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM passages"), 2);
}

}  // namespace
}  // namespace knot::pipeline
