// HnswIndex: hnswlib's HNSW graph kept in step with the items table
// (hnsw_index.h).
#include "knot/pipeline/hnsw_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace knot::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kModelKey = "hnsw.model";
constexpr std::string_view kDimensionsKey = "hnsw.dimensions";
constexpr std::string_view kCountKey = "hnsw.count";
constexpr std::string_view kGenerationKey = "hnsw.generation";
constexpr std::string_view kFileBytesKey = "hnsw.file_bytes";

}  // namespace

struct HnswIndex::Impl {
  HnswIndexInfo info;
  std::unique_ptr<hnswlib::InnerProductSpace> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;  // null when empty
  std::size_t dimensions = 0;
  std::size_t ef_search = 100;
};

fs::path HnswIndex::path_for(const fs::path& db_path) {
  fs::path p = db_path;
  p += ".hnsw";
  return p;
}

std::string HnswIndex::staleness(const Store& store, std::string_view model_id,
                                 std::size_t dimensions) {
  const fs::path path = path_for(store.path());
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return "no index file yet";
  }
  std::optional<std::string> model = store.get_meta(kModelKey);
  if (!model || *model != model_id) {
    return "built for another model";
  }
  if (store.get_meta(kDimensionsKey) != std::to_string(dimensions)) {
    return "built for other dimensions";
  }
  std::string count = std::to_string(store.count_vectors(model_id));
  std::optional<std::string> indexed = store.get_meta(kCountKey);
  if (indexed != count) {
    return "item count changed (index " + indexed.value_or("?") + ", table " + count + ")";
  }
  if (store.get_meta(kGenerationKey) != std::to_string(store.embeddings_generation())) {
    return "embeddings were written since the index was built";
  }
  std::uintmax_t bytes = fs::file_size(path, ec);
  if (ec || store.get_meta(kFileBytesKey) != std::to_string(bytes)) {
    return "index file does not match its record";
  }
  return "";
}

HnswIndex HnswIndex::open(Store& store, std::string_view model_id, std::size_t dimensions,
                          const HnswOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dimensions = dimensions;
  impl->ef_search = options.ef_search;
  impl->info.path = path_for(store.path());
  impl->space = std::make_unique<hnswlib::InnerProductSpace>(dimensions);

  std::string reason = staleness(store, model_id, dimensions);
  if (reason.empty()) {
    std::size_t count = static_cast<std::size_t>(store.count_vectors(model_id));
    if (count > 0) {
      impl->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
          impl->space.get(), impl->info.path.string(), false, count);
    }
    impl->info.size = count;
    impl->info.is_persisted = true;
    return HnswIndex(std::move(impl));
  }

  // Rebuild. The generation is read before the vectors: a write that lands
  // in between makes the recorded generation old, so the next open rebuilds.
  const std::int64_t generation = store.embeddings_generation();
  std::vector<StoredVector> vectors = store.load_vectors(model_id);
  std::erase_if(vectors, [&](const StoredVector& v) { return v.vector.size() != dimensions; });
  impl->info.was_rebuilt = true;
  impl->info.rebuild_reason = reason;
  impl->info.size = vectors.size();
  if (!vectors.empty()) {
    impl->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        impl->space.get(), vectors.size(), options.m, options.ef_construction);
    for (const StoredVector& v : vectors) {
      impl->index->addPoint(v.vector.data(), static_cast<hnswlib::labeltype>(v.id));
    }
  }
  if (store.is_read_only()) {
    return HnswIndex(std::move(impl));
  }
  fs::path tmp = impl->info.path;
  tmp += ".tmp";
  std::error_code ec;
  if (impl->index) {
    impl->index->saveIndex(tmp.string());
  } else {
    fs::remove(tmp, ec);
    std::ofstream(tmp, std::ios::binary | std::ios::trunc).flush();  // an empty index
  }
  fs::rename(tmp, impl->info.path, ec);
  if (ec) {
    throw std::runtime_error("cannot write the HNSW index '" + impl->info.path.string() +
                             "': " + ec.message());
  }
  std::uintmax_t bytes = fs::file_size(impl->info.path, ec);
  std::vector<std::pair<std::string, std::string>> meta = {
      {std::string(kModelKey), std::string(model_id)},
      {std::string(kDimensionsKey), std::to_string(dimensions)},
      {std::string(kCountKey), std::to_string(vectors.size())},
      {std::string(kGenerationKey), std::to_string(generation)},
      {std::string(kFileBytesKey), std::to_string(ec ? 0 : bytes)},
  };
  store.set_meta_values(meta);
  impl->info.is_persisted = true;
  return HnswIndex(std::move(impl));
}

HnswIndex::HnswIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HnswIndex::HnswIndex(HnswIndex&&) noexcept = default;
HnswIndex& HnswIndex::operator=(HnswIndex&&) noexcept = default;
HnswIndex::~HnswIndex() = default;

const HnswIndexInfo& HnswIndex::info() const noexcept {
  return impl_->info;
}

std::vector<ScoredId> HnswIndex::search(std::span<const float> query, std::size_t k) const {
  std::vector<ScoredId> out;
  if (!impl_->index || k == 0 || query.size() != impl_->dimensions) {
    return out;
  }
  impl_->index->setEf(std::max(impl_->ef_search, k));
  auto queue = impl_->index->searchKnn(query.data(), std::min(k, impl_->info.size));
  // A max-heap on distance (1 - inner product): pop gives the worst first.
  while (!queue.empty()) {
    auto [distance, label] = queue.top();
    queue.pop();
    out.push_back(ScoredId{static_cast<std::int64_t>(label), 1.0f - distance});
  }
  std::reverse(out.begin(), out.end());
  std::stable_sort(out.begin(), out.end(), [](const ScoredId& a, const ScoredId& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  return out;
}

std::vector<SearchHit> search_hnsw(Store& store, const text::Embedder& embedder,
                                   std::string_view query, std::size_t k, HnswIndexInfo* info) {
  std::vector<float> q = embed_query(embedder, query);
  HnswIndex index = HnswIndex::open(store, embedder.model_id(), embedder.dimensions());
  if (info != nullptr) {
    *info = index.info();
  }
  std::vector<ScoredId> top = index.search(q, k);
  return to_hits(store, top);
}

}  // namespace knot::pipeline
