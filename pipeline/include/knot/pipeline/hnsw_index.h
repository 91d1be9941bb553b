// HnswIndex: an approximate nearest-neighbour index (hnswlib's HNSW graph)
// over the stored vectors of one model, persisted next to the database.
//
//   HnswOptions     graph degree, build and search breadth
//   HnswIndexInfo   where the index is, whether it was rebuilt and why
//   HnswIndex       open (load or rebuild), search
//   search_hnsw()   the CLI's `search --index hnsw`
//
// The index lives in FILE.hnsw beside the database FILE. The meta table
// records what it was built from (model, dimensions, item count, the
// embeddings generation, the file's size); when any of these no longer
// matches the table, open() rebuilds it, so the index never answers for a
// table it does not reflect. Inner-product space over L2-normalized vectors:
// the score is the cosine similarity, as in exact search.
//
// The file carries what it was built from (model, dimensions, item count)
// and a checksum (src/hnsw_file.h); open() hands hnswlib only a file that
// verifies, so a damaged file is rebuilt (rebuild_reason says why), never
// loaded. Saving checks the graph hnswlib saved, writes the file privately
// (0600) to a temporary file and renames it, then updates the meta values:
// a crash in between leaves a stale record, hence a rebuild, never a wrong
// answer. Building inserts sequentially, so a rebuilt index is the same for
// the same table.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "knot/pipeline/search.h"
#include "knot/pipeline/store.h"
#include "knot/text/embedder.h"

namespace knot::pipeline {

struct HnswOptions {
  std::size_t m = 16;                 // links per node
  std::size_t ef_construction = 200;  // breadth while building
  std::size_t ef_search = 100;        // breadth while searching (at least k)
};

struct HnswIndexInfo {
  std::filesystem::path path;
  std::size_t size = 0;  // vectors in the index
  bool was_rebuilt = false;
  std::string rebuild_reason;  // empty when it was loaded
  bool is_persisted = false;   // false when the database is read-only
};

class HnswIndex {
 public:
  // path_for() is FILE.hnsw for database FILE.
  static std::filesystem::path path_for(const std::filesystem::path& db_path);

  // staleness() says why the index file does not match the table for
  // `model_id`, or is empty when it does.
  static std::string staleness(const Store& store, std::string_view model_id,
                               std::size_t dimensions);

  // open() loads the index for `model_id` when it is current, else builds it
  // from the table and saves it (unless the store is read-only). Throws
  // StoreError, or std::runtime_error when the file cannot be written.
  static HnswIndex open(Store& store, std::string_view model_id, std::size_t dimensions,
                        const HnswOptions& options = {});

  HnswIndex(HnswIndex&&) noexcept;
  HnswIndex& operator=(HnswIndex&&) noexcept;
  ~HnswIndex();

  // search() returns the k nearest vectors to `query`, best first.
  std::vector<ScoredId> search(std::span<const float> query, std::size_t k) const;

  const HnswIndexInfo& info() const noexcept;

  struct Impl;

 private:
  explicit HnswIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// search_hnsw() embeds `query` and searches the (opened or rebuilt) index.
// `info`, when given, receives what open() did.
std::vector<SearchHit> search_hnsw(Store& store, const text::Embedder& embedder,
                                   std::string_view query, std::size_t k,
                                   HnswIndexInfo* info = nullptr);

}  // namespace knot::pipeline
