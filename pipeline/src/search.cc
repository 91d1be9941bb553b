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
    SearchHit hit;
    hit.id = s.id;
    hit.title = it->second->title;
    hit.source_path = it->second->source_path;
    hit.score = s.score;
    hits.push_back(std::move(hit));
  }
  return hits;
}

std::vector<std::string> query_words(std::string_view query) {
  return text_query(query).words;
}

TextQuery text_query(std::string_view query) {
  TextQuery q;
  std::string previous;
  for (text::Token& t : text::tokenize(query)) {
    if (t.is_subword || text::is_stop_word(t.text)) {
      continue;
    }
    if (!previous.empty() && previous != t.text) {
      std::string phrase = previous + " " + t.text;
      if (std::find(q.phrases.begin(), q.phrases.end(), phrase) == q.phrases.end()) {
        q.phrases.push_back(std::move(phrase));
      }
    }
    previous = t.text;
    if (std::find(q.words.begin(), q.words.end(), t.text) == q.words.end()) {
      q.words.push_back(std::move(t.text));
    }
  }
  return q;
}

std::vector<FusedId> fuse_rrf(const RankedIds& lists, std::size_t k, const ListWeights& weights) {
  std::unordered_map<std::int64_t, FusedId> by_id;
  for (std::size_t list = 0; list < kRankedLists; ++list) {
    const std::span<const std::int64_t> ranked = lists[list];
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      FusedId& f = by_id[ranked[i]];
      f.id = ranked[i];
      if (f.ranks[list] == 0) {
        f.ranks[list] = i + 1;
        f.score += weights[list] / (kRrfConstant + static_cast<double>(i + 1));
      }
    }
  }
  std::vector<FusedId> fused;
  fused.reserve(by_id.size());
  for (auto& [id, f] : by_id) {
    fused.push_back(f);
  }
  auto best_single = [](const FusedId& f) {
    std::size_t best = SIZE_MAX;
    for (std::size_t r : f.ranks) {
      if (r != 0) {
        best = std::min(best, r);
      }
    }
    return best;
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
