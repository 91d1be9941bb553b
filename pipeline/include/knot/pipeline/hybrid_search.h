// Hybrid search: what `knot-embed search` runs, as a library call.
//
//   SearchMode      hybrid (BM25 and vectors fused), bm25, vector
//   VectorIndex     exact (every vector scored) or HNSW (approximate)
//   SearchRequest   the query, the mode, the index, how many hits
//   SearchOutcome   the hits, and what was repaired or left out on the way
//   search()        runs the request against a store
//
// Hybrid search takes the kFusionDepth best of four lists (or k, if more)
// and fuses them by reciprocal rank fusion (fuse_rrf, search.h): the
// pages' vectors, BM25 over whole pages, BM25 over passages (a page ranked
// by its best passage, text/passages.h), and BM25's kMeaningDepth best
// passages ranked again by meaning (each embedded at query time by the
// search's model, a page ranked by its passage closest to the query). The
// last finds the one section of a long page that answers, in words near
// the query's, where the page's vector is diluted by all its other
// sections. bm25 mode fuses the two BM25 lists. Each hit keeps its rank in
// every list and the section of its best passage.
//
// The lists vote alike, except the pages' vectors of a learned (LSA)
// model, which vote with kLearnedVectorWeight: that list alone ranks as
// well as BM25 alone or better (docs/benchmarks.md, "Weighing the
// learned model's vectors"). The hashed model's vectors, a weak list
// alone, vote as the others do.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knot/pipeline/hnsw_index.h"
#include "knot/pipeline/search.h"
#include "knot/pipeline/store.h"
#include "knot/text/embedder.h"

namespace knot::pipeline {

enum class SearchMode { kHybrid, kBm25, kVector };
enum class VectorIndex { kExact, kHnsw };

// parse_search_mode() reads "hybrid", "bm25" or "vector"; nullopt otherwise.
std::optional<SearchMode> parse_search_mode(std::string_view name);
std::string_view to_string(SearchMode mode);

// kLearnedVectorWeight is the weight of the pages' vectors of an LSA model
// in hybrid search's fusion (the other lists: 1).
inline constexpr double kLearnedVectorWeight = 1.5;

// fusion_weights() is what hybrid search weighs its lists by when it
// searches with the model `model_id`.
ListWeights fusion_weights(std::string_view model_id);

// kFusionDepth is how many hits of each list hybrid search fuses.
inline constexpr std::size_t kFusionDepth = 50;

// kMeaningDepth is how many of BM25's best passages hybrid search embeds
// and ranks again by their cosine with the query's vector (the fourth
// list).
inline constexpr std::size_t kMeaningDepth = 100;

struct SearchRequest {
  std::string query;
  SearchMode mode = SearchMode::kHybrid;
  VectorIndex index = VectorIndex::kExact;
  std::size_t k = 10;
  // Hybrid mode: how many of BM25's best passages are ranked again by
  // meaning (0: none, three lists).
  std::size_t meaning_depth = kMeaningDepth;
};

struct SearchOutcome {
  std::vector<SearchHit> hits;  // best first, at most k
  bool used_text = false;       // BM25 took part
  bool used_vectors = false;    // the vectors took part
  // Hybrid search over a read-only database too old to have a full-text
  // index runs on the vectors alone; this says why (empty otherwise).
  std::string text_skipped;
  // Search over a read-only database older than the passages (schema 5)
  // runs without them; this says why (empty otherwise).
  std::string passages_skipped;
  FullTextRepair text_repair;              // whether the FTS index was rebuilt
  FullTextRepair passage_repair;           // whether the passages were rebuilt
  std::optional<HnswIndexInfo> hnsw_info;  // what opening the HNSW index did
};

// search() runs `request`. Throws StoreError, std::invalid_argument (a
// query with no words to search for) or std::runtime_error (an index that
// cannot be written).
SearchOutcome search(Store& store, const text::Embedder& embedder, const SearchRequest& request);

}  // namespace knot::pipeline
