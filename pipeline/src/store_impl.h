// Store's private state, shared by store.cc (opening, schema, runs, meta,
// statistics) and store_items.cc (documents, items, vectors).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "knot/pipeline/store.h"
#include "sqlite.h"

namespace knot::pipeline {

struct Store::Impl {
  std::filesystem::path path;
  bool is_read_only = false;
  std::int64_t schema_version = 0;  // as found; kSchemaVersion once writable
  std::unique_ptr<detail::Database> db;
  bool has_search_cache = false;

  // use_search_cache() grows the connection's page cache from SQLite's
  // 2 MiB to up to 32 MiB, once, at its first search (store.cc says why).
  void use_search_cache();
};

namespace detail {

// encode_vector() / decode_vector(): an embedding as a BLOB of little-endian
// IEEE-754 floats (the host's layout; knot-embed targets little-endian hosts).
std::string encode_vector(const std::vector<float>& vector);
std::vector<float> decode_vector(std::string_view blob);

// PassageSource is an item's new text, to be cut into passages.
struct PassageSource {
  std::int64_t item_id = 0;
  std::string_view title;
  std::string_view headings;
  std::string_view text;
};

// replace_passages() replaces the passages of `items` by those of their
// new texts (text::split_passages()), table and index; the caller holds a
// transaction.
void replace_passages(Database& db, std::span<const PassageSource> items);

// recut_all_passages() deletes every passage, cuts every item's text again
// and records text::kPassageVersion; the caller holds a transaction.
void recut_all_passages(Database& db);

}  // namespace detail

}  // namespace knot::pipeline
