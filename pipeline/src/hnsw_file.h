// The HNSW index file's format: hnswlib's serialized graph, then a trailer
// saying what the graph was built from and a checksum over everything
// before it. Pure functions over bytes; no I/O, no hnswlib.
//
// A file that does not verify (checksum, trailer, or the graph's layout) is
// never handed to hnswlib, whose loader trusts every offset it reads: one
// bad entry point used to crash every later search. The checksum
// (FNV-1a, hash.h) catches damage, not forgery; check_hnsw_graph() then
// walks the whole graph so that even a forged file with a valid checksum
// cannot send hnswlib outside its arrays. Both are linear in the file's size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace knot::pipeline::detail {

// HnswFileRecord is what an index file was built from.
struct HnswFileRecord {
  std::string model_id;
  std::size_t dimensions = 0;
  std::size_t count = 0;  // vectors in the graph
};

// seal_hnsw_file() returns `graph` (hnswlib's saveIndex bytes, empty for an
// empty index) followed by the trailer for `record`.
std::string seal_hnsw_file(std::string_view graph, const HnswFileRecord& record);

// verify_hnsw_file() checks a whole file against `expected`: the checksum,
// the trailer (model, dimensions, count) and the graph's layout. On success
// it sets `graph` to the graph's bytes (a view into `file`) and returns "";
// otherwise it returns why, in words ("checksum mismatch", ...).
std::string verify_hnsw_file(std::string_view file, const HnswFileRecord& expected,
                             std::string_view& graph);

// check_hnsw_graph() walks hnswlib's serialized layout: header fields that
// agree with `dimensions` and `count`, link lists within their bounds, every
// neighbour an element that exists on that level, and nothing after the
// last list. Returns "" when it holds, else what is wrong.
std::string check_hnsw_graph(std::string_view graph, std::size_t dimensions, std::size_t count);

}  // namespace knot::pipeline::detail
