// Store: the item operations (documents from ingest, batches for the
// pipeline's reader, results from its writer, vectors for search) and the
// embedding BLOB encoding.
#include <bit>
#include <cstring>
#include <string>

#include "knot/pipeline/store.h"
#include "sqlite.h"
#include "store_impl.h"

namespace knot::pipeline {

static_assert(std::endian::native == std::endian::little,
              "embeddings are stored as little-endian floats");

namespace detail {

std::string encode_vector(const std::vector<float>& vector) {
  std::string blob(vector.size() * sizeof(float), '\0');
  if (!vector.empty()) {
    std::memcpy(blob.data(), vector.data(), blob.size());
  }
  return blob;
}

std::vector<float> decode_vector(std::string_view blob) {
  std::vector<float> vector(blob.size() / sizeof(float));
  if (!vector.empty()) {
    std::memcpy(vector.data(), blob.data(), vector.size() * sizeof(float));
  }
  return vector;
}

}  // namespace detail

// ---- Documents --------------------------------------------------------------

std::unordered_map<std::string, std::string> Store::content_hashes() const {
  std::unordered_map<std::string, std::string> hashes;
  detail::Statement stmt(*impl_->db, "SELECT source_path, content_hash FROM items");
  while (stmt.step()) {
    hashes.emplace(stmt.column_text(0), stmt.column_text(1));
  }
  return hashes;
}

UpsertCounts Store::upsert_documents(std::span<const Document> documents) {
  require_writable("ingest");
  detail::Database& db = *impl_->db;
  UpsertCounts counts;
  detail::Transaction tx(db);
  // Each write prepares its statements once per transaction, at its top
  // (here and in the other writes of this file): alike in shape only.
  detail::Statement find(db, "SELECT id, content_hash FROM items WHERE source_path = ?");
  detail::Statement insert(db,
                           "INSERT INTO items(source_path, content_hash, size_bytes, ingested_at, "
                           "updated_at) VALUES(?1, ?2, ?3, ?4, ?4)");
  detail::Statement update(db,
                           "UPDATE items SET content_hash = ?2, size_bytes = ?3, updated_at = ?4 "
                           "WHERE id = ?1");
  detail::Statement source(db,
                           "INSERT INTO sources(item_id, raw_html) VALUES(?1, ?2) "
                           "ON CONFLICT(item_id) DO UPDATE SET raw_html = excluded.raw_html");
  const std::string now = now_iso8601();
  for (const Document& doc : documents) {
    find.reset();
    find.bind_text(1, doc.source_path);
    std::optional<std::int64_t> id;
    std::string old_hash;
    if (find.step()) {
      id = find.column_int(0);
      old_hash = find.column_text(1);
    }
    find.reset();
    if (id && old_hash == doc.content_hash) {
      ++counts.unchanged;
      continue;
    }
    const auto size = static_cast<std::int64_t>(doc.raw_html.size());
    if (id) {
      update.reset();
      update.bind_int(1, *id).bind_text(2, doc.content_hash).bind_int(3, size).bind_text(4, now);
      update.run();
      ++counts.updated;
    } else {
      insert.reset();
      insert.bind_text(1, doc.source_path).bind_text(2, doc.content_hash).bind_int(3, size);
      insert.bind_text(4, now);
      insert.run();
      id = db.last_insert_rowid();
      ++counts.added;
    }
    source.reset();
    source.bind_int(1, *id).bind_blob(2, doc.raw_html.data(), doc.raw_html.size());
    source.run();
  }
  tx.commit();
  return counts;
}

// ---- Items --------------------------------------------------------------------

std::int64_t Store::count_items() const {
  detail::Statement stmt(*impl_->db, "SELECT count(*) FROM items");
  return stmt.step() ? stmt.column_int(0) : 0;
}

std::vector<ItemInput> Store::read_batch(std::int64_t after_id, std::size_t limit) const {
  detail::Statement stmt(*impl_->db,
                         "SELECT i.id, i.source_path, s.raw_html, i.content_hash, i.model_id, "
                         "i.embedded_text_hash, i.embedding IS NOT NULL FROM items i "
                         "JOIN sources s ON s.item_id = i.id WHERE i.id > ? ORDER BY i.id LIMIT ?");
  stmt.bind_int(1, after_id).bind_int(2, static_cast<std::int64_t>(limit));
  std::vector<ItemInput> batch;
  batch.reserve(limit);
  while (stmt.step()) {
    ItemInput item;
    item.id = stmt.column_int(0);
    item.source_path = stmt.column_text(1);
    item.raw_html = std::string(stmt.column_blob(2));
    item.content_hash = stmt.column_text(3);
    item.model_id = stmt.column_optional_text(4);
    item.embedded_text_hash = stmt.column_optional_text(5);
    item.has_embedding = stmt.column_int(6) != 0;
    batch.push_back(std::move(item));
  }
  return batch;
}

void Store::write_results(std::span<const ItemResult> results) {
  require_writable("writing results");
  if (results.empty()) {
    return;
  }
  detail::Database& db = *impl_->db;
  detail::Transaction tx(db);
  detail::Statement text(db,
                         "UPDATE items SET title = ?1, text = ?2, text_hash = ?3, "
                         "extracted_content_hash = ?4, extractor_version = ?5, warning = ?6, "
                         "extracted_at = ?7, headings = ?9 WHERE id = ?8");
  detail::Statement vector(db,
                           "UPDATE items SET embedding = ?1, model_id = ?2, "
                           "embedded_text_hash = ?3, embedded_at = ?4 WHERE id = ?5");
  const std::string now = now_iso8601();
  bool stored_embedding = false;
  // The passages are cut again only when the text they come from changed:
  // the writer sets every item's text on every run. They are written for
  // the whole batch at once (replace_passages()).
  std::vector<detail::PassageSource> changed;
  detail::Statement unchanged(db,
                              "SELECT title IS ?2 AND text_hash IS ?3 AND headings IS ?4 "
                              "FROM items WHERE id = ?1");
  for (const ItemResult& r : results) {
    unchanged.reset();
    unchanged.bind_int(1, r.id).bind_text(2, r.title).bind_text(3, r.text_hash);
    unchanged.bind_text(4, r.headings);
    const bool text_changed = !unchanged.step() || unchanged.column_int(0) == 0;
    unchanged.reset();
    text.reset();
    text.bind_text(1, r.title).bind_text(2, r.text).bind_text(3, r.text_hash);
    text.bind_text(4, r.extracted_content_hash).bind_int(5, r.extractor_version);
    if (r.warning.empty()) {
      text.bind_null(6);
    } else {
      text.bind_text(6, r.warning);
    }
    text.bind_text(7, now).bind_int(8, r.id).bind_text(9, r.headings);
    text.run();
    if (text_changed) {
      changed.push_back(detail::PassageSource{r.id, r.title, r.headings, r.text});
    }
    if (!r.updates_embedding) {
      continue;
    }
    vector.reset();
    if (r.embedding) {
      std::string blob = detail::encode_vector(*r.embedding);
      vector.bind_blob(1, blob.data(), blob.size());
    } else {
      vector.bind_null(1);
    }
    vector.bind_text(2, r.model_id).bind_text(3, r.text_hash).bind_text(4, now).bind_int(5, r.id);
    vector.run();
    stored_embedding = true;
  }
  detail::replace_passages(db, changed);
  if (stored_embedding) {
    db.exec(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
        "WHERE key = 'embeddings_generation'");
  }
  tx.commit();
}

// ---- Vectors ------------------------------------------------------------------

std::vector<StoredVector> Store::load_vectors(std::string_view model_id) const {
  impl_->use_search_cache();
  detail::Statement stmt(*impl_->db,
                         "SELECT id, embedding FROM items WHERE model_id = ? AND embedding IS "
                         "NOT NULL ORDER BY id");
  stmt.bind_text(1, model_id);
  std::vector<StoredVector> vectors;
  while (stmt.step()) {
    vectors.push_back(StoredVector{stmt.column_int(0), detail::decode_vector(stmt.column_blob(1))});
  }
  return vectors;
}

std::vector<StoredText> Store::load_texts() const {
  detail::Statement stmt(*impl_->db,
                         "SELECT id, coalesce(title, ''), coalesce(headings, ''), text, "
                         "coalesce(text_hash, '') FROM items WHERE text IS NOT NULL AND text != '' "
                         "ORDER BY id");
  std::vector<StoredText> texts;
  while (stmt.step()) {
    texts.push_back(StoredText{stmt.column_int(0), stmt.column_text(1), stmt.column_text(2),
                               stmt.column_text(3), stmt.column_text(4)});
  }
  return texts;
}

std::int64_t Store::count_not_embedded_by(std::string_view model_id) const {
  detail::Statement stmt(*impl_->db,
                         "SELECT count(*) FROM items WHERE text IS NOT NULL AND text != '' AND "
                         "(model_id IS NOT ?1 OR embedded_text_hash IS NOT text_hash)");
  stmt.bind_text(1, model_id);
  return stmt.step() ? stmt.column_int(0) : 0;
}

std::int64_t Store::count_vectors(std::string_view model_id) const {
  detail::Statement stmt(*impl_->db,
                         "SELECT count(*) FROM items WHERE model_id = ? AND embedding IS NOT NULL");
  stmt.bind_text(1, model_id);
  return stmt.step() ? stmt.column_int(0) : 0;
}

std::vector<ItemInfo> Store::item_infos(std::span<const std::int64_t> ids) const {
  detail::Statement stmt(*impl_->db,
                         "SELECT id, coalesce(title, ''), source_path FROM items WHERE id = ?");
  std::vector<ItemInfo> infos;
  infos.reserve(ids.size());
  for (std::int64_t id : ids) {
    stmt.reset();
    stmt.bind_int(1, id);
    if (stmt.step()) {
      infos.push_back(ItemInfo{stmt.column_int(0), stmt.column_text(1), stmt.column_text(2)});
    }
  }
  return infos;
}

}  // namespace knot::pipeline
