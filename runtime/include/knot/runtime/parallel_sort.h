// parallel_sort: sort a random-access range on the current pool.
//
//   parallel_sort(begin, end [, comp])
//   parallel_sort(range [, comp])
//
// A parallel merge sort: the range is halved with join() down to pieces
// that std::sort handles, and the halves are merged in parallel (each merge
// splits at the median of its larger input and a binary search in the
// other). Merges ping-pong between the range and one scratch buffer of the
// same size, so each level moves every element once. Not stable (the leaves
// use std::sort). Needs O(n) extra memory; element type must be movable and
// default-constructible. If `comp` throws, the range holds a permutation of
// its elements in unspecified order and the exception is rethrown.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

#include "knot/runtime/join.h"
#include "knot/runtime/thread_pool.h"

namespace knot {

namespace detail {

inline constexpr std::size_t kSortSerialCutoff = 1 << 13;
inline constexpr std::size_t kMergeSerialCutoff = 1 << 13;

// Merges sorted [a, a+na) and [b, b+nb) into out (moving).
template <class ItA, class ItB, class Out, class Comp>
void parallel_merge(ItA a, std::size_t na, ItB b, std::size_t nb, Out out, Comp& comp) {
  if (na + nb <= kMergeSerialCutoff) {
    std::merge(std::make_move_iterator(a), std::make_move_iterator(a + na),
               std::make_move_iterator(b), std::make_move_iterator(b + nb), out, comp);
    return;
  }
  if (na < nb) {
    // Split the larger input at its middle; find the matching cut in the
    // other with a binary search. Ties: elements of b go after equal ones of a.
    std::size_t mb = nb / 2;
    std::size_t ma = static_cast<std::size_t>(std::upper_bound(a, a + na, b[mb], comp) - a);
    join([&] { parallel_merge(a, ma, b, mb, out, comp); },
         [&] { parallel_merge(a + ma, na - ma, b + mb, nb - mb, out + (ma + mb), comp); });
  } else {
    std::size_t ma = na / 2;
    std::size_t mb = static_cast<std::size_t>(std::lower_bound(b, b + nb, a[ma], comp) - b);
    join([&] { parallel_merge(a, ma, b, mb, out, comp); },
         [&] { parallel_merge(a + ma, na - ma, b + mb, nb - mb, out + (ma + mb), comp); });
  }
}

// Sorts [data, data+n) using [buf, buf+n) as scratch. The sorted result ends
// in `buf` if `into_buf`, else in `data`.
template <class It, class T, class Comp>
void merge_sort(It data, T* buf, std::size_t n, bool into_buf, std::size_t leaf, Comp& comp) {
  if (n <= leaf) {
    std::sort(data, data + n, comp);
    if (into_buf)
      std::move(data, data + n, buf);
    return;
  }
  std::size_t half = n / 2;
  // The halves land in the other place, so that this level's merge moves
  // them to where the caller wants the result.
  join([&] { merge_sort(data, buf, half, !into_buf, leaf, comp); },
       [&] { merge_sort(data + half, buf + half, n - half, !into_buf, leaf, comp); });
  if (into_buf) {
    parallel_merge(data, half, data + half, n - half, buf, comp);
  } else {
    parallel_merge(buf, half, buf + half, n - half, data, comp);
  }
}

}  // namespace detail

// parallel_sort() sorts [begin, end) by `comp` (default std::less<>).
template <std::random_access_iterator It, class Comp = std::ranges::less>
void parallel_sort(It begin, It end, Comp comp = {}) {
  using T = std::iter_value_t<It>;
  static_assert(std::is_default_constructible_v<T> && std::is_move_assignable_v<T>,
                "parallel_sort needs movable, default-constructible elements");
  auto n = static_cast<std::size_t>(end - begin);
  if (n <= detail::kSortSerialCutoff) {
    std::sort(begin, end, comp);
    return;
  }
  if (detail::current_worker() == nullptr) {
    global_pool().install([&] { parallel_sort(begin, end, comp); });
    return;
  }
  // Already sorted (a common case): one cheap parallel-free pass.
  if (std::is_sorted(begin, end, comp))
    return;
  auto threads = current_num_threads();
  std::size_t leaf =
      std::max(detail::kSortSerialCutoff, n / (8 * std::max<std::size_t>(threads, 1)));
  std::unique_ptr<T[]> buffer(new T[n]);
  detail::merge_sort(begin, buffer.get(), n, /*into_buf=*/false, leaf, comp);
}

template <std::ranges::random_access_range R, class Comp = std::ranges::less>
void parallel_sort(R&& range, Comp comp = {}) {
  parallel_sort(std::ranges::begin(range), std::ranges::end(range), std::move(comp));
}

}  // namespace knot
