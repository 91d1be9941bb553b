// parallel_reduce: map every index of a range to a value and combine them.
//
//   parallel_reduce(first, last, identity, map, reduce [, Grain])
//
// `map` is either map(i) -> T, or map(lo, hi, T acc) -> T over a piece (the
// faster form for tight loops). `reduce(T, T) -> T` must be associative and
// `identity` its neutral element; pieces are combined in index order, so a
// non-commutative reduce (concatenation) is fine.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/splitter.h"
#include "knot/runtime/join.h"

namespace knot {

namespace detail {

template <class Index, class T, class Map, class Reduce>
T reduce_piece(Index lo, Index hi, const T& identity, Map& map, Reduce& reduce) {
  if constexpr (std::is_invocable_v<Map&, Index, Index, T>) {
    return map(lo, hi, T(identity));
  } else {
    T acc(identity);
    for (Index i = lo; i < hi; ++i)
      acc = reduce(std::move(acc), map(i));
    return acc;
  }
}

template <class Index, class T, class Map, class Reduce>
T reduce_split(Index lo, Index hi, const T& identity, Map& map, Reduce& reduce, Splitter splitter,
               bool migrated) {
  auto len = static_cast<std::size_t>(hi - lo);
  if (!splitter.try_split(len, migrated))
    return reduce_piece(lo, hi, identity, map, reduce);
  Index mid = lo + static_cast<Index>(len / 2);
  auto [left, right] = join_context(
      [&](bool m) { return reduce_split(lo, mid, identity, map, reduce, splitter, m); },
      [&](bool m) { return reduce_split(mid, hi, identity, map, reduce, splitter, m); });
  return reduce(std::move(left), std::move(right));
}

}  // namespace detail

// parallel_reduce() returns reduce over map(i) for i in [first, last), or
// `identity` for an empty range. Exceptions from map or reduce are rethrown.
template <std::integral Index, class T, class Map, class Reduce>
T parallel_reduce(Index first, Index last, T identity, Map&& map, Reduce&& reduce,
                  Grain grain = {}) {
  if (!(first < last))
    return identity;
  return detail::reduce_split(first, last, identity, map, reduce, detail::Splitter(grain), false);
}

}  // namespace knot
