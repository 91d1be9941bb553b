// Store: full-text search over the items (schema 3, store.cc): the FTS5
// index items_fts, its check and its rebuild; and over their passages
// (schema 5): cutting them, passages_fts, its check and its rebuild.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

#include "knot/pipeline/store.h"
#include "knot/text/passages.h"
#include "sqlite.h"
#include "store_impl.h"

namespace knot::pipeline {

namespace {

// append_quoted() appends `s` to `out` as an FTS5 string: a phrase, in which no
// operator or column filter can hide.
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  out += '"';
}

// fts_query() is FTS5's query for any of the words or phrases of `query`.
std::string fts_query(const TextQuery& query) {
  std::string out;
  for (const auto* list : {&query.words, &query.phrases}) {
    for (const std::string& s : *list) {
      if (!out.empty()) {
        out += " OR ";
      }
      append_quoted(out, s);
    }
  }
  return out;
}

// kPassagesPerItem bounds passage search's work: it reads at most this many
// passages per item it is asked for (pages of many matching passages fill
// the list before the other pages are reached).
constexpr std::size_t kPassagesPerItem = 20;

// IndexSpec names a full-text index for check_index().
struct IndexSpec {
  std::int64_t schema;    // the schema version that brought it
  std::string_view name;  // "full-text index"
  std::string_view rows;  // what it indexes: "items"
  const char* count_sql;  // SELECT (rows), (rows indexed)
};

// check_index() is the first step of a search over an index: a read-only
// database older than the index throws StoreError (kSchema); an index that
// lost rows, or is `stale` (the reason), is rebuilt where the database is
// writable, and `repair` says why; read-only, lost rows throw (kCorrupt)
// and a stale index serves as it is.
void check_index(Store::Impl& impl, const IndexSpec& spec, const std::optional<std::string>& stale,
                 const std::function<void()>& rebuild, FullTextRepair* repair) {
  const std::string db_name = "database '" + impl.path.string() + "'";
  if (impl.schema_version < spec.schema) {
    throw StoreError(StoreErrc::kSchema, db_name + " has schema version " +
                                             std::to_string(impl.schema_version) +
                                             " and is read-only: it has no " +
                                             std::string(spec.name) + ", and none can be made");
  }
  std::int64_t rows = 0;
  std::int64_t indexed = 0;
  {
    detail::Statement stmt(*impl.db, spec.count_sql);
    if (stmt.step()) {
      rows = stmt.column_int(0);
      indexed = stmt.column_int(1);
    }
  }
  const std::string gap = "it covered " + std::to_string(indexed) + " of " + std::to_string(rows) +
                          " " + std::string(spec.rows);
  if (rows != indexed && impl.is_read_only) {
    throw StoreError(StoreErrc::kCorrupt,
                     db_name + ": its " + std::string(spec.name) + " covers " +
                         std::to_string(indexed) + " of " + std::to_string(rows) + " " +
                         std::string(spec.rows) +
                         " and the database is read-only, so it cannot be rebuilt");
  }
  if (impl.is_read_only || (rows == indexed && !stale)) {
    return;
  }
  rebuild();
  if (repair != nullptr) {
    repair->was_rebuilt = true;
    repair->reason = stale ? *stale : gap;
  }
}

}  // namespace

