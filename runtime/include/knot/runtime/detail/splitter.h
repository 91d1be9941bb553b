// Splitter: decides how finely the parallel algorithms cut a range.
//
// Automatic grain follows Rayon's adaptive splitter: start with as many
// splits as the pool has threads, halve the budget at each split, and reset
// it whenever a piece was stolen (a thief appeared, so there is demand for
// more pieces). Pieces never get shorter than `min_len`. An explicit grain
// (Grain{n}) splits down to pieces of at most n, like oneTBB's
// simple_partitioner.
#pragma once

#include <algorithm>
#include <cstddef>

#include "knot/runtime/thread_pool.h"

namespace knot {

// Grain is the explicit piece size for parallel_for/reduce: pieces hold at
// most `size` elements. Grain{} (size 0) asks for automatic splitting.
struct Grain {
  std::size_t size = 0;
};

namespace detail {

class Splitter {
 public:
  explicit Splitter(Grain grain) noexcept : splits_(current_num_threads()), grain_(grain.size) {}

  // try_split() says whether a piece of `len` elements should be split in
  // two. `migrated` is true when this piece runs on another worker than its
  // parent (it was stolen).
  bool try_split(std::size_t len, bool migrated) noexcept {
    if (len < 2)
      return false;
    if (grain_ != 0)
      return len > grain_;
    if (migrated) {
      splits_ = std::max(current_num_threads(), splits_ / 2);
      return true;
    }
    if (splits_ > 0) {
      splits_ /= 2;
      return true;
    }
    return false;
  }

 private:
  std::size_t splits_;
  std::size_t grain_;
};

}  // namespace detail
}  // namespace knot
