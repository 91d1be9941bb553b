// Parallel algorithms over ranges, in the manner of <algorithm> and <numeric>.
//
//   transform(first, last, out, f)                  out[i] = f(first[i])
//   transform(first1, last1, first2, out, f)        out[i] = f(first1[i], first2[i])
//   transform_reduce(first, last, init, reduce, f)  init + f(x0) + f(x1) + ...
//   count_if(first, last, pred)                     how many satisfy pred
//   min_element / max_element(first, last[, comp])  the first smallest / largest
//   find_if(first, last, pred)                      the first that satisfies pred
//   any_of / all_of / none_of(first, last, pred)
//   inclusive_scan(first, last, out[, op[, init]])  running totals, x0 included
//   exclusive_scan(first, last, out, init[, op])    running totals, x0 excluded
//   copy_if(first, last, out, pred)                 the elements that satisfy pred, in order
//   partition_copy(first, last, out_true, out_false, pred)
//   invoke(f1, ..., fn)                             run n closures, potentially in parallel
//
// Each takes random-access iterators, and a random-access range in place of
// the first pair (`knot::transform_reduce(v, 0.0, std::plus<>{}, f)`), and
// an optional Grain as its last argument: the most elements of one piece
// (default: automatic).
//
// What runs where. The algorithms run on the current pool: a worker's own
// pool, or the global pool when called from outside any pool (as join()
// does). To run one on a chosen pool, call it inside `pool.install(...)`.
// Every piece is a join() of the pool, so a wait inside the algorithm is a
// wait the watchdog knows: the calling thread helps, or parks as join does.
//
// Determinism. The range is cut into pieces whose bounds depend only on its
// length and the grain, never on the pool's size or on which worker stole
// what, and the pieces' results are combined in index order. So the result
// of transform_reduce and of the scans is the same, bit for bit, on every run
// and every pool size, also for operations that are not associative
// (floating-point sums), though it may differ from the sequential
// std::accumulate's, which associates differently. The element results
// (transform, copy_if, partition_copy, find_if, min/max_element) are those
// of the sequential algorithms exactly.
//
// Calls. `f` and `reduce` are called concurrently from several workers and
// must not race; transform_reduce's `reduce` must be associative up to the
// rounding the caller accepts, and `init` is combined once, first. copy_if
// and partition_copy call `pred` exactly once per element (they keep its
// answers, one bit per element); find_if calls it at most once per element
// and stops early: once a match is found, no piece after it starts, and
// the pieces already running finish (each stops at its own match).
//
// Exceptions. A call that throws ends its piece and the pieces that would
// have followed it on that worker; the others run (join waits for both its
// halves), and the algorithm rethrows the first exception once all have
// finished. Which elements were processed is then unspecified, and the
// output may be partly written.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "knot/runtime/detail/splitter.h"
#include "knot/runtime/join.h"
#include "knot/runtime/parallel_for.h"

namespace knot {

namespace detail {

// Automatic pieces: at most kMaxPieces of at least kMinPiece elements:
// enough for every worker to take several, few enough that their
// bookkeeping is a few kilobytes. An explicit grain is the pieces' size, as
// for parallel_for (at most that many elements).
inline constexpr std::size_t kMaxPieces = 256;
inline constexpr std::size_t kMinPiece = 512;

// Pieces is a fixed cut of [0, n): piece p is [p * size, min(n, (p + 1) * size)).
struct Pieces {
  std::size_t n = 0;
  std::size_t size = 1;
  std::size_t count = 0;

