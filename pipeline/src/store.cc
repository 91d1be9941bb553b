// Store: opening the database, its schema and versioning, the runs table,
// meta values and statistics. Item operations are in store_items.cc.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "knot/base/time_format.h"
#include "knot/pipeline/store.h"
#include "sqlite.h"
#include "store_impl.h"

namespace knot::pipeline {

namespace {

// The schema of version 1 (docs/pipeline.md explains each column). The raw
// HTML sits in its own table: SQLite rewrites a whole row on UPDATE, and the
// pipeline's writer updates every item, so keeping the (large) source out of
// `items` makes a reprocess write about 4x less.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE items(
  id                     INTEGER PRIMARY KEY,
  source_path            TEXT NOT NULL UNIQUE,
  content_hash           TEXT NOT NULL,
  size_bytes             INTEGER NOT NULL,
  title                  TEXT,
  text                   TEXT,
  text_hash              TEXT,
  extracted_content_hash TEXT,
  extractor_version      INTEGER,
  warning                TEXT,
  embedding              BLOB,
  model_id               TEXT,
  embedded_text_hash     TEXT,
  ingested_at            TEXT NOT NULL,
  updated_at             TEXT NOT NULL,
  extracted_at           TEXT,
  embedded_at            TEXT
);
CREATE INDEX items_model ON items(model_id);
CREATE TABLE sources(
  item_id  INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
  raw_html BLOB NOT NULL
);
CREATE TABLE runs(
  id          INTEGER PRIMARY KEY,
  command     TEXT NOT NULL,
  mode        TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL,
  items       INTEGER NOT NULL DEFAULT 0,
  embedded    INTEGER NOT NULL DEFAULT 0,
  warnings    INTEGER NOT NULL DEFAULT 0,
  duration_s  REAL NOT NULL DEFAULT 0
);
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('embeddings_generation', '0');
PRAGMA user_version = 1;
)sql";

// Version 2: each run records the process that runs it (its pid and when
// that process started), so that a run whose process is gone can be told
// from one still running (mark_interrupted_runs()).
constexpr std::string_view kMigrateV1ToV2 = R"sql(
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN process_start TEXT;
PRAGMA user_version = 2;
)sql";

// Version 3: full-text search. `headings` holds the text of the page's
// headings (text::Article::headings). items_fts is an FTS5 index over
// title, headings and text whose content is the items table itself (no
// copy of the text); the triggers keep it in step inside the transaction
// that changes an item, so a crash never leaves it behind. An update
// re-indexes an item only when one of the three columns changed: the
// pipeline's writer sets them on every item of every run.
constexpr std::string_view kMigrateV2ToV3 = R"sql(
ALTER TABLE items ADD COLUMN headings TEXT;
CREATE VIRTUAL TABLE items_fts USING fts5(
  title, headings, text,
  content = 'items', content_rowid = 'id',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
  INSERT INTO items_fts(rowid, title, headings, text)
    VALUES (new.id, new.title, new.headings, new.text);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, headings, text)
    VALUES ('delete', old.id, old.title, old.headings, old.text);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, headings, text ON items
  WHEN old.title IS NOT new.title OR old.headings IS NOT new.headings
    OR old.text IS NOT new.text
BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, headings, text)
    VALUES ('delete', old.id, old.title, old.headings, old.text);
  INSERT INTO items_fts(rowid, title, headings, text)
    VALUES (new.id, new.title, new.headings, new.text);
END;
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
PRAGMA user_version = 3;
)sql";

// Version 4: learned embedding models (an LSA model's vocabulary and
// basis) live in the database beside the vectors they made; meta
// 'search_model' names the model search compares with.
constexpr std::string_view kMigrateV3ToV4 = R"sql(
CREATE TABLE models(
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  corpus      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  parameters  BLOB NOT NULL
);
PRAGMA user_version = 4;
)sql";

