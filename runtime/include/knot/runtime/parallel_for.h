// parallel_for and parallel_for_each: data-parallel loops on the current pool.
//
//   parallel_for(first, last, f)         f(i) for every i in [first, last)
//   parallel_for(first, last, f, Grain)  the same with an explicit piece size
//   parallel_for_each(begin, end, f)     f(element) over random-access iterators
//   parallel_for_each(range, f)          the same over a random-access range
//
// `f` may also take a piece, f(lo, hi), to amortize per-call work. Pieces
// are made by recursive halving with join(), so the loop inherits join's
// guarantees: it returns when every call finished, it runs on the current
// pool (the global pool off-pool), and the first exception is rethrown after
// every piece stopped.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <concepts>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <type_traits>

#include "knot/runtime/detail/splitter.h"
#include "knot/runtime/join.h"

namespace knot {

namespace detail {

template <class Index, class F>
void for_piece(Index lo, Index hi, F& f) {
  if constexpr (std::is_invocable_v<F&, Index, Index>) {
    f(lo, hi);
  } else {
    for (Index i = lo; i < hi; ++i)
      f(i);
  }
}

template <class Index, class F>
void for_split(Index lo, Index hi, F& f, Splitter splitter, bool migrated) {
  auto len = static_cast<std::size_t>(hi - lo);
  if (!splitter.try_split(len, migrated)) {
    for_piece(lo, hi, f);
    return;
  }
  Index mid = lo + static_cast<Index>(len / 2);
  join_context([&](bool m) { for_split(lo, mid, f, splitter, m); },
               [&](bool m) { for_split(mid, hi, f, splitter, m); });
}

}  // namespace detail

// parallel_for() calls f(i) (or f(lo, hi) per piece) for every index in
// [first, last). An empty range calls nothing.
template <std::integral Index, class F>
void parallel_for(Index first, Index last, F&& f, Grain grain = {}) {
  if (!(first < last))
    return;
  detail::for_split(first, last, f, detail::Splitter(grain), false);
}

// parallel_for_each() calls f(*it) for every iterator in [begin, end).
template <std::random_access_iterator It, class F>
void parallel_for_each(It begin, It end, F&& f, Grain grain = {}) {
  using Diff = std::iter_difference_t<It>;
  parallel_for(
      Diff{0}, end - begin, [&](Diff i) { f(begin[i]); }, grain);
}

template <std::ranges::random_access_range R, class F>
void parallel_for_each(R&& range, F&& f, Grain grain = {}) {
  parallel_for_each(std::ranges::begin(range), std::ranges::end(range), f, grain);
}

}  // namespace knot