  Pieces(std::size_t length, Grain grain, std::size_t max_pieces = kMaxPieces) : n(length) {
    size = grain.size != 0 ? grain.size : std::max(kMinPiece, (n + max_pieces - 1) / max_pieces);
    count = (n + size - 1) / size;
  }
  std::size_t begin(std::size_t p) const noexcept { return p * size; }
  std::size_t end(std::size_t p) const noexcept { return std::min(n, (p + 1) * size); }
};

// pieces_split() runs pieces [lo, hi) left to right on this worker, after
// offering the right half to thieves (join() runs its second closure at
// once and pushes the first): a search meets the earliest pieces first.
template <class F>
void pieces_split(std::size_t lo, std::size_t hi, F& f, Splitter splitter, bool migrated) {
  if (!splitter.try_split(hi - lo, migrated)) {
    for (std::size_t p = lo; p < hi; ++p)
      f(p);
    return;
  }
  const std::size_t mid = lo + (hi - lo) / 2;
  join_context([&](bool m) { pieces_split(mid, hi, f, splitter, m); },
               [&](bool m) { pieces_split(lo, mid, f, splitter, m); });
}

// for_pieces() calls f(p) for every piece on the current pool, splitting
// the piece indices adaptively (Splitter): a worker runs many pieces in a
// row while nobody steals.
template <class F>
void for_pieces(const Pieces& pieces, F&& f) {
  if (pieces.count != 0)
    pieces_split(0, pieces.count, f, Splitter(Grain{}), false);
}

// fold_piece() is reduce over map(lo), ..., map(hi - 1), lo < hi, from the
// first element, four at a time in a small tree: the four maps are
// independent and the dependent reduce steps are half as many, as in
// libstdc++'s sequential transform_reduce. The operands stay in index
// order, and the shape depends only on lo and hi (see "Determinism").
template <class T, class Map, class Reduce>
T fold_piece(std::size_t lo, std::size_t hi, Map& map, Reduce& reduce) {
  T acc(map(lo));
  std::size_t i = lo + 1;
  for (; hi - i >= 4; i += 4) {
    T left = reduce(map(i), map(i + 1));
    T right = reduce(map(i + 2), map(i + 3));
    acc = reduce(std::move(acc), reduce(std::move(left), std::move(right)));
  }
  for (; i < hi; ++i)
    acc = reduce(std::move(acc), map(i));
  return acc;
}

// reduce_pieces() is reduce over map(0), ..., map(n - 1), n > 0: each
// piece folded by fold_piece(), then the pieces folded in order.
template <class T, class Map, class Reduce>
T reduce_pieces(std::size_t n, Map& map, Reduce& reduce, Grain grain) {
  const Pieces pieces(n, grain);
  std::vector<std::optional<T>> partial(pieces.count);
  for_pieces(pieces, [&](std::size_t p) {
    partial[p].emplace(fold_piece<T>(pieces.begin(p), pieces.end(p), map, reduce));
  });
  T result(std::move(*partial[0]));
  for (std::size_t p = 1; p < pieces.count; ++p)
    result = reduce(std::move(result), std::move(*partial[p]));
  return result;
}

template <std::size_t Lo, std::size_t Hi, class Tuple>
void invoke_range(Tuple& fs) {
  if constexpr (Hi - Lo == 1) {
    std::invoke(std::get<Lo>(fs));
  } else {
    constexpr std::size_t kMid = Lo + (Hi - Lo) / 2;
    join([&] { invoke_range<Lo, kMid>(fs); }, [&] { invoke_range<kMid, Hi>(fs); });
  }
}

// spread() runs f() on `n` tasks that idle workers may take (a join tree:
// this thread runs one, offers the others).
template <class F>
void spread(std::size_t n, F& f) {
  if (n <= 1) {
    if (n == 1)
      f();
    return;
  }
  join([&] { spread(n / 2, f); }, [&] { spread(n - n / 2, f); });
}

// find_first() is the index of the first element of [0, n) with
// test(i) true, or n: find_if's engine. Its pieces are handed out in index
// order, from one counter, to this thread and to helpers on the pool's
// other workers: all of them scan near the front, so a match at index i is
// found after about i / workers elements each, and no worker scans the far
// end while the front is still open (a join tree of the pieces had one
// worker walk the front alone, while thieves took the far halves). Once a
// match is found, no piece after it is handed out; the pieces before it,
// all handed out already, finish, so the first match wins. A test that
// throws stops the hand-out too.
template <class Test>
std::size_t find_first(std::size_t n, Test& test, Grain grain) {
  // Finer pieces than the others: a match stops the search at the end of
  // the pieces running when it was found.
  const Pieces pieces(n, grain, 4 * kMaxPieces);
  std::atomic<std::size_t> best{n};
  std::atomic<std::size_t> next{0};  // the next piece to hand out
  // scan_piece() tests piece p and says whether it matched.
  auto scan_piece = [&](std::size_t p) {
    for (std::size_t i = pieces.begin(p); i < pieces.end(p); ++i) {
      if (test(i)) {
        std::size_t seen = best.load(std::memory_order_relaxed);
        while (i < seen && !best.compare_exchange_weak(seen, i, std::memory_order_relaxed)) {
        }
        return true;
      }
    }
    return false;
  };
  // A task takes pieces until they run out, one starts after a match (so
  // does every later one), or its own piece matched.
  auto scan = [&] {
    try {
      for (std::size_t p; (p = next.fetch_add(1, std::memory_order_relaxed)) < pieces.count;) {
        if (pieces.begin(p) >= best.load(std::memory_order_relaxed) || scan_piece(p))
          return;
      }
    } catch (...) {
      next.store(pieces.count, std::memory_order_relaxed);  // no piece is handed out after it
      throw;
    }
  };
  spread(std::min(current_num_threads(), pieces.count), scan);
  return best.load(std::memory_order_relaxed);
}

// ScanFrontier hands out a scan's pieces from both ends: the scan's own
// thread takes them from the left, in order (their carry is known when it
// gets there), helpers take them from the right. One word holds both ends
// (left in the low half), so a piece is taken once.
class ScanFrontier {
 public:
  explicit ScanFrontier(std::size_t count) noexcept : word_(count << 32) {}