// Version 5: passages (text::split_passages(): a few paragraphs of one
// section each) and passages_fts, an FTS5 index over them, so that search
// can rank a page by its best passage. The tables are made, and every
// item's text cut, by detail::recut_all_passages() (store_text_search.cc);
// the store writes an item's passages, and their index rows, in the
// transaction that changes its text, and deleting an item deletes them.
constexpr std::string_view kMigrateV4ToV5 = R"sql(
CREATE TRIGGER items_passages_delete AFTER DELETE ON items BEGIN
  INSERT INTO passages_fts(passages_fts, rowid, title, heading, body)
    SELECT 'delete', id, title, heading, body FROM passages WHERE item_id = old.id;
  DELETE FROM passages WHERE item_id = old.id;
END;
PRAGMA user_version = 5;
)sql";

// ---- Process identity ---------------------------------------------------------

// boot_id() is this boot's id (a pid is only meaningful within one boot).
const std::string& boot_id() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string line;
    std::getline(in, line);
    return line;
  }();
  return id;
}

// process_start() is "<boot id>:<start time in clock ticks>" for `pid`, or
// empty when /proc does not say. Two processes that share a pid never
// share this (a pid is reused only after its process is gone).
std::string process_start(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  // The command name (field 2) may hold spaces and parentheses: count the
  // fields after its last ')'. Field 3 is the state, field 22 the start time.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos || boot_id().empty()) {
    return "";
  }
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) {
      return boot_id() + ":" + field;
    }
  }
  return "";
}

// is_process_gone() is true when the process recorded as (`pid`,
// `started`) no longer runs: no process has that pid, or the one that has
// it started at another time (or in another boot). Unknown stays running.
bool is_process_gone(std::int64_t pid, const std::string& started) {
  if (pid <= 0 || started.empty()) {
    return false;  // recorded by knot-embed before version 2: cannot tell
  }
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
    return true;
  }
  const std::string now = process_start(static_cast<pid_t>(pid));
  return !now.empty() && now != started;
}

bool permissions_forbid_writing(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return false;
  }
  return (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
}

// SchemaState is what a database says about its schema, read without
// writing anything.
struct SchemaState {
  std::int64_t version = 0;      // PRAGMA user_version
  std::int64_t num_objects = 0;  // rows of sqlite_master
  bool has_knot_tables = false;  // items, sources, runs and meta all exist
};

SchemaState read_schema_state(detail::Database& db) {
  SchemaState state;
  {
    detail::Statement stmt(db, "PRAGMA user_version");
    if (stmt.step()) {
      state.version = stmt.column_int(0);
    }
  }
  {
    detail::Statement stmt(db,
                           "SELECT count(*), coalesce(sum(type = 'table' AND name IN "
                           "('items', 'sources', 'runs', 'meta')), 0) FROM sqlite_master");
    if (stmt.step()) {
      state.num_objects = stmt.column_int(0);
      state.has_knot_tables = stmt.column_int(1) == 4;
    }
  }
  return state;
}

// check_schema_state() throws unless `state` is knot-embed's schema (of
// this or an older version) or an empty database.
void check_schema_state(const SchemaState& state, const std::filesystem::path& path) {
  if (state.version > kSchemaVersion && state.has_knot_tables) {
    throw StoreError(StoreErrc::kSchema, "database '" + path.string() + "' has schema version " +
                                             std::to_string(state.version) +
                                             ", newer than this knot-embed understands (" +
                                             std::to_string(kSchemaVersion) + ")");
  }
  const bool is_empty = state.version == 0 && state.num_objects == 0;
  const bool is_knot = state.version >= 1 && state.has_knot_tables;
  if (!is_empty && !is_knot) {
    throw StoreError(StoreErrc::kCorrupt,
                     "database '" + path.string() +
                         "' is an SQLite database but not a knot-embed one (it has other tables "
                         "or no knot-embed schema version); it was left unchanged");
  }
}

// probe_existing() checks the schema of an existing file through a
// read-only connection, before anything (WAL mode, the schema) could be
// written to a file that is not knot-embed's.
void probe_existing(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout) {
  detail::Database probe(path.string(), SQLITE_OPEN_READONLY, busy_timeout);
  check_schema_state(read_schema_state(probe), path);
}

