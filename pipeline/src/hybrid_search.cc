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

// text_lists() fills the two full-text lists of a search: pages and
// passages. A read-only database older than either index is searched
// without it, and `outcome` says why; bm25 mode needs the pages' index.
void text_lists(Store& store, const SearchRequest& request, std::size_t depth,
                SearchOutcome& outcome, std::vector<TextMatch>& pages,
                std::vector<PassageMatch>& passages) {
  const TextQuery query = text_query(request.query);
  try {
    pages = store.search_text(query, depth, &outcome.text_repair);
  } catch (const StoreError& e) {
    if (request.mode != SearchMode::kHybrid || e.code() != StoreErrc::kSchema) {
      throw;
    }
    outcome.text_skipped = e.what();  // an old read-only database: the vectors alone
    outcome.used_text = false;
    return;
  }
  try {
    passages = store.search_passages(query, depth, &outcome.passage_repair);
  } catch (const StoreError& e) {
    if (e.code() != StoreErrc::kSchema) {
      throw;
    }
    outcome.passages_skipped = e.what();  // an old read-only database: pages only
  }
}

std::vector<std::int64_t> ids_of(const auto& ranked) {
  std::vector<std::int64_t> ids;
  ids.reserve(ranked.size());
  for (const auto& m : ranked) {
    ids.push_back(m.id);
  }
  return ids;
}

}  // namespace

SearchOutcome search(Store& store, const text::Embedder& embedder, const SearchRequest& request) {
  SearchOutcome outcome;
  outcome.used_vectors = request.mode != SearchMode::kBm25;
  outcome.used_text = request.mode != SearchMode::kVector;
  const std::size_t depth =
      request.mode == SearchMode::kVector ? request.k : std::max(request.k, kFusionDepth);
  std::vector<TextMatch> pages;
  std::vector<PassageMatch> passages;
  if (outcome.used_text) {
    text_lists(store, request, depth, outcome, pages, passages);
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
  const std::vector<FusedId> fused =
      fuse_rrf(ids_of(vector_hits), ids_of(pages), ids_of(passages), request.k);
  std::vector<ScoredId> scored;
  scored.reserve(fused.size());
  for (const FusedId& f : fused) {
    scored.push_back(ScoredId{f.id, static_cast<float>(f.score)});
  }
  outcome.hits = to_hits(store, scored);
  for (std::size_t i = 0, j = 0; i < outcome.hits.size(); ++i) {
    while (fused[j].id != outcome.hits[i].id) {
      ++j;  // to_hits() leaves out items deleted meanwhile
    }
    SearchHit& hit = outcome.hits[i];
    hit.vector_rank = fused[j].vector_rank;
    hit.text_rank = fused[j].text_rank;
    hit.passage_rank = fused[j].passage_rank;
    if (hit.passage_rank != 0) {
      hit.section = passages[hit.passage_rank - 1].heading;
    }
  }
  return outcome;
}

}  // namespace knot::pipeline