  // take_left() / take_right(): a piece index, or nullopt once the ends met.
  std::optional<std::size_t> take_left() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    while ((w & kLow) < (w >> 32)) {
      if (word_.compare_exchange_weak(w, w + 1, std::memory_order_relaxed))
        return static_cast<std::size_t>(w & kLow);
    }
    return std::nullopt;
  }
  std::optional<std::size_t> take_right() noexcept {
    std::uint64_t w = word_.load(std::memory_order_relaxed);
    while ((w & kLow) < (w >> 32)) {
      if (word_.compare_exchange_weak(w, w - (std::uint64_t{1} << 32), std::memory_order_relaxed))
        return static_cast<std::size_t>((w >> 32) - 1);
    }
    return std::nullopt;
  }
  static constexpr std::size_t kMaxCount = std::size_t{1} << 31;

 private:
  static constexpr std::uint64_t kLow = 0xFFFFFFFFu;
  std::atomic<std::uint64_t> word_;
};

// scan_into() is the engine of both scans: out[i] = carry_p op x[lo..i]
// (inclusive) or carry_p op x[lo..i-1] (exclusive) for i in piece p =
// [lo, hi), where carry_p folds init and the pieces' totals before p in
// order, and a piece's total folds its elements from the first; carry_0
// is init, empty for an inclusive scan without one.
//
// One read of the input where the carry is known, two elsewhere (oneTBB's
// parallel_scan has the same property): this thread scans pieces from the
// left, in order, computing each piece's output and total in one pass;
// helpers on other workers meanwhile total pieces from the right (pass 1).
// When the ends meet, the carries of the right pieces follow from the
// totals, and those pieces are scanned in parallel (pass 2). The values do
// not depend on where the ends met: every piece folds the same operands in
// the same order, so a non-associative op gives the same bits on every pool.
template <class In, class Out, class T, class Op>
Out scan_into(In first, In last, Out out, std::optional<T> init, Op& op, bool inclusive,
              Grain grain) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n == 0)
    return out;
  const Pieces pieces(n, grain);
  std::vector<std::optional<T>> totals(pieces.count);
  // final_scan() writes piece p's output from `carry`; with `total`, it
  // also folds the piece's total into it (the left pieces, whose total is
  // not known yet), in the same pass. Each element is read before its
  // output is written: `out` may be `first`.
  auto final_scan = [&](std::size_t p, std::optional<T> carry, std::optional<T>* total) {
    const auto lo = static_cast<std::ptrdiff_t>(pieces.begin(p));
    const auto hi = static_cast<std::ptrdiff_t>(pieces.end(p));
    if (total != nullptr)
      total->emplace(first[lo]);
    if (inclusive) {
      T acc = carry ? T(op(std::move(*carry), first[lo])) : T(first[lo]);
      out[lo] = acc;
      for (auto i = lo + 1; i < hi; ++i) {
        acc = op(std::move(acc), first[i]);
        if (total != nullptr)
          **total = op(std::move(**total), first[i]);
        out[i] = acc;
      }
    } else {
      T acc = std::move(*carry);
      for (auto i = lo; i < hi; ++i) {
        if (total != nullptr && i != lo)
          **total = op(std::move(**total), first[i]);
        T x(first[i]);
        out[i] = acc;
        acc = op(std::move(acc), std::move(x));
      }
    }
  };
  // Left: pieces [0, m) in order; `carry` is the carry into the next.
  std::optional<T> carry = std::move(init);
  std::size_t m = 0;
  // add_total() folds piece p's total into `carry`.
  auto add_total = [&](std::size_t p) {
    carry = carry ? std::optional<T>(op(std::move(*carry), std::move(*totals[p])))
                  : std::move(totals[p]);
  };
  auto scan_left = [&](std::size_t p) {
    final_scan(p, carry, &totals[p]);
    add_total(p);
    m = p + 1;
  };
  if (pieces.count == 1 || pieces.count >= ScanFrontier::kMaxCount || current_num_threads() == 1) {
    for (std::size_t p = 0; p < pieces.count; ++p)
      scan_left(p);
    return out + static_cast<std::ptrdiff_t>(n);
  }
  ScanFrontier frontier(pieces.count);
  auto helper = [&] {
    while (const std::optional<std::size_t> p = frontier.take_right()) {
      const auto lo = static_cast<std::ptrdiff_t>(pieces.begin(*p));
      T acc(first[lo]);
      for (auto i = lo + 1; i < static_cast<std::ptrdiff_t>(pieces.end(*p)); ++i)
        acc = op(std::move(acc), first[i]);
      totals[*p].emplace(std::move(acc));
    }
  };
  const std::size_t helpers = std::min(current_num_threads(), pieces.count) - 1;
  join([&] { spread(helpers, helper); },
       [&] {
         while (const std::optional<std::size_t> p = frontier.take_left())
           scan_left(*p);
       });
  // Right: pieces [m, count), totalled; their carries in order, then pass 2.
  std::vector<std::optional<T>> carries(pieces.count);
  for (std::size_t p = m; p < pieces.count; ++p) {
    carries[p] = carry;
    add_total(p);
  }
  auto second = [&](std::size_t p) { final_scan(p, std::move(carries[p]), nullptr); };
  if (m < pieces.count)
    pieces_split(m, pieces.count, second, Splitter(Grain{}), false);
  return out + static_cast<std::ptrdiff_t>(n);
}