void create_or_check_schema(Store::Impl& impl) {
  detail::Database& db = *impl.db;
  // Checked again on the connection that will write: the file may have
  // changed since the read-only probe.
  const SchemaState state = read_schema_state(db);
  check_schema_state(state, impl.path);
  impl.schema_version = state.version;
  if (state.version == kSchemaVersion) {
    return;
  }
  if (impl.is_read_only) {
    if (state.version != 0) {
      return;  // an older knot schema, read as it is (nothing needs the new columns)
    }
    throw StoreError(
        StoreErrc::kReadOnly,
        "database '" + impl.path.string() + "' is empty and read-only: cannot create the schema");
  }
  detail::Transaction tx(db);
  // Read again under the write lock: another process may have created or
  // upgraded the schema since.
  std::int64_t version = read_schema_state(db).version;
  if (version == 0) {
    db.exec(kSchemaV1);
    version = 1;
  }
  if (version == 1) {
    db.exec(kMigrateV1ToV2);
    version = 2;
  }
  if (version == 2) {
    db.exec(kMigrateV2ToV3);
    version = 3;
  }
  if (version == 3) {
    db.exec(kMigrateV3ToV4);
    version = 4;
  }
  if (version == 4) {
    detail::recut_all_passages(db);
    db.exec(kMigrateV4ToV5);
  }
  tx.commit();
  impl.schema_version = kSchemaVersion;
}

// mark_interrupted_runs() marks the runs whose process is gone (killed, or
// ended without recording an outcome) "interrupted", best effort: a locked
// or read-only database leaves them, and stats() still shows them so.
void mark_interrupted_runs(Store::Impl& impl) {
  if (impl.is_read_only || impl.schema_version < 2) {
    return;
  }
  std::vector<std::int64_t> gone;
  {
    detail::Statement stmt(*impl.db,
                           "SELECT id, pid, process_start FROM runs WHERE status = 'running'");
    while (stmt.step()) {
      if (is_process_gone(stmt.column_int(1), stmt.column_optional_text(2).value_or(""))) {
        gone.push_back(stmt.column_int(0));
      }
    }
  }
  if (gone.empty()) {
    return;
  }
  try {
    detail::Transaction tx(*impl.db);
    detail::Statement stmt(*impl.db,
                           "UPDATE runs SET status = 'interrupted', finished_at = ?1 "
                           "WHERE id = ?2 AND status = 'running'");
    const std::string now = now_iso8601();
    for (std::int64_t id : gone) {
      stmt.reset();
      stmt.bind_text(1, now).bind_int(2, id);
      stmt.run();
    }
    tx.commit();
  } catch (const StoreError& e) {
    if (e.code() != StoreErrc::kLocked && e.code() != StoreErrc::kReadOnly) {
      throw;
    }
  }
}

RunRecord read_run(const detail::Statement& stmt) {
  RunRecord run;
  run.id = stmt.column_int(0);
  run.command = stmt.column_text(1);
  run.mode = stmt.column_text(2);
  run.started_at = stmt.column_text(3);
  run.finished_at = stmt.column_optional_text(4).value_or("");
  run.status = stmt.column_text(5);
  run.items = stmt.column_int(6);
  run.embedded = stmt.column_int(7);
  run.warnings = stmt.column_int(8);
  run.duration_seconds = stmt.column_double(9);
  return run;
}

}  // namespace

