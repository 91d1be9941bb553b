// Store's private state, shared by store.cc (opening, schema, runs, meta,
// statistics) and store_items.cc (documents, items, vectors).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "knot/pipeline/store.h"
#include "sqlite.h"

namespace knot::pipeline {

struct Store::Impl {
  std::filesystem::path path;
  bool is_read_only = false;
  std::int64_t schema_version = 0;  // as found; kSchemaVersion once writable
  std::unique_ptr<detail::Database> db;
};

namespace detail {

// encode_vector() / decode_vector(): an embedding as a BLOB of little-endian
// IEEE-754 floats (the host's layout; knot-embed targets little-endian hosts).
std::string encode_vector(const std::vector<float>& vector);
std::vector<float> decode_vector(std::string_view blob);

}  // namespace detail

}  // namespace knot::pipeline
