// Store: full-text search over the items (schema 3, store.cc): the FTS5
// index items_fts, its check and its rebuild.
#include <string>

#include "knot/pipeline/store.h"
#include "sqlite.h"
#include "store_impl.h"

namespace knot::pipeline {

namespace {

// fts_query() is FTS5's query for any of `words`: each one quoted (a
// phrase of one word: no operator or column filter can hide in it).
std::string fts_query(std::span<const std::string> words) {
  std::string query;
  for (const std::string& w : words) {
    if (!query.empty()) {
      query += " OR ";
    }
    query += '"';
    for (char c : w) {
      query += c;
      if (c == '"') {
        query += '"';
      }
    }
    query += '"';
  }
  return query;
}

}  // namespace

std::vector<TextMatch> Store::search_text(std::span<const std::string> words, std::size_t k,
                                          FullTextRepair* repair) {
  if (impl_->schema_version < 3) {
    throw StoreError(StoreErrc::kSchema,
                     "database '" + impl_->path.string() + "' has schema version " +
                         std::to_string(impl_->schema_version) +
                         " and is read-only: it has no full-text index, and none can be made");
  }
  detail::Database& db = *impl_->db;
  // Every item has a row in the index (the triggers add one with the item),
  // so the counts differ only when rows were lost.
  std::int64_t items = 0;
  std::int64_t indexed = 0;
  {
    detail::Statement stmt(db,
                           "SELECT (SELECT count(*) FROM items), "
                           "(SELECT count(*) FROM items_fts_docsize)");
    if (stmt.step()) {
      items = stmt.column_int(0);
      indexed = stmt.column_int(1);
    }
  }
  if (items != indexed) {
    if (impl_->is_read_only) {
      throw StoreError(StoreErrc::kCorrupt,
                       "database '" + impl_->path.string() + "': its full-text index covers " +
                           std::to_string(indexed) + " of " + std::to_string(items) +
                           " items and the database is read-only, so it cannot be rebuilt");
    }
    rebuild_full_text();
    if (repair != nullptr) {
      repair->was_rebuilt = true;
      repair->reason =
          "it covered " + std::to_string(indexed) + " of " + std::to_string(items) + " items";
    }
  }
  std::vector<TextMatch> matches;
  if (words.empty() || k == 0) {
    return matches;
  }
  detail::Statement stmt(db,
                         "SELECT rowid, bm25(items_fts, 10.0, 5.0, 1.0) FROM items_fts "
                         "WHERE items_fts MATCH ?1 ORDER BY bm25(items_fts, 10.0, 5.0, 1.0), "
                         "rowid LIMIT ?2");
  stmt.bind_text(1, fts_query(words)).bind_int(2, static_cast<std::int64_t>(k));
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

}  // namespace knot::pipeline
