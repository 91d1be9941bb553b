// The HNSW index file: trailer, checksum and a layout walk of hnswlib's
// graph (hnsw_file.h).
#include "hnsw_file.h"

#include <cstdint>
#include <vector>

#include "knot/pipeline/hash.h"

namespace knot::pipeline::detail {

namespace {

// The trailer, after the graph (all integers little-endian):
//   model id bytes | u32 model id length | u32 dimensions | u64 count |
//   u64 graph bytes | "KNOTHNS1" | 16 hex digits of FNV-1a over all before
// Fixed part without the model id:
constexpr std::string_view kMagic = "KNOTHNS1";
constexpr std::size_t kChecksumChars = 16;
constexpr std::size_t kFixedTrailer = 4 + 4 + 8 + 8 + kMagic.size() + kChecksumChars;

void put_le(std::string& out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

std::uint64_t get_le(std::string_view in, std::size_t at, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
  }
  return value;
}

// hnswlib's header (hnswalg.h saveIndex), in the host's layout: size_t
// fields are 8 bytes on the 64-bit little-endian hosts knot targets.
struct GraphHeader {
  std::uint64_t offset_level0, max_elements, count, size_data_per_element, label_offset,
      offset_data;
  std::int32_t max_level;
  std::uint32_t entry_point;
  std::uint64_t max_m, max_m0;
};
constexpr std::size_t kGraphHeaderBytes = 96;
static_assert(sizeof(std::size_t) == 8, "hnswlib's header is read as 64-bit fields");
constexpr std::uint64_t kMaxLevel = 64;      // hnswlib's levels are ~log_M(n): far below
constexpr std::uint64_t kMaxLinks = 0xffff;  // a list's count is an unsigned short

// links_ok() checks one link list at `at`: at most `max_links` neighbours,
// each an element that has level `level`.
bool links_ok(std::string_view graph, std::size_t at, std::uint64_t max_links, std::size_t level,
              const std::vector<std::uint32_t>& levels) {
  const std::uint64_t n = get_le(graph, at, 2);  // hnswlib reads the count as unsigned short
  if (n > max_links) {
    return false;
  }
  for (std::uint64_t j = 0; j < n; ++j) {
    const std::uint64_t id = get_le(graph, at + 4 + 4 * j, 4);
    if (id >= levels.size() || levels[id] < level) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string seal_hnsw_file(std::string_view graph, const HnswFileRecord& record) {
  std::string out;
  out.reserve(graph.size() + record.model_id.size() + kFixedTrailer);
  out.append(graph);
  out.append(record.model_id);
  put_le(out, record.model_id.size(), 4);
  put_le(out, record.dimensions, 4);
  put_le(out, record.count, 8);
  put_le(out, graph.size(), 8);
  out.append(kMagic);
  out.append(content_hash(out));
  return out;
}

std::string verify_hnsw_file(std::string_view file, const HnswFileRecord& expected,
                             std::string_view& graph) {
  if (file.size() < kFixedTrailer) {
    return "too short to be an index file";
  }
  const std::size_t body = file.size() - kChecksumChars;
  if (content_hash(file.substr(0, body)) != file.substr(body)) {
    return "checksum mismatch";
  }
  const std::size_t magic_at = body - kMagic.size();
  if (file.substr(magic_at, kMagic.size()) != kMagic) {
    return "not a knot index file";
  }
  const std::size_t fixed_at = file.size() - kFixedTrailer;
  const std::uint64_t model_bytes = get_le(file, fixed_at, 4);
  const std::uint64_t dimensions = get_le(file, fixed_at + 4, 4);
  const std::uint64_t count = get_le(file, fixed_at + 8, 8);
  const std::uint64_t graph_bytes = get_le(file, fixed_at + 16, 8);
  if (model_bytes > fixed_at || graph_bytes != fixed_at - model_bytes) {
    return "trailer sizes do not add up";
  }
  if (file.substr(graph_bytes, model_bytes) != expected.model_id) {
    return "built for another model";
  }
  if (dimensions != expected.dimensions) {
    return "built for other dimensions";
  }
  if (count != expected.count) {
    return "built for " + std::to_string(count) + " vectors, the table has " +
           std::to_string(expected.count);
  }
  graph = file.substr(0, graph_bytes);
  std::string layout = check_hnsw_graph(graph, expected.dimensions, expected.count);
  return layout.empty() ? "" : "graph layout: " + layout;
}

// check_hnsw_graph() is long on purpose: it walks hnswlib's saved layout
// field by field, in file order, each read checked before the next.
std::string check_hnsw_graph(std::string_view graph, std::size_t dimensions, std::size_t count) {
  if (count == 0) {
    return graph.empty() ? "" : "bytes in an empty index";
  }
  if (graph.size() < kGraphHeaderBytes) {
    return "shorter than its header";
  }
  GraphHeader h{};
  h.offset_level0 = get_le(graph, 0, 8);
  h.max_elements = get_le(graph, 8, 8);
  h.count = get_le(graph, 16, 8);
  h.size_data_per_element = get_le(graph, 24, 8);
  h.label_offset = get_le(graph, 32, 8);
  h.offset_data = get_le(graph, 40, 8);
  h.max_level = static_cast<std::int32_t>(get_le(graph, 48, 4));
  h.entry_point = static_cast<std::uint32_t>(get_le(graph, 52, 4));
  h.max_m = get_le(graph, 56, 8);
  h.max_m0 = get_le(graph, 64, 8);
  if (h.count != count || h.max_elements < count) {
    return "element count " + std::to_string(h.count) + ", expected " + std::to_string(count);
  }
  if (h.max_m == 0 || h.max_m > kMaxLinks || h.max_m0 == 0 || h.max_m0 > kMaxLinks) {
    return "link limits out of range";
  }
  const std::uint64_t level0_links = h.max_m0 * 4 + 4;
  const std::uint64_t data_bytes = std::uint64_t{dimensions} * sizeof(float);
  if (h.offset_level0 != 0 || h.offset_data != level0_links ||
      h.label_offset != level0_links + data_bytes ||
      h.size_data_per_element != level0_links + data_bytes + 8) {
    return "element layout does not match " + std::to_string(dimensions) + " dimensions";
  }
  if (h.max_level < 0 || static_cast<std::uint64_t>(h.max_level) > kMaxLevel) {
    return "top level out of range";
  }
  if (h.entry_point >= count) {
    return "entry point " + std::to_string(h.entry_point) + " outside " + std::to_string(count) +
           " elements";
  }
  // No overflow: count is the table's, size_data_per_element is bounded above.
  const std::uint64_t level0_bytes = count * h.size_data_per_element;
  if (level0_bytes > graph.size() - kGraphHeaderBytes) {
    return "level 0 runs past the end";
  }
  // Pass 1: each element's upper-level lists, to learn its level.
  const std::uint64_t upper_links = h.max_m * 4 + 4;
  std::vector<std::uint32_t> levels(count, 0);
  std::vector<std::size_t> upper_at(count, 0);
  std::size_t at = kGraphHeaderBytes + level0_bytes;
  for (std::size_t i = 0; i < count; ++i) {
    if (graph.size() - at < 4) {
      return "link lists run past the end";
    }
    const std::uint64_t bytes = get_le(graph, at, 4);
    at += 4;
    if (bytes % upper_links != 0 || bytes / upper_links > static_cast<std::uint64_t>(h.max_level) ||
        bytes > graph.size() - at) {
      return "element " + std::to_string(i) + " has a bad upper link list";
    }
    levels[i] = static_cast<std::uint32_t>(bytes / upper_links);
    upper_at[i] = at;
    at += bytes;
  }
  if (at != graph.size()) {
    return "bytes after the last link list";
  }
  if (levels[h.entry_point] != static_cast<std::uint32_t>(h.max_level)) {
    return "entry point is not on the top level";
  }
  // Pass 2: every neighbour exists and has the level it is linked on.
  for (std::size_t i = 0; i < count; ++i) {
    if (!links_ok(graph, kGraphHeaderBytes + i * h.size_data_per_element, h.max_m0, 0, levels)) {
      return "element " + std::to_string(i) + " has a bad level-0 link";
    }
    for (std::uint32_t level = 1; level <= levels[i]; ++level) {
      if (!links_ok(graph, upper_at[i] + (level - 1) * upper_links, h.max_m, level, levels)) {
        return "element " + std::to_string(i) + " has a bad link on level " + std::to_string(level);
      }
    }
  }
  return "";
}

}  // namespace knot::pipeline::detail
