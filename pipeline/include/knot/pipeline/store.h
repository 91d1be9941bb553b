// The article store: knot-embed's SQLite database.
//
//   StoreErrc / StoreError  what went wrong with the database, in words a user can act on
//   OpenOptions             create or not, busy timeout, a page cap (tests: a full disk)
//   Store                   one connection: documents, extraction and embedding results,
//                           runs, meta values, statistics
//   Document, ItemInput, ItemResult, RunRecord, StoreStats, StoredVector, ItemInfo
//
// One Store is one SQLite connection: use it from one thread at a time, and
// give each thread of a pipeline its own Store (WAL mode lets a reader read
// while a writer writes). Every write is one transaction: a failure (a locked
// database after the busy timeout, a full disk, a read-only file) rolls it
// back and throws StoreError, so nothing half-written is left behind.
//
// The schema (PRAGMA user_version 2) is in docs/pipeline.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace knot::pipeline {

// StoreErrc classifies a StoreError.
enum class StoreErrc {
  kMissing,   // the database file does not exist (and the command does not create it)
  kLocked,    // another connection held a lock for longer than the busy timeout
  kReadOnly,  // the file (or its folder) is write-protected
  kFull,      // the disk (or the page cap) is full
  kCorrupt,   // the file is not a database, or a damaged one
  kSchema,    // the database was written by a newer knot-embed
  kOther,     // anything else SQLite reports
};

