// Store: learned embedding models (schema 4, store.cc): install, load, the
// search model.
#include <string>

#include "knot/pipeline/store.h"
#include "sqlite.h"
#include "store_impl.h"

namespace knot::pipeline {

namespace {

constexpr std::string_view kSearchModelKey = "search_model";

StoredModel read_model(const detail::Statement& stmt) {
  const std::string_view blob = stmt.column_blob(4);
  return StoredModel{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                     stmt.column_text(3), std::string(blob)};
}

// write_vectors() stores each embedding as `model_id`'s and grows the
// embeddings generation (the HNSW index then rebuilds), inside the
// caller's transaction.
void write_vectors(detail::Database& db, std::string_view model_id,
                   std::span<const ItemEmbedding> embeddings) {
  detail::Statement vector(db,
                           "UPDATE items SET embedding = ?1, model_id = ?2, "
                           "embedded_text_hash = ?3, embedded_at = ?4 WHERE id = ?5");
  const std::string now = now_iso8601();
  for (const ItemEmbedding& e : embeddings) {
    vector.reset();
    if (e.vector.empty()) {
      vector.bind_null(1);
    } else {
      const std::string blob = detail::encode_vector(e.vector);
      vector.bind_blob(1, blob.data(), blob.size());
    }
    vector.bind_text(2, model_id);
    vector.bind_text(3, e.text_hash).bind_text(4, now).bind_int(5, e.id);
    vector.run();
  }
  db.exec(
      "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
      "WHERE key = 'embeddings_generation'");
}

}  // namespace

void Store::install_model(const StoredModel& model, std::span<const ItemEmbedding> embeddings) {
  require_writable("installing a model");
  if (impl_->schema_version < 4) {
    throw StoreError(StoreErrc::kSchema,
                     "database '" + impl_->path.string() + "' is too old to keep a learned model");
  }
  detail::Database& db = *impl_->db;
  detail::Transaction tx(db);
  {
    detail::Statement drop(db, "DELETE FROM models WHERE kind = ?1 AND id != ?2");
    drop.bind_text(1, model.kind).bind_text(2, model.id);
    drop.run();
    detail::Statement put(db,
                          "INSERT OR REPLACE INTO models(id, kind, corpus, created_at, parameters) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)");
    put.bind_text(1, model.id).bind_text(2, model.kind).bind_text(3, model.corpus);
    put.bind_text(4, model.created_at.empty() ? now_iso8601() : model.created_at);
    put.bind_blob(5, model.parameters.data(), model.parameters.size());
    put.run();
  }
  write_vectors(db, model.id, embeddings);
  {
    detail::Statement meta(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
    meta.bind_text(1, kSearchModelKey).bind_text(2, model.id);
    meta.run();
  }
  tx.commit();
}

void Store::write_embeddings(std::string_view model_id, std::span<const ItemEmbedding> embeddings) {
  require_writable("writing embeddings");
  detail::Database& db = *impl_->db;
  detail::Transaction tx(db);
  write_vectors(db, model_id, embeddings);
  tx.commit();
}

std::optional<StoredModel> Store::load_model(std::string_view id) const {
  if (impl_->schema_version < 4) {
    return std::nullopt;
  }
  detail::Statement stmt(
      *impl_->db, "SELECT id, kind, corpus, created_at, parameters FROM models WHERE id = ?1");
  stmt.bind_text(1, id);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return read_model(stmt);
}

std::optional<StoredModel> Store::latest_model(std::string_view kind) const {
  if (impl_->schema_version < 4) {
    return std::nullopt;
  }
  detail::Statement stmt(*impl_->db,
                         "SELECT id, kind, corpus, created_at, parameters FROM models "
                         "WHERE kind = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1");
  stmt.bind_text(1, kind);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return read_model(stmt);
}

std::optional<std::string> Store::search_model() const {
  return get_meta(kSearchModelKey);
}

void Store::set_search_model(std::string_view model_id) {
  set_meta(kSearchModelKey, model_id);
}

}  // namespace knot::pipeline