// select_into() is copy_if and partition_copy: the elements whose flag is
// `true` go to out_true in order, the others (when out_false is given) to
// out_false in order. Pass 1 keeps pred's answers as bits, 64 to a word,
// each piece in words of its own (no word is shared between pieces, so no
// two workers write one), and counts them; pass 2 copies. A bit per
// element rather than a byte: an eighth of the memory to fault in and to
// read again, and pass 2 visits the kept elements by their bits without a
// branch per element.
template <class In, class OutT, class OutF, class Pred>
std::pair<OutT, OutF> select_into(In first, In last, OutT out_true, OutF* out_false, Pred& pred,
                                  Grain grain) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n == 0)
    return {out_true, out_false != nullptr ? *out_false : OutF{}};
  const Pieces pieces(n, grain);
  std::vector<std::size_t> word_begin(pieces.count + 1, 0);
  for (std::size_t p = 0; p < pieces.count; ++p)
    word_begin[p + 1] = word_begin[p] + (pieces.end(p) - pieces.begin(p) + 63) / 64;
  // Not zeroed first: pass 1 writes every word, in parallel.
  const auto bits = std::make_unique_for_overwrite<std::uint64_t[]>(word_begin[pieces.count]);
  std::vector<std::size_t> kept(pieces.count);
  for_pieces(pieces, [&](std::size_t p) {
    std::uint64_t* word = bits.get() + word_begin[p];
    std::size_t count = 0;
    for (std::size_t base = pieces.begin(p); base < pieces.end(p); base += 64) {
      const std::size_t width = std::min<std::size_t>(64, pieces.end(p) - base);
      std::uint64_t w = 0;
      for (std::size_t k = 0; k < width; ++k) {
        const bool keep = pred(first[static_cast<std::ptrdiff_t>(base + k)]);
        w |= std::uint64_t{keep} << k;
      }
      *word++ = w;
      count += static_cast<std::size_t>(std::popcount(w));
    }
    kept[p] = count;
  });
  std::vector<std::size_t> offset(pieces.count);
  std::size_t total = 0;
  for (std::size_t p = 0; p < pieces.count; ++p) {
    offset[p] = total;
    total += kept[p];
  }
  for_pieces(pieces, [&](std::size_t p) {
    const std::uint64_t* word = bits.get() + word_begin[p];
    auto t = static_cast<std::ptrdiff_t>(offset[p]);
    auto f = static_cast<std::ptrdiff_t>(pieces.begin(p) - offset[p]);
    for (std::size_t base = pieces.begin(p); base < pieces.end(p); base += 64, ++word) {
      std::uint64_t w = *word;
      if (out_false == nullptr) {  // copy_if: the kept elements only
        while (w != 0) {
          const auto k = static_cast<std::size_t>(std::countr_zero(w));
          out_true[t++] = first[static_cast<std::ptrdiff_t>(base + k)];
          w &= w - 1;
        }
        continue;
      }
      const std::size_t width = std::min<std::size_t>(64, pieces.end(p) - base);
      for (std::size_t k = 0; k < width; ++k) {
        const auto at = static_cast<std::ptrdiff_t>(base + k);
        if ((w >> k) & 1u) {
          out_true[t++] = first[at];
        } else {
          (*out_false)[f++] = first[at];
        }
      }
    }
  });
  return {out_true + static_cast<std::ptrdiff_t>(total),
          out_false != nullptr ? *out_false + static_cast<std::ptrdiff_t>(n - total) : OutF{}};
}

}  // namespace detail

