// The internals of parallel_sort (knot/runtime/parallel_sort.h, where the
// algorithm is described): the pattern-defeating quicksort, its pivots,
// partitions, insertion sort and heapsort fallback. Not a public API:
// include knot/runtime/parallel_sort.h.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <functional>
#include <iterator>
#include <limits>
#include <ranges>
#include <type_traits>
#include <utility>

#include "knot/runtime/join.h"

namespace knot {

namespace detail {

// Pieces up to this size are sorted without join(); parallel_sort() on a
// range this small does not touch a pool.
inline constexpr std::ptrdiff_t kSortSerialCutoff = 1 << 13;
// Pieces up to this size take an insertion sort.
inline constexpr std::ptrdiff_t kInsertionSortMax = 24;
// Above this size the pivot is the median of three medians of 3.
inline constexpr std::ptrdiff_t kNintherMin = 128;

template <class T, class Comp>
inline constexpr bool kBranchlessPartition =
    std::is_arithmetic_v<T> &&
    (std::is_same_v<Comp, std::ranges::less> || std::is_same_v<Comp, std::ranges::greater> ||
     std::is_same_v<Comp, std::less<>> || std::is_same_v<Comp, std::greater<>> ||
     std::is_same_v<Comp, std::less<T>> || std::is_same_v<Comp, std::greater<T>>);

// Sorts [begin, end) by insertion. The element being inserted waits in a
// local while larger ones shift right; if `comp` throws, the guard puts it
// back into the hole, so the range stays a permutation.
template <class It, class Comp>
void insertion_sort(It begin, It end, Comp& comp) {
  using T = std::iter_value_t<It>;
  if (end - begin < 2)
    return;
  for (It i = begin + 1; i != end; ++i) {
    if (!comp(*i, *(i - 1)))
      continue;
    struct Hole {
      T value;
      It pos;
      ~Hole() { *pos = std::move(value); }
    } hole{std::move(*i), i};
    do {
      *hole.pos = std::move(*(hole.pos - 1));
      --hole.pos;
    } while (hole.pos != begin && comp(hole.value, *(hole.pos - 1)));
  }
}

// Heapsort by swaps: the fallback that bounds the worst case.
template <class It, class Comp>
void sift_down(It first, std::ptrdiff_t i, std::ptrdiff_t n, Comp& comp) {
  while (true) {
    std::ptrdiff_t child = 2 * i + 1;
    if (child >= n)
      return;
    if (child + 1 < n && comp(first[child], first[child + 1]))
      ++child;
    if (!comp(first[i], first[child]))
      return;
    std::iter_swap(first + i, first + child);
    i = child;
  }
}

template <class It, class Comp>
void heap_sort(It begin, It end, Comp& comp) {
  std::ptrdiff_t n = end - begin;
  for (std::ptrdiff_t i = n / 2 - 1; i >= 0; --i)
    sift_down(begin, i, n, comp);
  for (std::ptrdiff_t last = n - 1; last > 0; --last) {
    std::iter_swap(begin, begin + last);
    sift_down(begin, 0, last, comp);
  }
}

// Orders *a, *b, *c by swaps.
template <class It, class Comp>
void sort3(It a, It b, It c, Comp& comp) {
  if (comp(*b, *a))
    std::iter_swap(a, b);
  if (comp(*c, *b)) {
    std::iter_swap(b, c);
    if (comp(*b, *a))
      std::iter_swap(a, b);
  }
}

// Moves the chosen pivot to *begin. n > kInsertionSortMax.
template <class It, class Comp>
void choose_pivot(It begin, It end, Comp& comp) {
  std::ptrdiff_t n = end - begin;
  It mid = begin + n / 2;
  if (n > kNintherMin) {
    sort3(begin, mid, end - 1, comp);
    sort3(begin + 1, mid - 1, end - 2, comp);
    sort3(begin + 2, mid + 1, end - 3, comp);
    sort3(mid - 1, mid, mid + 1, comp);
  } else {
    sort3(begin, mid, end - 1, comp);
  }
  std::iter_swap(begin, mid);
}

// Partitions [begin+1, end) around the pivot *begin: the elements for which
// goes_left(element, pivot) holds come first. Puts the pivot between the two
// sides and returns its position.
//
// Branchless form (arithmetic elements): a Lomuto pass that swaps each
// element with the first element of the right side when it goes left. The
// decision only sets the distance of the swap (zero when the element stays),
// so the loop has no branch that depends on the data; compilers turn a
// conditional move of the values back into a branch.
template <class It, class GoesLeft>
It partition_branchless(It begin, It end, GoesLeft goes_left) {
  using T = std::iter_value_t<It>;
  const T pivot = *begin;
  It left_end = begin + 1;
  for (It it = begin + 1; it != end; ++it) {
    T x = *it;
    T y = *left_end;
    // 0 or all ones.
    std::ptrdiff_t take = -static_cast<std::ptrdiff_t>(goes_left(x, pivot));
    std::ptrdiff_t distance = (it - left_end) & take;
    left_end[distance] = y;  // to *it if x goes left, else back in place
    it[-distance] = x;       // to *left_end if x goes left, else back in place
    left_end -= take;
  }
  It pos = left_end - 1;
  *begin = *pos;
  *pos = pivot;
  return pos;
}

// Generic form: Hoare's two scans, swapping pairs that are on the wrong
// sides. The pivot stays at *begin until the end, so `goes_left` may take
// it by reference; every scan is bounded, so an inconsistent comparator
// cannot run off the range.
template <class It, class GoesLeft>
It partition_swapping(It begin, It end, GoesLeft goes_left) {
  It lo = begin + 1;
  It hi = end;
  // [begin+1, lo) go left, [hi, end) go right.
  while (true) {
    while (lo < hi && goes_left(*lo, *begin))
      ++lo;
    while (lo < hi && !goes_left(*(hi - 1), *begin))
      --hi;
    if (lo >= hi)
      break;
    std::iter_swap(lo, hi - 1);
    ++lo;
    --hi;
  }
  It pos = lo - 1;
  std::iter_swap(begin, pos);
  return pos;
}

template <class It, class Comp, class GoesLeft>
It partition(It begin, It end, GoesLeft goes_left) {
  if constexpr (kBranchlessPartition<std::iter_value_t<It>, Comp>)
    return partition_branchless(begin, end, goes_left);
  else
    return partition_swapping(begin, end, goes_left);
}

// Swaps a few elements of a piece a partition left unbalanced, so that the
// next pivot comes from different places.
template <class It>
void scramble(It begin, It end) {
  std::ptrdiff_t n = end - begin;
  if (n < kInsertionSortMax)
    return;
  std::iter_swap(begin, begin + n / 4);
  std::iter_swap(end - 1, end - n / 4);
  if (n > kNintherMin) {
    std::iter_swap(begin + 1, begin + (n / 4 + 1));
    std::iter_swap(begin + 2, begin + (n / 4 + 2));
    std::iter_swap(end - 2, end - (n / 4 + 1));
    std::iter_swap(end - 3, end - (n / 4 + 2));
  }
}

// Sorts [begin, end). `leftmost`: no element precedes the piece; otherwise
// *(begin - 1) is <= every element of it. Pieces larger than
// `parallel_min` sort their two sides with join().
template <class It, class Comp>
void quicksort(It begin, It end, Comp& comp, int bad_allowed, bool leftmost,
               std::ptrdiff_t parallel_min) {
  while (true) {
    std::ptrdiff_t n = end - begin;
    if (n <= kInsertionSortMax) {
      insertion_sort(begin, end, comp);
      return;
    }
    choose_pivot(begin, end, comp);
    if (!leftmost && !comp(*(begin - 1), *begin)) {
      // The pivot equals the element before the piece, so it is the
      // piece's smallest: everything equal to it goes left and is done.
      It pos = partition<It, Comp>(
          begin, end, [&comp](const auto& x, const auto& pivot) { return !comp(pivot, x); });
      begin = pos + 1;
      continue;
    }
    It pos = partition<It, Comp>(
        begin, end, [&comp](const auto& x, const auto& pivot) { return comp(x, pivot); });
    std::ptrdiff_t left = pos - begin;
    std::ptrdiff_t right = end - (pos + 1);
    if (left < n / 8 || right < n / 8) {
      if (--bad_allowed == 0) {
        heap_sort(begin, end, comp);
        return;
      }
      scramble(begin, pos);
      scramble(pos + 1, end);
    }
    if (n > parallel_min) {
      join([&] { quicksort(begin, pos, comp, bad_allowed, leftmost, parallel_min); },
           [&] { quicksort(pos + 1, end, comp, bad_allowed, false, parallel_min); });
      return;
    }
    // Recurse into the smaller side, loop on the larger: O(log n) frames.
    if (left < right) {
      quicksort(begin, pos, comp, bad_allowed, leftmost, parallel_min);
      begin = pos + 1;
      leftmost = false;
    } else {
      quicksort(pos + 1, end, comp, bad_allowed, false, parallel_min);
      end = pos;
    }
  }
}

template <class It, class Comp>
void sort_on_this_thread(It begin, It end, Comp& comp, std::ptrdiff_t parallel_min) {
  auto n = static_cast<std::size_t>(end - begin);
  quicksort(begin, end, comp, static_cast<int>(std::bit_width(n)), /*leftmost=*/true, parallel_min);
}

}  // namespace detail

}  // namespace knot
