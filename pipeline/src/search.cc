// Exact search: cosine over every stored vector of the model (search.h).
#include "knot/pipeline/search.h"

#include <algorithm>
#include <cstdint>
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

std::vector<std::string> query_words(std::string_view query) {
  std::vector<std::string> words;
  for (text::Token& t : text::tokenize(query)) {
    if (t.is_subword || text::is_stop_word(t.text) ||
        std::find(words.begin(), words.end(), t.text) != words.end()) {
      continue;
    }
    words.push_back(std::move(t.text));
  }
  return words;
}

std::vector<FusedId> fuse_rrf(std::span<const std::int64_t> vector_ranked,
                              std::span<const std::int64_t> text_ranked, std::size_t k) {
  std::unordered_map<std::int64_t, FusedId> by_id;
  for (std::size_t i = 0; i < vector_ranked.size(); ++i) {
    FusedId& f = by_id[vector_ranked[i]];
    f.id = vector_ranked[i];
    if (f.vector_rank == 0) {
      f.vector_rank = i + 1;
      f.score += 1.0 / (kRrfConstant + static_cast<double>(i + 1));
    }
  }
  for (std::size_t i = 0; i < text_ranked.size(); ++i) {
    FusedId& f = by_id[text_ranked[i]];
    f.id = text_ranked[i];
    if (f.text_rank == 0) {
      f.text_rank = i + 1;
      f.score += 1.0 / (kRrfConstant + static_cast<double>(i + 1));
    }
  }
  std::vector<FusedId> fused;
  fused.reserve(by_id.size());
  for (auto& [id, f] : by_id) {
    fused.push_back(f);
  }
  auto best_single = [](const FusedId& f) {
    const std::size_t v = f.vector_rank == 0 ? SIZE_MAX : f.vector_rank;
    const std::size_t t = f.text_rank == 0 ? SIZE_MAX : f.text_rank;
    return std::min(v, t);
  };
  std::sort(fused.begin(), fused.end(), [&](const FusedId& a, const FusedId& b) {
    if (a.score != b.score) {
      return a.score > b.score;
    }
    if (best_single(a) != best_single(b)) {
      return best_single(a) < best_single(b);
    }
    return a.id < b.id;
  });
  if (fused.size() > k) {
    fused.resize(k);
  }
  return fused;
}

std::vector<SearchHit> search_exact(const Store& store, const text::Embedder& embedder,
                                    std::string_view query, std::size_t k) {
  std::vector<float> q = embed_query(embedder, query);
  std::vector<StoredVector> vectors = store.load_vectors(embedder.model_id());
  std::vector<ScoredId> top = top_k_exact(vectors, q, k);
  return to_hits(store, top);
}

}  // namespace knot::pipeline