// ---- transform -------------------------------------------------------------

template <std::random_access_iterator In, std::random_access_iterator Out, class F>
Out transform(In first, In last, Out out, F&& f, Grain grain = {}) {
  using Diff = std::iter_difference_t<In>;
  parallel_for(
      Diff{0}, last - first, [&](Diff i) { out[i] = f(first[i]); }, grain);
  return out + (last - first);
}

template <std::random_access_iterator In1, std::random_access_iterator In2,
          std::random_access_iterator Out, class F>
Out transform(In1 first1, In1 last1, In2 first2, Out out, F&& f, Grain grain = {}) {
  using Diff = std::iter_difference_t<In1>;
  parallel_for(
      Diff{0}, last1 - first1, [&](Diff i) { out[i] = f(first1[i], first2[i]); }, grain);
  return out + (last1 - first1);
}

template <std::ranges::random_access_range R, std::random_access_iterator Out, class F>
Out transform(R&& range, Out out, F&& f, Grain grain = {}) {
  return knot::transform(std::ranges::begin(range), std::ranges::end(range), out, f, grain);
}

// ---- transform_reduce, count_if --------------------------------------------

// transform_reduce() is reduce(init, f(x0), f(x1), ...), combined piece by
// piece in index order (see "Determinism" above).
template <std::random_access_iterator In, class T, class Reduce, class F>
T transform_reduce(In first, In last, T init, Reduce&& reduce, F&& f, Grain grain = {}) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n == 0)
    return init;
  auto map = [&](std::size_t i) -> T { return f(first[static_cast<std::ptrdiff_t>(i)]); };
  return reduce(std::move(init), detail::reduce_pieces<T>(n, map, reduce, grain));
}

template <std::ranges::random_access_range R, class T, class Reduce, class F>
T transform_reduce(R&& range, T init, Reduce&& reduce, F&& f, Grain grain = {}) {
  return knot::transform_reduce(std::ranges::begin(range), std::ranges::end(range), std::move(init),
                                reduce, f, grain);
}

