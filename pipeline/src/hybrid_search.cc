// Hybrid search (hybrid_search.h): BM25 and vectors, fused.
#include "knot/pipeline/hybrid_search.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "knot/runtime/parallel_for.h"
#include "knot/text/lsa.h"

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

ListWeights fusion_weights(std::string_view model_id) {
  ListWeights weights = kEqualWeights;
  if (text::is_lsa_model_id(model_id)) {
    weights[static_cast<std::size_t>(RankedList::kVector)] = kLearnedVectorWeight;
  }
  return weights;
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
                std::vector<PassageMatch>& passages, PassageTexts* texts) {
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
    passages = store.search_passages(query, depth, &outcome.passage_repair, texts);
  } catch (const StoreError& e) {
    if (e.code() != StoreErrc::kSchema) {
      throw;
    }
    outcome.passages_skipped = e.what();  // an old read-only database: pages only
  }
}

// by_meaning() ranks the items of `found` (BM25's best passages, best
// first) by the cosine of their best passage's vector with the query's,
// ties in BM25's order; empty when the query has no vector (no word the
// model knows).
std::vector<std::int64_t> by_meaning(const text::Embedder& embedder, std::string_view query,
                                     const std::vector<PassageTexts::Passage>& found) {
  const std::vector<float> q = embed_query(embedder, query);
  if (std::all_of(q.begin(), q.end(), [](float x) { return x == 0.0f; })) {
    return {};
  }
  std::vector<float> cosines(found.size());
  knot::parallel_for(std::size_t{0}, found.size(), [&](std::size_t i) {
    const PassageTexts::Passage& p = found[i];
    cosines[i] = text::cosine(embedder.embed_article(p.title, p.heading, p.body), q);
  });
  struct Best {
    float cosine;
    std::size_t first;  // the item's first place in `found`
    std::int64_t id;
  };
  std::vector<Best> items;
  std::unordered_map<std::int64_t, std::size_t> slot;
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto [it, added] = slot.emplace(found[i].item_id, items.size());
    if (added) {
      items.push_back(Best{cosines[i], i, found[i].item_id});
    } else {
      items[it->second].cosine = std::max(items[it->second].cosine, cosines[i]);
    }
  }
  std::sort(items.begin(), items.end(), [](const Best& a, const Best& b) {
    return a.cosine != b.cosine ? a.cosine > b.cosine : a.first < b.first;
  });
  std::vector<std::int64_t> ids;
  ids.reserve(items.size());
  for (const Best& b : items) {
    ids.push_back(b.id);
  }
  return ids;
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
  PassageTexts texts{request.mode == SearchMode::kHybrid ? request.meaning_depth : 0, {}};
  if (outcome.used_text) {
    text_lists(store, request, depth, outcome, pages, passages, &texts);
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
  std::vector<std::int64_t> meaning;
  if (outcome.used_vectors && !texts.found.empty()) {
    meaning = by_meaning(embedder, request.query, texts.found);
    meaning.resize(std::min(meaning.size(), depth));
  }
  const std::vector<std::int64_t> vector_ids = ids_of(vector_hits);
  const std::vector<std::int64_t> page_ids = ids_of(pages);
  const std::vector<std::int64_t> passage_ids = ids_of(passages);
  const std::vector<FusedId> fused = fuse_rrf(RankedIds{vector_ids, page_ids, passage_ids, meaning},
                                              request.k, fusion_weights(embedder.model_id()));
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
    hit.vector_rank = fused[j].rank(RankedList::kVector);
    hit.text_rank = fused[j].rank(RankedList::kText);
    hit.passage_rank = fused[j].rank(RankedList::kPassage);
    hit.passage_vector_rank = fused[j].rank(RankedList::kPassageVector);
    if (hit.passage_rank != 0) {
      hit.section = passages[hit.passage_rank - 1].heading;
    }
  }
  return outcome;
}

}  // namespace knot::pipeline