// StoreError is thrown by every Store operation that fails; what() is a
// complete sentence naming the database file.
class StoreError : public std::runtime_error {
 public:
  StoreError(StoreErrc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  StoreErrc code() const noexcept { return code_; }

 private:
  StoreErrc code_;
};

// kSchemaVersion is the PRAGMA user_version this code writes and reads.
inline constexpr int kSchemaVersion = 5;

struct OpenOptions {
  // create: make the file (and the schema) if it does not exist. Without it
  // a missing file is StoreErrc::kMissing.
  bool create = false;
  // How long a statement waits for another connection's lock before it gives
  // up with StoreErrc::kLocked (SQLite retries within this time).
  std::chrono::milliseconds busy_timeout{5000};
  // Caps the database at this many pages (PRAGMA max_page_count): a write
  // past it fails as a full disk does. For tests.
  std::optional<std::int64_t> max_page_count{};
};

// Document is one HTML file as ingest read it.
struct Document {
  std::string source_path;  // canonical (ingest resolves links), as the item's key
  std::string raw_html;
  std::string content_hash;
};

// UpsertCounts says what upsert_documents() did.
struct UpsertCounts {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t unchanged = 0;
};

// ItemInput is what the pipeline's reader gives stage 2 for one item.
struct ItemInput {
  std::int64_t id = 0;
  std::string source_path;
  std::string raw_html;
  std::string content_hash;
  std::optional<std::string> model_id;            // of the stored embedding
  std::optional<std::string> embedded_text_hash;  // the text_hash it was embedded at
  bool has_embedding = false;
};

// ItemResult is what the pipeline writes back for one item: always the
// extraction, and an embedding when one was made.
struct ItemResult {
  std::int64_t id = 0;
  std::string title;
  std::string text;
  std::string headings;  // text::Article::headings
  // text_hash: of the title, headings and text together, all that a page's
  // vector is made from (a new title alone makes it stale).
  std::string text_hash;
  std::string extracted_content_hash;  // the content the text came from
  int extractor_version = 0;
  std::string warning;  // empty, or why the text is empty (broken HTML, ...)
  // updates_embedding: store `embedding` (NULL when empty: an item without
  // text has no vector), model_id and the text hash it was made from.
  bool updates_embedding = false;
  std::optional<std::vector<float>> embedding;
  std::string model_id;
};

// TextQuery is what full-text search looks for: any of `words` (lower-case
// words, none empty) or of `phrases` (words in a row, separated by one
// space: the query's adjacent words, so that a page with "environment
// variable" ranks above one with "environment" and "variable" apart).
struct TextQuery {
  std::vector<std::string> words;
  std::vector<std::string> phrases;
};

// TextMatch is one item found by full-text search.
struct TextMatch {
  std::int64_t id = 0;
  double score = 0;  // -BM25: higher is better
};

// PassageMatch is one item found by passage search: the score and heading
// of its best passage.
struct PassageMatch {
  std::int64_t id = 0;  // the item
  double score = 0;     // -BM25 of the passage: higher is better
  std::string heading;  // the heading of the passage's section ("" before any)
};

// PassageTexts asks passage search for the text of its best passages, for
// a ranking by meaning (hybrid_search.h): the `limit` best, best first, in
// `found`.
struct PassageTexts {
  struct Passage {
    std::int64_t item_id = 0;
    std::string title;    // the page's title
    std::string heading;  // the heading of the passage's section
    std::string body;
  };
  std::size_t limit = 0;
  std::vector<Passage> found;
};

// FullTextRepair says whether search_text() rebuilt the index, and why.
struct FullTextRepair {
  bool was_rebuilt = false;
  std::string reason;
};

// RunRecord is one row of the runs table.
struct RunRecord {
  std::int64_t id = 0;
  std::string command{};  // "reprocess"
  std::string mode{};     // "separate", "shared", ...
  std::string started_at{};
  std::string finished_at{};
  // "running", "ok", "failed", "deadlock", or "interrupted": its process
  // is gone without recording an outcome (killed); marked when a writable
  // Store opens, and shown so by stats() even on a read-only one.
  std::string status{};
  std::int64_t items = 0;
  std::int64_t embedded = 0;
  std::int64_t warnings = 0;
  double duration_seconds = 0;
};

// StoreStats is what `knot-embed stats` shows.
struct StoreStats {
  std::int64_t total = 0;
  std::int64_t with_text = 0;      // extracted, non-empty text
  std::int64_t embedded = 0;       // has an embedding of any model
  std::int64_t stale = 0;          // needs extraction or (re-)embedding for the current model
  std::int64_t with_warnings = 0;  // extraction left a warning
  std::int64_t raw_bytes = 0;
  std::vector<std::pair<std::string, std::int64_t>> models;  // model id, item count
  std::optional<RunRecord> last_run;
};

// StoredVector is one item's embedding, for search.
struct StoredVector {
  std::int64_t id = 0;
  std::vector<float> vector;
};

// StoredText is one item's extracted text, for training a model.
struct StoredText {
  std::int64_t id = 0;
  std::string title;
  std::string headings;
  std::string text;
  std::string text_hash;
};

// StoredModel is a learned embedding model kept in the database (schema 4):
// its parameters, and a fingerprint of the texts it learned from.
struct StoredModel {
  std::string id;          // the model id its vectors carry
  std::string kind;        // "lsa"
  std::string corpus;      // fingerprint of the texts it was learned from
  std::string created_at;  // ISO 8601
  std::string parameters;  // the serialized model
};

// ItemEmbedding is one item's vector of a model (empty: the text has no
// word the model knows, stored as no vector), and the text it was made from.
struct ItemEmbedding {
  std::int64_t id = 0;
  std::vector<float> vector;
  std::string text_hash;
};

// ItemInfo is what a search result shows of an item.
struct ItemInfo {
  std::int64_t id = 0;
  std::string title;
  std::string source_path;
};

class Store {
 public:
  // open() opens (or, with options.create, creates) the database at `path`,
  // sets WAL mode and the busy timeout, and creates or checks the schema
  // (upgrading an older knot-embed schema). An existing file's schema is
  // checked through a read-only connection first: a file that is not
  // knot-embed's is refused (kCorrupt) without a byte changed. Runs whose
  // process is gone are marked "interrupted". A
  // file whose permission bits allow no writing is opened read-only (even
  // for root): writes then fail with kReadOnly before they change anything.
  // Throws StoreError.
  static Store open(const std::filesystem::path& path, const OpenOptions& options = {});

  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  ~Store();

  const std::filesystem::path& path() const noexcept;
  bool is_read_only() const noexcept;
  // require_writable() throws kReadOnly, naming `command`, if the store is read-only.
  void require_writable(std::string_view command) const;

  // ---- Documents (ingest) ------------------------------------------------

  // content_hashes() maps every item's source path to its content hash.
  std::unordered_map<std::string, std::string> content_hashes() const;

  // upsert_documents() adds new documents and replaces the content of changed
  // ones (their extraction and embedding become stale), in one transaction.
  UpsertCounts upsert_documents(std::span<const Document> documents);

  // ---- Items (reprocess) --------------------------------------------------

  std::int64_t count_items() const;

  // read_batch() reads up to `limit` items with id > after_id, by id.
  std::vector<ItemInput> read_batch(std::int64_t after_id, std::size_t limit) const;

  // write_results() stores extractions and embeddings in one transaction.
  // When any embedding is written the embeddings generation (meta) grows.
  void write_results(std::span<const ItemResult> results);

  // ---- Runs ---------------------------------------------------------------

