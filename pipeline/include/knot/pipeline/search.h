// Search: rank the stored articles by cosine similarity to a query.
//
//   SearchHit        one result: id, title, path, score
//   embed_query()    the query through the same tokenizer and model as the items
//   search_exact()   every stored vector of the model, scored (parallel_for), top k
//
// The vectors come from the embedder's model only: vectors of another model
// live in another space and are never compared. The HNSW index (hnsw_index.h)
// answers the same question approximately for large collections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "knot/pipeline/store.h"
#include "knot/text/embedder.h"

namespace knot::pipeline {

struct SearchHit {
  std::int64_t id = 0;
  std::string title;
  std::string source_path;
  float score = 0;  // cosine similarity, -1..1
};

// embed_query() tokenizes and embeds `query`. Throws std::invalid_argument
// if the query has no words the tokenizer keeps.
std::vector<float> embed_query(const text::Embedder& embedder, std::string_view query);

// ScoredId is an item id and its score.
struct ScoredId {
  std::int64_t id = 0;
  float score = 0;
};

// top_k_exact() scores every vector against `query` (cosine, in parallel on
// the current pool) and returns the k best, best first; ties by id.
std::vector<ScoredId> top_k_exact(std::span<const StoredVector> vectors,
                                  std::span<const float> query, std::size_t k);

// search_exact() is the exact search over the store: load the model's
// vectors, top_k_exact, then titles and paths.
std::vector<SearchHit> search_exact(const Store& store, const text::Embedder& embedder,
                                    std::string_view query, std::size_t k);

// to_hits() fills in titles and paths of scored ids (in order).
std::vector<SearchHit> to_hits(const Store& store, std::span<const ScoredId> scored);

}  // namespace knot::pipeline