Store Store::open(const std::filesystem::path& path, const OpenOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (!exists && !options.create) {
    throw StoreError(StoreErrc::kMissing, "database '" + path.string() + "' does not exist");
  }
  if (exists && !std::filesystem::is_regular_file(path, ec)) {
    throw StoreError(StoreErrc::kCorrupt, "database '" + path.string() + "' is not a regular file");
  }
  if (exists) {
    probe_existing(path, options.busy_timeout);
  }
  impl->is_read_only = exists && permissions_forbid_writing(path);
  int flags = impl->is_read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !impl->is_read_only) {
    flags |= SQLITE_OPEN_CREATE;
  }
  impl->db = std::make_unique<detail::Database>(path.string(), flags, options.busy_timeout);
  if (sqlite3_db_readonly(impl->db->get(), "main") == 1) {
    impl->is_read_only = true;
  }
  if (!impl->is_read_only) {
    // WAL: readers and the writer do not block each other; NORMAL
    // synchronous is durable across application crashes in WAL mode.
    detail::Statement wal(*impl->db, "PRAGMA journal_mode=WAL");
    wal.run();
    impl->db->exec("PRAGMA synchronous=NORMAL");
  }
  if (options.max_page_count) {
    detail::Statement cap(*impl->db,
                          "PRAGMA max_page_count=" + std::to_string(*options.max_page_count));
    cap.run();
  }
  create_or_check_schema(*impl);
  mark_interrupted_runs(*impl);
  return Store(std::move(impl));
}

// A search reads every vector of the model and the index pages of two FTS5
// tables, which in SQLite's 2 MiB page cache evict each other, so that each
// query of a long-lived store read them all again from the file (6 ms of
// the 7 an exact search took over 530 pages). Only a store that searches
// gets the larger cache: in reprocess's reader, which streams every page's
// HTML once, a 32 MiB cache cost 10% of the run (more pages allocated and
// faulted in, none read twice). Pages are cached as they are read.
void Store::Impl::use_search_cache() {
  if (!has_search_cache) {
    db->exec("PRAGMA cache_size=-32768");
    has_search_cache = true;
  }
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;
Store::~Store() = default;

const std::filesystem::path& Store::path() const noexcept {
  return impl_->path;
}

bool Store::is_read_only() const noexcept {
  return impl_->is_read_only;
}

void Store::require_writable(std::string_view command) const {
  if (impl_->is_read_only) {
    throw StoreError(StoreErrc::kReadOnly, "database '" + impl_->path.string() +
                                               "' is read-only (write-protected file or folder); " +
                                               std::string(command) +
                                               " needs to write to it. Nothing was changed");
  }
}

// ---- Runs ---------------------------------------------------------------

std::int64_t Store::begin_run(const RunRecord& run) {
  detail::Transaction tx(*impl_->db);
  detail::Statement stmt(*impl_->db,
                         "INSERT INTO runs(command, mode, started_at, status, pid, process_start) "
                         "VALUES(?, ?, ?, ?, ?, ?)");
  stmt.bind_text(1, run.command).bind_text(2, run.mode).bind_text(3, run.started_at);
  stmt.bind_text(4, run.status.empty() ? "running" : run.status);
  stmt.bind_int(5, ::getpid()).bind_text(6, process_start(::getpid()));
  stmt.run();
  std::int64_t id = impl_->db->last_insert_rowid();
  tx.commit();
  return id;
}

void Store::finish_run(const RunRecord& run) {
  detail::Transaction tx(*impl_->db);
  detail::Statement stmt(*impl_->db,
                         "UPDATE runs SET finished_at = ?, status = ?, items = ?, embedded = ?, "
                         "warnings = ?, duration_s = ? WHERE id = ?");
  stmt.bind_text(1, run.finished_at).bind_text(2, run.status).bind_int(3, run.items);
  stmt.bind_int(4, run.embedded).bind_int(5, run.warnings).bind_double(6, run.duration_seconds);
  stmt.bind_int(7, run.id);
  stmt.run();
  tx.commit();
}

void Store::set_run_status(std::int64_t run_id, std::string_view status) {
  detail::Transaction tx(*impl_->db);
  detail::Statement stmt(*impl_->db, "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?");
  stmt.bind_text(1, status).bind_text(2, now_iso8601()).bind_int(3, run_id);
  stmt.run();
  tx.commit();
}

// ---- Meta and statistics --------------------------------------------------

std::optional<std::string> Store::get_meta(std::string_view key) const {
  detail::Statement stmt(*impl_->db, "SELECT value FROM meta WHERE key = ?");
  stmt.bind_text(1, key);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return stmt.column_text(0);
}

void Store::set_meta(std::string_view key, std::string_view value) {
  std::pair<std::string, std::string> one{std::string(key), std::string(value)};
  set_meta_values(std::span(&one, 1));
}

void Store::set_meta_values(std::span<const std::pair<std::string, std::string>> values) {
  require_writable("recording meta values");
  detail::Transaction tx(*impl_->db);
  detail::Statement stmt(*impl_->db,
                         "INSERT INTO meta(key, value) VALUES(?1, ?2) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  for (const auto& [key, value] : values) {
    stmt.reset();
    stmt.bind_text(1, key).bind_text(2, value);
    stmt.run();
  }
  tx.commit();
}

std::int64_t Store::embeddings_generation() const {
  std::optional<std::string> value = get_meta("embeddings_generation");
  if (!value) {
    return 0;
  }
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return -1;  // unreadable: never equal to what an index recorded
  }
}

