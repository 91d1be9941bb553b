// Search: rank the stored articles by cosine similarity to a query, by
// BM25 over their words, or by both fused.
//
//   SearchHit        one result: id, title, path, score, its rank in each list
//   embed_query()    the query through the same tokenizer and model as the items
//   search_exact()   every stored vector of the model, scored (parallel_for), top k
//   query_words()    the query's words for full-text search
//   text_query()     its words and adjacent pairs, for full-text search
//   fuse_rrf()       reciprocal rank fusion of ranked lists
//
// The vectors come from the embedder's model only: vectors of another model
// live in another space and are never compared. The HNSW index (hnsw_index.h)
// answers the same question approximately for large collections.
#pragma once

#include <array>
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
  float score = 0;  // vector mode: cosine similarity (-1..1); else the fused score
  // Hybrid search: the hit's rank (1 = first) in the vector list, the
  // full-text list of pages, that of passages, and that of the best
  // passages ranked by meaning (hybrid_search.h); 0 when it is not in that
  // list.
  std::size_t vector_rank = 0;
  std::size_t text_rank = 0;
  std::size_t passage_rank = 0;
  std::size_t passage_vector_rank = 0;
  // The heading of the section of the hit's best passage, when passages
  // took part and one matched ("" before the page's first heading).
  std::string section;
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

// query_words() is the query's distinct words, lower-case, in order,
// without stop words ("how", "do", "a"): what full-text search looks for.
std::vector<std::string> query_words(std::string_view query);

// text_query() is query_words() and, as phrases, each two words next to
// each other in the query once its stop words are left out ("read an
// environment variable": "read environment", "environment variable").
TextQuery text_query(std::string_view query);

// kRrfConstant is reciprocal rank fusion's k (Cormack, Clarke and
// Buettcher, 2009): an item at rank r of a list scores 1 / (20 + r). Their
// 60 was for lists 1000 deep; over four lists 50 deep it lets an item that
// most lists hold somewhere outrank one that a strong list holds first,
// and a weak list's votes (the hashed model's vectors) drown the others'.
// 20 was better on both judged sets, with both models (docs/benchmarks.md,
// "The fusion constant").
inline constexpr double kRrfConstant = 20.0;

// RankedList names the lists hybrid search fuses (hybrid_search.h).
enum class RankedList : std::size_t {
  kVector,         // the pages' vectors
  kText,           // BM25 over whole pages
  kPassage,        // BM25 over passages, a page at its best passage's rank
  kPassageVector,  // BM25's best passages ranked again by their vectors
};
inline constexpr std::size_t kRankedLists = 4;

// FusedId is one item of a fused list: its fused score and its 1-based rank
// in each input list (0: absent).
struct FusedId {
  std::int64_t id = 0;
  double score = 0;
  std::array<std::size_t, kRankedLists> ranks{};

  std::size_t rank(RankedList list) const { return ranks[static_cast<std::size_t>(list)]; }
};

// RankedIds is one input of fuse_rrf(): ids, best first, of one list.
using RankedIds = std::array<std::span<const std::int64_t>, kRankedLists>;

// ListWeights scales each list's votes in fuse_rrf(): an item at rank r of
// list l scores weight[l] / (kRrfConstant + r).
using ListWeights = std::array<double, kRankedLists>;
inline constexpr ListWeights kEqualWeights = {1.0, 1.0, 1.0, 1.0};

// fuse_rrf() fuses ranked lists of ids (best first; any may be empty; an
// id twice in one list counts at its first rank) by reciprocal rank fusion,
// each list's votes scaled by its weight, and returns the k best; ties by
// the better single rank, then id.
std::vector<FusedId> fuse_rrf(const RankedIds& lists, std::size_t k,
                              const ListWeights& weights = kEqualWeights);

}  // namespace knot::pipeline
