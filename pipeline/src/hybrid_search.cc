// Hybrid search (hybrid_search.h): BM25 and vectors, fused.
#include "knot/pipeline/hybrid_search.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace knot::pipeline {

std::optional<SearchMode> parse_search_mode(std::string_view name) {
  if (name == "hybrid") {
    return SearchMode::kHybrid;
  }
  if (name == "bm25") {
    return SearchMode::kBm25;
  }
  if (name == "vector") {
    return SearchMode::kVector;
  }
  return std::nullopt;
}

std::string_view to_string(SearchMode mode) {
  switch (mode) {
    case SearchMode::kHybrid:
      return "hybrid";
    case SearchMode::kBm25:
      return "bm25";
    case SearchMode::kVector:
      return "vector";
  }
  return "?";
}

namespace {

std::vector<SearchHit> vector_search(Store& store, const text::Embedder& embedder,
                                     const SearchRequest& request, std::size_t depth,
                                     SearchOutcome& outcome) {
  if (request.index == VectorIndex::kHnsw) {
    outcome.hnsw_info.emplace();
    return search_hnsw(store, embedder, request.query, depth, &*outcome.hnsw_info);
  }
  return search_exact(store, embedder, request.query, depth);
}

}  // namespace

SearchOutcome search(Store& store, const text::Embedder& embedder, const SearchRequest& request) {
  SearchOutcome outcome;
  outcome.used_vectors = request.mode != SearchMode::kBm25;
  outcome.used_text = request.mode != SearchMode::kVector;
  const std::size_t depth =
      request.mode == SearchMode::kHybrid ? std::max(request.k, kFusionDepth) : request.k;
  std::vector<TextMatch> text_ranked;
  if (outcome.used_text) {
    try {
      text_ranked = store.search_text(query_words(request.query), depth, &outcome.text_repair);
    } catch (const StoreError& e) {
      if (request.mode != SearchMode::kHybrid || e.code() != StoreErrc::kSchema) {
        throw;
      }
      outcome.text_skipped = e.what();  // an old read-only database: the vectors alone
      outcome.used_text = false;
    }
  }
  std::vector<SearchHit> vector_hits;
  if (outcome.used_vectors) {
    vector_hits = vector_search(store, embedder, request, depth, outcome);
  }
  if (!outcome.used_text) {
    vector_hits.resize(std::min(vector_hits.size(), request.k));
    outcome.hits = std::move(vector_hits);
    return outcome;
  }
  std::vector<std::int64_t> vector_ids;
  vector_ids.reserve(vector_hits.size());
  for (const SearchHit& h : vector_hits) {
    vector_ids.push_back(h.id);
  }
  std::vector<std::int64_t> text_ids;
  text_ids.reserve(text_ranked.size());
  for (const TextMatch& m : text_ranked) {
    text_ids.push_back(m.id);
  }
  const std::vector<FusedId> fused = fuse_rrf(vector_ids, text_ids, request.k);
  std::vector<ScoredId> scored;
  scored.reserve(fused.size());
  for (const FusedId& f : fused) {
    // bm25 alone: the list's own score; hybrid: the fused one.
    const double score = outcome.used_vectors ? f.score : text_ranked[f.text_rank - 1].score;
    scored.push_back(ScoredId{f.id, static_cast<float>(score)});
  }
  outcome.hits = to_hits(store, scored);
  for (std::size_t i = 0, j = 0; i < outcome.hits.size(); ++i) {
    while (fused[j].id != outcome.hits[i].id) {
      ++j;  // to_hits() leaves out items deleted meanwhile
    }
    outcome.hits[i].vector_rank = fused[j].vector_rank;
    outcome.hits[i].text_rank = fused[j].text_rank;
  }
  return outcome;
}

}  // namespace knot::pipeline
