// HnswIndex: hnswlib's HNSW graph kept in step with the items table
// (hnsw_index.h).
#include "knot/pipeline/hnsw_index.h"

#include <hnswlib/hnswlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "hnsw_file.h"
#include "knot/report/report_file.h"

namespace knot::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kModelKey = "hnsw.model";
constexpr std::string_view kDimensionsKey = "hnsw.dimensions";
constexpr std::string_view kCountKey = "hnsw.count";
constexpr std::string_view kGenerationKey = "hnsw.generation";
constexpr std::string_view kFileBytesKey = "hnsw.file_bytes";

// MemFile is an anonymous in-memory file: hnswlib saves to and loads from
// a path only, and "/proc/self/fd/N" of a memfd is a path whose bytes are
// exactly the ones verified, with no window for the disk file to change.
class MemFile {
 public:
  MemFile() : fd_(::memfd_create("knot-hnsw", MFD_CLOEXEC)) {
    if (fd_ < 0) {
      throw std::system_error(errno, std::generic_category(), "memfd_create for the HNSW index");
    }
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

  void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw std::system_error(errno, std::generic_category(), "writing the HNSW graph");
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // read_all() reads the whole file from its start (hnswlib wrote it
  // through its own descriptor, so this one's offset is still 0).
  std::string read_all() const {
    std::string out;
    char buffer[1 << 16];
    for (off_t at = 0;;) {
      ssize_t n = ::pread(fd_, buffer, sizeof buffer, at);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        throw std::system_error(errno, std::generic_category(), "reading the HNSW graph");
      }
      if (n == 0) {
        return out;
      }
      out.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
  }

 private:
  int fd_;
};

// read_whole_file() is the file's bytes, or nullopt if it cannot be read.
std::optional<std::string> read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!in || ec) {
    return std::nullopt;
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())) ||
      in.peek() != std::ifstream::traits_type::eof()) {
    return std::nullopt;  // shorter or longer than it was a moment ago
  }
  return bytes;
}

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
    // Only a file that verifies reaches hnswlib, whose loader trusts it.
    const std::size_t count = static_cast<std::size_t>(store.count_vectors(model_id));
    const detail::HnswFileRecord expected{std::string(model_id), dimensions, count};
    std::optional<std::string> file = read_whole_file(impl->info.path);
    std::string_view graph;
    std::string why = file ? detail::verify_hnsw_file(*file, expected, graph) : "unreadable";
    if (why.empty()) {
      if (count > 0) {
        MemFile verified;
        verified.write_all(graph);
        impl->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
            impl->space.get(), verified.path(), false, count);
      }
      impl->info.size = count;
      impl->info.is_persisted = true;
      return HnswIndex(std::move(impl));
    }
    reason = "index file does not verify (" + why + ")";
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
  // hnswlib's saveIndex() checks nothing: it saves into memory, and the
  // graph is walked before it is sealed and written (privately, through a
  // temporary file renamed over the old one: report_file.h).
  const std::string where = "cannot write the HNSW index '" + impl->info.path.string() + "': ";
  std::string graph;
  if (impl->index) {
    MemFile saved;
    impl->index->saveIndex(saved.path());
    graph = saved.read_all();
  }
  if (std::string bad = detail::check_hnsw_graph(graph, dimensions, vectors.size()); !bad.empty()) {
    throw std::runtime_error(where + "the saved graph is incomplete (" + bad + ")");
  }
  const std::string file = detail::seal_hnsw_file(
      graph, detail::HnswFileRecord{std::string(model_id), dimensions, vectors.size()});
  try {
    knot::report::write_private_file(impl->info.path.string(), file);
  } catch (const knot::report::ReportFileError& e) {
    throw std::runtime_error(where + e.what());
  }
  std::error_code ec;
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