StoreStats Store::stats(std::string_view current_model, int extractor_version) const {
  detail::Database& db = *impl_->db;
  StoreStats stats;
  {
    detail::Statement stmt(db,
                           "SELECT count(*), "
                           "  coalesce(sum(text IS NOT NULL AND length(text) > 0), 0), "
                           "  coalesce(sum(embedding IS NOT NULL), 0), "
                           "  coalesce(sum(warning IS NOT NULL AND warning != ''), 0), "
                           "  coalesce(sum(size_bytes), 0), "
                           "  coalesce(sum(extractor_version IS NOT ?1 "
                           "    OR extracted_content_hash IS NOT content_hash "
                           "    OR model_id IS NOT ?2 OR embedded_text_hash IS NOT text_hash), 0) "
                           "FROM items");
    stmt.bind_int(1, extractor_version).bind_text(2, current_model);
    if (stmt.step()) {
      stats.total = stmt.column_int(0);
      stats.with_text = stmt.column_int(1);
      stats.embedded = stmt.column_int(2);
      stats.with_warnings = stmt.column_int(3);
      stats.raw_bytes = stmt.column_int(4);
      stats.stale = stmt.column_int(5);
    }
  }
  {
    detail::Statement stmt(db,
                           "SELECT model_id, count(*) FROM items WHERE model_id IS NOT NULL "
                           "AND embedding IS NOT NULL GROUP BY model_id ORDER BY model_id");
    while (stmt.step()) {
      stats.models.emplace_back(stmt.column_text(0), stmt.column_int(1));
    }
  }
  {
    detail::Statement stmt(db,
                           std::string("SELECT id, command, mode, started_at, finished_at, "
                                       "status, items, embedded, warnings, duration_s, ") +
                               (impl_->schema_version >= 2 ? "pid, process_start" : "NULL, NULL") +
                               " FROM runs ORDER BY id DESC LIMIT 1");
    if (stmt.step()) {
      stats.last_run = read_run(stmt);
      // A read-only store cannot record it; say it all the same.
      if (stats.last_run->status == "running" &&
          is_process_gone(stmt.column_int(10), stmt.column_optional_text(11).value_or(""))) {
        stats.last_run->status = "interrupted";
      }
    }
  }
  return stats;
}

// ---- Free functions ---------------------------------------------------------

std::string now_iso8601() {
  return base::utc_iso8601(std::chrono::system_clock::now());
}

std::string_view to_string(StoreErrc code) noexcept {
  switch (code) {
    case StoreErrc::kMissing:
      return "missing";
    case StoreErrc::kLocked:
      return "locked";
    case StoreErrc::kReadOnly:
      return "read-only";
    case StoreErrc::kFull:
      return "full";
    case StoreErrc::kCorrupt:
      return "corrupt";
    case StoreErrc::kSchema:
      return "schema";
    case StoreErrc::kOther:
      return "other";
  }
  return "other";
}

}  // namespace knot::pipeline