template <std::random_access_iterator In, class Pred>
std::iter_difference_t<In> count_if(In first, In last, Pred&& pred, Grain grain = {}) {
  using Diff = std::iter_difference_t<In>;
  return knot::transform_reduce(
      first, last, Diff{0}, std::plus<>{},
      [&](const auto& x) { return static_cast<Diff>(pred(x) ? 1 : 0); }, grain);
}

template <std::ranges::random_access_range R, class Pred>
auto count_if(R&& range, Pred&& pred, Grain grain = {}) {
  return knot::count_if(std::ranges::begin(range), std::ranges::end(range), pred, grain);
}

// ---- min_element, max_element ------------------------------------------------

namespace detail {

// first_best() is the index of the element no later element beats:
// beats(x, y) says y (to the right) replaces x; ties keep the left.
template <class It, class Beats>
It first_best(It first, It last, Beats beats, Grain grain) {
  if (first == last)
    return last;
  auto index = [](std::size_t i) { return i; };
  auto pick = [&](std::size_t a, std::size_t b) {
    return beats(first[static_cast<std::ptrdiff_t>(a)], first[static_cast<std::ptrdiff_t>(b)]) ? b
                                                                                               : a;
  };
  const auto n = static_cast<std::size_t>(last - first);
  return first + static_cast<std::ptrdiff_t>(reduce_pieces<std::size_t>(n, index, pick, grain));
}

}  // namespace detail

// min_element() is the first smallest element (by `comp`), or `last` when
// the range is empty; max_element() the first largest.
template <std::random_access_iterator It, class Comp = std::less<>>
It min_element(It first, It last, Comp comp = {}, Grain grain = {}) {
  return detail::first_best(
      first, last, [&](const auto& x, const auto& y) { return comp(y, x); }, grain);
}

template <std::random_access_iterator It, class Comp = std::less<>>
It max_element(It first, It last, Comp comp = {}, Grain grain = {}) {
  return detail::first_best(
      first, last, [&](const auto& x, const auto& y) { return comp(x, y); }, grain);
}

template <std::ranges::random_access_range R, class Comp = std::less<>>
auto min_element(R&& range, Comp comp = {}, Grain grain = {}) {
  return knot::min_element(std::ranges::begin(range), std::ranges::end(range), comp, grain);
}

template <std::ranges::random_access_range R, class Comp = std::less<>>
auto max_element(R&& range, Comp comp = {}, Grain grain = {}) {
  return knot::max_element(std::ranges::begin(range), std::ranges::end(range), comp, grain);
}

// ---- find_if, any_of, all_of, none_of ------------------------------------------

template <std::random_access_iterator It, class Pred>
It find_if(It first, It last, Pred&& pred, Grain grain = {}) {
  const auto n = static_cast<std::size_t>(last - first);
  auto test = [&](std::size_t i) -> bool {
    return static_cast<bool>(pred(first[static_cast<std::ptrdiff_t>(i)]));
  };
  return first + static_cast<std::ptrdiff_t>(detail::find_first(n, test, grain));
}

template <std::ranges::random_access_range R, class Pred>
auto find_if(R&& range, Pred&& pred, Grain grain = {}) {
  return knot::find_if(std::ranges::begin(range), std::ranges::end(range), pred, grain);
}

template <std::random_access_iterator It, class Pred>
bool any_of(It first, It last, Pred&& pred, Grain grain = {}) {
  return knot::find_if(first, last, pred, grain) != last;
}

template <std::random_access_iterator It, class Pred>
bool none_of(It first, It last, Pred&& pred, Grain grain = {}) {
  return !knot::any_of(first, last, pred, grain);
}

template <std::random_access_iterator It, class Pred>
bool all_of(It first, It last, Pred&& pred, Grain grain = {}) {
  return knot::find_if(
             first, last, [&](const auto& x) { return !pred(x); }, grain) == last;
}

