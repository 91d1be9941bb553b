// parallel_sort: sort a random-access range on the current pool.
//
//   parallel_sort(begin, end [, comp])
//   parallel_sort(range [, comp])
//
// An in-place parallel quicksort in the manner of pattern-defeating
// quicksort (Peters, 2021) and Rayon's par_sort_unstable: each step picks a
// pivot (median of 3, or the median of three medians of 3 above 128
// elements), partitions, and sorts the two sides with join() while they are
// large, serially below. Small pieces take an insertion sort. An unbalanced
// partition scrambles a few elements so that patterns do not repeat, and
// after log2(n) unbalanced partitions a piece falls back to heapsort, so the
// worst case is O(n log n) comparisons. A pivot equal to the element before
// its piece (every element of the piece is >= that one) puts the elements
// equal to it on the left and leaves them there, so many duplicates cost no
// more than few. Arithmetic elements under a standard order (std::less,
// std::greater, their ranges:: forms) partition without branches on the
// comparison (BlockQuicksort's insight, Edelkamp and Weiss 2016; here a
// Lomuto partition whose swap distance is computed from the comparison),
// which is where most of the time
// of a random input goes.
//
// Not stable; no extra memory beyond the recursion; the elements need only
// be movable and swappable. If `comp` throws, the exception is rethrown and
// the range holds a permutation of its elements in unspecified order (every
// step moves elements by swaps, or through one hole that is refilled on
// unwinding).
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <ranges>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/sort.h"
#include "knot/runtime/thread_pool.h"

namespace knot {

// parallel_sort() sorts [begin, end) by `comp` (default std::less<>).
template <std::random_access_iterator It, class Comp = std::ranges::less>
void parallel_sort(It begin, It end, Comp comp = {}) {
  using T = std::iter_value_t<It>;
  static_assert(
      std::is_move_constructible_v<T> && std::is_move_assignable_v<T> && std::is_swappable_v<T>,
      "parallel_sort needs movable, swappable elements");
  std::ptrdiff_t n = end - begin;
  if (n <= detail::kSortSerialCutoff) {
    detail::sort_on_this_thread(begin, end, comp, std::numeric_limits<std::ptrdiff_t>::max());
    return;
  }
  if (detail::current_worker() == nullptr) {
    global_pool().install([&] { parallel_sort(begin, end, comp); });
    return;
  }
  // Already sorted (a common case): one pass, and no element moves.
  if (std::is_sorted(begin, end, comp))
    return;
  detail::sort_on_this_thread(begin, end, comp, detail::kSortSerialCutoff);
}

template <std::ranges::random_access_range R, class Comp = std::ranges::less>
void parallel_sort(R&& range, Comp comp = {}) {
  parallel_sort(std::ranges::begin(range), std::ranges::end(range), std::move(comp));
}

}  // namespace knot