  // begin_run() inserts `run` (status "running", with this process's pid
  // and start time) and returns its id.
  std::int64_t begin_run(const RunRecord& run);
  // finish_run() updates run `run.id` with its outcome.
  void finish_run(const RunRecord& run);
  // set_run_status() sets a run's status and end time only (the watchdog's
  // verdict handler marks a stuck run "deadlock" with it).
  void set_run_status(std::int64_t run_id, std::string_view status);

  // ---- Search -------------------------------------------------------------

  // load_vectors() reads every embedding made by `model_id`.
  std::vector<StoredVector> load_vectors(std::string_view model_id) const;
  // item_infos() reads title and path of each id, in the order given
  // (ids that do not exist are left out).
  std::vector<ItemInfo> item_infos(std::span<const std::int64_t> ids) const;
  // load_texts() reads every item with extracted, non-empty text, by id.
  std::vector<StoredText> load_texts() const;
  // count_not_embedded_by() is the number of items with text whose vector
  // was not made by `model_id` from their current text.
  std::int64_t count_not_embedded_by(std::string_view model_id) const;
  // count_vectors() is the number of items embedded by `model_id`.
  std::int64_t count_vectors(std::string_view model_id) const;

  // ---- Full-text search (schema 3, store_text_search.cc) -------------------

  // search_text() ranks the items that contain any of the query's words or
  // phrases by BM25 over title (weight 10), headings (5) and text (1), best
  // first, at most `k`; TextMatch::score is the negated BM25 (higher is
  // better). The index is checked first: when it does not cover every item
  // (a database written by an older knot-embed, rows lost to a damaged
  // file) it is rebuilt, and `repair` says why. Throws StoreError (kSchema)
  // for a read-only database too old to have one.
  std::vector<TextMatch> search_text(const TextQuery& query, std::size_t k,
                                     FullTextRepair* repair = nullptr);
  // rebuild_full_text() rebuilds the index from the items, in one transaction.
  void rebuild_full_text();

  // search_passages() ranks passages (schema 5) by BM25 over the page's
  // title (weight 5), the section's heading (5) and the passage (1), and
  // returns the items of the best ones, each once, in the order of its best
  // passage, at most `k`. Checked first as search_text() is: passages cut
  // by another text::kPassageVersion are cut again, and an index that lost
  // rows is rebuilt (where the database is writable), `repair` says so.
  // Throws StoreError (kSchema) for a read-only database older than
  // schema 5. With `texts`, the texts->limit best passages are also read,
  // into texts->found.
  std::vector<PassageMatch> search_passages(const TextQuery& query, std::size_t k,
                                            FullTextRepair* repair = nullptr,
                                            PassageTexts* texts = nullptr);
  // rebuild_passages() cuts every item's passages again and rebuilds their
  // index, in one transaction.
  void rebuild_passages();

  // ---- Learned models (schema 4, store_models.cc) --------------------------

  // install_model() stores `model`, writes `embeddings` (vectors of that
  // model), makes it the search model and deletes older models of its kind,
  // all in one transaction: a crash leaves the old model and vectors, or
  // the new ones, never a model without its vectors.
  void install_model(const StoredModel& model, std::span<const ItemEmbedding> embeddings);
  // write_embeddings() stores vectors of a built-in model (one transaction).
  void write_embeddings(std::string_view model_id, std::span<const ItemEmbedding> embeddings);
  // load_model() reads model `id`; latest_model() the newest of `kind`.
  std::optional<StoredModel> load_model(std::string_view id) const;
  std::optional<StoredModel> latest_model(std::string_view kind) const;
  // search_model() is the model whose vectors search compares (meta
  // 'search_model'); nullopt when no run has chosen one.
  std::optional<std::string> search_model() const;
  void set_search_model(std::string_view model_id);

  // ---- Meta values and statistics -----------------------------------------

  std::optional<std::string> get_meta(std::string_view key) const;
  void set_meta(std::string_view key, std::string_view value);
  // set_meta_values() sets several values in one transaction.
  void set_meta_values(std::span<const std::pair<std::string, std::string>> values);
  // embeddings_generation() grows with every write that stores an embedding.
  std::int64_t embeddings_generation() const;

  StoreStats stats(std::string_view current_model, int extractor_version) const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// now_iso8601() is the current UTC time as "2024-05-01T12:34:56.789Z".
std::string now_iso8601();

// to_string() names a StoreErrc ("locked", "read-only", ...).
std::string_view to_string(StoreErrc code) noexcept;

}  // namespace knot::pipeline
