// Exact search: cosine over every stored vector of the model (search.h).
#include "knot/pipeline/search.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "knot/runtime/parallel_for.h"
#include "knot/text/tokenizer.h"

namespace knot::pipeline {

std::vector<float> embed_query(const text::Embedder& embedder, std::string_view query) {
  std::vector<text::Token> tokens = text::tokenize(query);
  if (tokens.empty()) {
    throw std::invalid_argument("the query has no words to search for");
  }
  return embedder.embed(tokens);
}

std::vector<ScoredId> top_k_exact(std::span<const StoredVector> vectors,
                                  std::span<const float> query, std::size_t k) {
  std::vector<ScoredId> scored(vectors.size());
  knot::parallel_for(std::size_t{0}, vectors.size(), [&](std::size_t i) {
    const std::vector<float>& v = vectors[i].vector;
    float score = v.size() == query.size() ? text::cosine(v, query) : -2.0f;
    scored[i] = ScoredId{vectors[i].id, score};
  });
  // Vectors of the wrong size (never written by this model) are dropped.
  std::erase_if(scored, [](const ScoredId& s) { return s.score < -1.5f; });
  auto better = [](const ScoredId& a, const ScoredId& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  };
  std::size_t n = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    better);
  scored.resize(n);
  return scored;
}

std::vector<SearchHit> to_hits(const Store& store, std::span<const ScoredId> scored) {
  std::vector<std::int64_t> ids;
  ids.reserve(scored.size());
  for (const ScoredId& s : scored) {
    ids.push_back(s.id);
  }
  std::vector<ItemInfo> infos = store.item_infos(ids);
  std::unordered_map<std::int64_t, const ItemInfo*> by_id;
  for (const ItemInfo& info : infos) {
    by_id.emplace(info.id, &info);
  }
  std::vector<SearchHit> hits;
  hits.reserve(scored.size());
  for (const ScoredId& s : scored) {
    auto it = by_id.find(s.id);
    if (it == by_id.end()) {
      continue;  // deleted since the index was built
    }
    hits.push_back(SearchHit{s.id, it->second->title, it->second->source_path, s.score});
  }
  return hits;
}

std::vector<SearchHit> search_exact(const Store& store, const text::Embedder& embedder,
                                    std::string_view query, std::size_t k) {
  std::vector<float> q = embed_query(embedder, query);
  std::vector<StoredVector> vectors = store.load_vectors(embedder.model_id());
  std::vector<ScoredId> top = top_k_exact(vectors, q, k);
  return to_hits(store, top);
}

}  // namespace knot::pipeline