namespace detail {

// The passages' tables (schema 5). meta 'passages_version' records the
// text::kPassageVersion they were cut by. The index is kept by the store,
// not by triggers: a trigger's insert into an FTS5 table is a statement of
// its own, after which FTS5 writes what it holds as a new segment, and one
// segment per passage made a first reprocess 1.25x slower. Rows are added
// and removed a batch at a time instead (replace_passages()).
constexpr std::string_view kPassageTables = R"sql(
CREATE TABLE passages(
  id       INTEGER PRIMARY KEY,
  item_id  INTEGER NOT NULL,
  title    TEXT NOT NULL,
  heading  TEXT NOT NULL,
  body     TEXT NOT NULL
);
CREATE INDEX passages_item ON passages(item_id);
CREATE VIRTUAL TABLE passages_fts USING fts5(
  title, heading, body,
  content = 'passages', content_rowid = 'id',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
)sql";

constexpr const char* kInsertPassage =
    "INSERT INTO passages(item_id, title, heading, body) VALUES(?1, ?2, ?3, ?4)";

// insert_passages() adds the rows of `item`'s passages (not to the index).
void insert_passages(Statement& insert, const PassageSource& item) {
  for (const text::Passage& p : text::split_passages(item.text, item.headings)) {
    insert.reset();
    insert.bind_int(1, item.item_id).bind_text(2, item.title).bind_text(3, p.heading);
    insert.bind_text(4, p.body);
    insert.run();
  }
}

void replace_passages(Database& db, std::span<const PassageSource> items) {
  if (items.empty()) {
    return;
  }
  std::string ids = "[";
  for (const PassageSource& item : items) {
    ids += (ids.size() > 1 ? "," : "") + std::to_string(item.item_id);
  }
  ids += "]";
  // Out of the index first (FTS5 deletes by the indexed values), then out
  // of the table.
  Statement unindex(db,
                    "INSERT INTO passages_fts(passages_fts, rowid, title, heading, body) "
                    "SELECT 'delete', id, title, heading, body FROM passages "
                    "WHERE item_id IN (SELECT value FROM json_each(?1))");
  unindex.bind_text(1, ids);
  unindex.run();
  Statement remove(db, "DELETE FROM passages WHERE item_id IN (SELECT value FROM json_each(?1))");
  remove.bind_text(1, ids);
  remove.run();
  // New rows get ids above every row left, so the ones to index are those
  // above that maximum.
  std::int64_t last_id = 0;
  {
    Statement max_id(db, "SELECT coalesce(max(id), 0) FROM passages");
    if (max_id.step()) {
      last_id = max_id.column_int(0);
    }
  }
  Statement insert(db, kInsertPassage);
  for (const PassageSource& item : items) {
    insert_passages(insert, item);
  }
  Statement index(db,
                  "INSERT INTO passages_fts(rowid, title, heading, body) "
                  "SELECT id, title, heading, body FROM passages WHERE id > ?1");
  index.bind_int(1, last_id);
  index.run();
}

void recut_all_passages(Database& db) {
  // Made anew rather than emptied: deleting rows from the index would read
  // an index that may be the damaged thing being repaired.
  db.exec("DROP TABLE IF EXISTS passages_fts; DROP TABLE IF EXISTS passages");
  db.exec(kPassageTables);
  Statement items(db,
                  "SELECT id, coalesce(title, ''), coalesce(headings, ''), text FROM items "
                  "WHERE text IS NOT NULL AND text != '' ORDER BY id");
  Statement insert(db, kInsertPassage);
  while (items.step()) {
    const std::string title = items.column_text(1);
    const std::string headings = items.column_text(2);
    const std::string text = items.column_text(3);
    insert_passages(insert, PassageSource{items.column_int(0), title, headings, text});
  }
  db.exec("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')");
  Statement version(db,
                    "INSERT INTO meta(key, value) VALUES('passages_version', ?1) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  version.bind_text(1, std::to_string(text::kPassageVersion));
  version.run();
}

}  // namespace detail

std::vector<TextMatch> Store::search_text(const TextQuery& query, std::size_t k,
                                          FullTextRepair* repair) {
  impl_->use_search_cache();
  // Every item has a row in the index (the triggers add one with the item),
  // so the counts differ only when rows were lost.
  check_index(
      *impl_,
      IndexSpec{3, "full-text index", "items",
                "SELECT (SELECT count(*) FROM items), "
                "(SELECT count(*) FROM items_fts_docsize)"},
      std::nullopt, [this] { rebuild_full_text(); }, repair);
  detail::Database& db = *impl_->db;
  std::vector<TextMatch> matches;
  if ((query.words.empty() && query.phrases.empty()) || k == 0) {
    return matches;
  }
  detail::Statement stmt(db,
                         "SELECT rowid, bm25(items_fts, 10.0, 5.0, 1.0) FROM items_fts "
                         "WHERE items_fts MATCH ?1 ORDER BY bm25(items_fts, 10.0, 5.0, 1.0), "
                         "rowid LIMIT ?2");
  stmt.bind_text(1, fts_query(query)).bind_int(2, static_cast<std::int64_t>(k));
  while (stmt.step()) {
    matches.push_back(TextMatch{stmt.column_int(0), -stmt.column_double(1)});
  }
  return matches;
}

void Store::rebuild_full_text() {
  require_writable("rebuilding the full-text index");
  detail::Database& db = *impl_->db;
  detail::Transaction tx(db);
  db.exec("INSERT INTO items_fts(items_fts) VALUES ('rebuild')");
  tx.commit();
}

std::vector<PassageMatch> Store::search_passages(const TextQuery& query, std::size_t k,
                                                 FullTextRepair* repair, PassageTexts* texts) {
  impl_->use_search_cache();
  // Read-only, passages of an older cut still serve; a damaged index does not.
  std::optional<std::string> stale;
  if (get_meta("passages_version") != std::to_string(text::kPassageVersion)) {
    stale = "the passages were cut by another version";
  }
  check_index(
      *impl_,
      IndexSpec{5, "passage index", "passages",
                "SELECT (SELECT count(*) FROM passages), "
                "(SELECT count(*) FROM passages_fts_docsize)"},
      stale, [this] { rebuild_passages(); }, repair);
  detail::Database& db = *impl_->db;
  std::vector<PassageMatch> matches;
  if ((query.words.empty() && query.phrases.empty()) || k == 0) {
    return matches;
  }
  // The best passages, until k items are found (and the texts asked for
  // are read).
  const std::size_t text_limit = texts != nullptr ? texts->limit : 0;
  detail::Statement stmt(db,
                         "SELECT rowid, bm25(passages_fts, 5.0, 5.0, 1.0) AS score FROM "
                         "passages_fts WHERE passages_fts MATCH ?1 ORDER BY score, rowid LIMIT ?2");
  stmt.bind_text(1, fts_query(query))
      .bind_int(2, static_cast<std::int64_t>(std::max(k * kPassagesPerItem, text_limit)));
  // One row read per passage: with its title and body while texts are
  // asked for, without them after (a statement reads every column it
  // selects).
  detail::Statement passage(db, "SELECT item_id, heading FROM passages WHERE id = ?1");
  detail::Statement with_text(db,
                              "SELECT item_id, heading, title, body FROM passages WHERE id = ?1");
  std::unordered_set<std::int64_t> seen;
  std::size_t read = 0;
  while ((matches.size() < k || read < text_limit) && stmt.step()) {
    const bool wants_text = read++ < text_limit;
    detail::Statement& row = wants_text ? with_text : passage;
    row.reset();
    row.bind_int(1, stmt.column_int(0));
    if (!row.step()) {
      continue;  // cannot happen: the index and the table change together
    }
    const std::int64_t item = row.column_int(0);
    if (wants_text) {
      texts->found.push_back(
          PassageTexts::Passage{item, row.column_text(2), row.column_text(1), row.column_text(3)});
    }
    if (matches.size() < k && seen.insert(item).second) {
      matches.push_back(PassageMatch{item, -stmt.column_double(1), row.column_text(1)});
    }
  }
  return matches;
}

void Store::rebuild_passages() {
  require_writable("rebuilding the passages");
  detail::Database& db = *impl_->db;
  detail::Transaction tx(db);
  detail::recut_all_passages(db);
  tx.commit();
}

}  // namespace knot::pipeline