template <std::ranges::random_access_range R, class Pred>
bool any_of(R&& range, Pred&& pred, Grain grain = {}) {
  return knot::any_of(std::ranges::begin(range), std::ranges::end(range), pred, grain);
}

template <std::ranges::random_access_range R, class Pred>
bool none_of(R&& range, Pred&& pred, Grain grain = {}) {
  return knot::none_of(std::ranges::begin(range), std::ranges::end(range), pred, grain);
}

template <std::ranges::random_access_range R, class Pred>
bool all_of(R&& range, Pred&& pred, Grain grain = {}) {
  return knot::all_of(std::ranges::begin(range), std::ranges::end(range), pred, grain);
}

// ---- inclusive_scan, exclusive_scan ---------------------------------------------
//
// Two passes over the pieces (each piece's total, then each piece scanned
// from the carry of the pieces before it): about 2n applications of `op`,
// against n for the sequential scan, and no more than that however many
// workers run. `out` may be `first` (an in-place scan).

template <std::random_access_iterator In, std::random_access_iterator Out, class Op = std::plus<>>
Out inclusive_scan(In first, In last, Out out, Op op = {}, Grain grain = {}) {
  using T = std::iter_value_t<In>;
  return detail::scan_into(first, last, out, std::optional<T>(), op, true, grain);
}

template <std::random_access_iterator In, std::random_access_iterator Out, class Op, class T>
Out inclusive_scan(In first, In last, Out out, Op op, T init, Grain grain = {}) {
  return detail::scan_into(first, last, out, std::optional<T>(std::move(init)), op, true, grain);
}

template <std::random_access_iterator In, std::random_access_iterator Out, class T,
          class Op = std::plus<>>
Out exclusive_scan(In first, In last, Out out, T init, Op op = {}, Grain grain = {}) {
  return detail::scan_into(first, last, out, std::optional<T>(std::move(init)), op, false, grain);
}

template <std::ranges::random_access_range R, std::random_access_iterator Out,
          class Op = std::plus<>>
Out inclusive_scan(R&& range, Out out, Op op = {}, Grain grain = {}) {
  return knot::inclusive_scan(std::ranges::begin(range), std::ranges::end(range), out, op, grain);
}

template <std::ranges::random_access_range R, std::random_access_iterator Out, class T,
          class Op = std::plus<>>
Out exclusive_scan(R&& range, Out out, T init, Op op = {}, Grain grain = {}) {
  return knot::exclusive_scan(std::ranges::begin(range), std::ranges::end(range), out,
                              std::move(init), op, grain);
}

// ---- copy_if, partition_copy --------------------------------------------------

// copy_if() copies the elements that satisfy `pred` to `out`, in their
// order, and returns the end of what it wrote.
template <std::random_access_iterator In, std::random_access_iterator Out, class Pred>
Out copy_if(In first, In last, Out out, Pred&& pred, Grain grain = {}) {
  return detail::select_into<In, Out, Out>(first, last, out, nullptr, pred, grain).first;
}

template <std::ranges::random_access_range R, std::random_access_iterator Out, class Pred>
Out copy_if(R&& range, Out out, Pred&& pred, Grain grain = {}) {
  return knot::copy_if(std::ranges::begin(range), std::ranges::end(range), out, pred, grain);
}

// partition_copy() copies the elements that satisfy `pred` to `out_true`
// and the others to `out_false`, each in their order, and returns the ends.
template <std::random_access_iterator In, std::random_access_iterator OutT,
          std::random_access_iterator OutF, class Pred>
std::pair<OutT, OutF> partition_copy(In first, In last, OutT out_true, OutF out_false, Pred&& pred,
                                     Grain grain = {}) {
  return detail::select_into<In, OutT, OutF>(first, last, out_true, &out_false, pred, grain);
}

// ---- invoke -----------------------------------------------------------------------

// invoke() runs every closure, potentially in parallel (a balanced tree of
// joins), and returns when all have; exceptions as join's.
template <class... F>
void invoke(F&&... fs) {
  if constexpr (sizeof...(F) > 0) {
    auto refs = std::forward_as_tuple(fs...);
    detail::invoke_range<0, sizeof...(F)>(refs);
  }
}

}  // namespace knot
