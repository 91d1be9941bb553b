// knot_compare's rows for the range algorithms (knot/runtime/algorithms.h)
// against oneTBB and libstdc++'s parallel algorithms (std::execution::par,
// which run on oneTBB), each inside the session's arena or pool:
//
//   transform_reduce  sum of squares of random u64 (wrapping: exact)
//   inclusive_scan    running sums of random u64
//   find_if           the first element equal to a value placed at 1% of the
//                     range; knot's full pass (no match) beside it
//   copy_if           the elements below the median, in order
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/parallel_scan.h>

#include <algorithm>
#include <atomic>
#include <execution>
#include <functional>
#include <numeric>
#include <span>

#include "common/workload_data.h"
#include "compare/workloads.h"
#include "knot/runtime/algorithms.h"

namespace knot::bench {
namespace {

using U64 = std::uint64_t;

std::size_t algorithm_elements(const Session& s) {
  return s.sizes.sum_elements;
}

// A row from measured contenders: knot first, oneTBB second, std::par
// third, then the others; the target is knot's throughput against the
// faster of oneTBB and std::par.
Row algorithm_row(Session& s, const std::string& workload, const std::vector<Contender>& cs) {
  OtherLoad load;
  auto stats = measure(cs, s.measure, s.errors);
  Row row;
  row.others_cpu_percent = load.percent();
  row.workload = workload;
  row.knot = stats[0];
  row.tbb = stats[1];
  for (std::size_t i = 2; i < stats.size(); ++i)
    row.others.push_back({cs[i].name, stats[i]});
  const double fastest = std::min(stats[1].median_s, stats[2].median_s);
  row.target = Target{"knot / faster of (oneTBB, std::par) throughput", fastest / stats[0].median_s,
                      0.95, false};
  return row;
}

void compare_transform_reduce(Session& s, std::span<const U64> data) {
  auto square = [](U64 x) { return x * x; };
  const U64 want = std::transform_reduce(data.begin(), data.end(), U64{0}, std::plus<>{}, square);
  U64 got[3] = {};
  auto check = [&got, want](int i) {
    return [&got, want, i] { return expect_equal(got[i], want); };
  };
  std::vector<Contender> cs = {
      {"knot transform_reduce",
       {},
       [&] {
         got[0] = s.pool.install(
             [&] { return knot::transform_reduce(data, U64{0}, std::plus<>{}, square); });
       },
       check(0)},
      {"tbb parallel_reduce",
       {},
       [&] {
         s.arena.execute([&] {
           got[1] = tbb::parallel_reduce(
               tbb::blocked_range<std::size_t>(0, data.size()), U64{0},
               [&](const tbb::blocked_range<std::size_t>& r, U64 acc) {
                 for (std::size_t i = r.begin(); i < r.end(); ++i)
                   acc += square(data[i]);
                 return acc;
               },
               std::plus<>{});
         });
       },
       check(1)},
      {"std::transform_reduce(par)",
       {},
       [&] {
         s.arena.execute([&] {
           got[2] = std::transform_reduce(std::execution::par, data.begin(), data.end(), U64{0},
                                          std::plus<>{}, square);
         });
       },
       check(2)},
  };
  s.report.rows.push_back(algorithm_row(
      s, "transform_reduce: sum of squares of " + count_label(data.size()) + " u64", cs));
}

void compare_inclusive_scan(Session& s, std::span<const U64> data) {
  std::vector<U64> want(data.size());
  std::inclusive_scan(data.begin(), data.end(), want.begin());
  std::vector<U64> out(data.size());
  auto clear = [&] { std::fill(out.begin(), out.end(), U64{0}); };
  auto check = [&]() -> std::string { return out == want ? "" : "wrong running sums"; };
  std::vector<Contender> cs = {
      {"knot inclusive_scan", clear,
       [&] { s.pool.install([&] { knot::inclusive_scan(data, out.begin()); }); }, check},
      {"tbb parallel_scan", clear,
       [&] {
         s.arena.execute([&] {
           tbb::parallel_scan(
               tbb::blocked_range<std::size_t>(0, data.size()), U64{0},
               [&](const tbb::blocked_range<std::size_t>& r, U64 sum, bool is_final) {
                 for (std::size_t i = r.begin(); i < r.end(); ++i) {
                   sum += data[i];
                   if (is_final)
                     out[i] = sum;
                 }
                 return sum;
               },
               std::plus<>{});
         });
       },
       check},
      {"std::inclusive_scan(par)", clear,
       [&] {
         s.arena.execute([&] {
           std::inclusive_scan(std::execution::par, data.begin(), data.end(), out.begin());
         });
       },
       check},
  };
  s.report.rows.push_back(
      algorithm_row(s, "inclusive_scan of " + count_label(data.size()) + " u64", cs));
}

void compare_find_if(Session& s, std::span<const U64> data) {
  // A value no random element has, placed at 1% of the range.
  std::vector<U64> v(data.begin(), data.end());
  const U64 needle = ~U64{0};
  std::replace(v.begin(), v.end(), needle, U64{0});
  const std::size_t at = v.size() / 100;
  v[at] = needle;
  auto is_needle = [needle](U64 x) { return x == needle; };
  std::size_t got[4] = {};
  auto check = [&got, at](int i, std::size_t want) {
    return [&got, i, want]() -> std::string {
      return got[i] == want ? "" : "found " + std::to_string(got[i]);
    };
  };
  std::vector<Contender> cs = {
      {"knot find_if",
       {},
       [&] {
         got[0] = static_cast<std::size_t>(
             s.pool.install([&] { return knot::find_if(v, is_needle); }) - v.begin());
       },
       check(0, at)},
      {"tbb parallel_for, cancellation flag",
       {},
       [&] {
         std::atomic<std::size_t> best{v.size()};
         s.arena.execute([&] {
           tbb::parallel_for(tbb::blocked_range<std::size_t>(0, v.size()),
                             [&](const tbb::blocked_range<std::size_t>& r) {
                               if (r.begin() >= best.load(std::memory_order_relaxed))
                                 return;
                               for (std::size_t i = r.begin(); i < r.end(); ++i) {
                                 if (is_needle(v[i])) {
                                   std::size_t seen = best.load(std::memory_order_relaxed);
                                   while (i < seen && !best.compare_exchange_weak(seen, i)) {
                                   }
                                   return;
                                 }
                               }
                             });
         });
         got[1] = best.load();
       },
       check(1, at)},
      {"std::find_if(par)",
       {},
       [&] {
         s.arena.execute([&] {
           got[2] = static_cast<std::size_t>(
               std::find_if(std::execution::par, v.begin(), v.end(), is_needle) - v.begin());
         });
       },
       check(2, at)},
      {"knot find_if, no match (full pass)",
       {},
       [&] {
         got[3] = static_cast<std::size_t>(s.pool.install([&] {
           return knot::find_if(v, [](U64 x) { return x == 1; });
         }) - v.begin());
       },
       [&got, &v]() -> std::string {
         return got[3] == v.size() || v[got[3]] == 1 ? "" : "wrong element";
       }},
  };
  const Row row =
      algorithm_row(s, "find_if in " + count_label(v.size()) + " u64, answer at 1%", cs);
  s.report.rows.push_back(row);
  // The early exit: a full pass (the last contender) against a search that
  // stops at 1%.
  Row early;
  early.workload = "find_if early exit: full pass / answer at 1%";
  early.knot = row.knot;
  early.target = Target{"knot full-pass time / early-answer time",
                        row.others.back().stats.median_s / row.knot->median_s, 10.0, false};
  s.report.rows.push_back(early);
}

void compare_copy_if(Session& s, std::span<const U64> data) {
  const U64 median = U64{1} << 63;
  auto below = [median](U64 x) { return x < median; };
  std::vector<U64> want;
  std::copy_if(data.begin(), data.end(), std::back_inserter(want), below);
  std::vector<U64> out(data.size());
  std::size_t got_count = 0;
  auto clear = [&] {
    std::fill(out.begin(), out.end(), U64{0});
    got_count = 0;
  };
  auto check = [&]() -> std::string {
    return got_count == want.size() && std::equal(want.begin(), want.end(), out.begin())
               ? ""
               : "wrong selection";
  };
  std::vector<Contender> cs = {
      {"knot copy_if", clear,
       [&] {
         got_count = static_cast<std::size_t>(
             s.pool.install([&] { return knot::copy_if(data, out.begin(), below); }) - out.begin());
       },
       check},
      {"tbb parallel_scan (pack)", clear,
       [&] {
         s.arena.execute([&] {
           got_count = tbb::parallel_scan(
               tbb::blocked_range<std::size_t>(0, data.size()), std::size_t{0},
               [&](const tbb::blocked_range<std::size_t>& r, std::size_t count, bool is_final) {
                 for (std::size_t i = r.begin(); i < r.end(); ++i) {
                   if (below(data[i])) {
                     if (is_final)
                       out[count] = data[i];
                     ++count;
                   }
                 }
                 return count;
               },
               std::plus<>{});
         });
       },
       check},
      {"std::copy_if(par)", clear,
       [&] {
         s.arena.execute([&] {
           got_count = static_cast<std::size_t>(
               std::copy_if(std::execution::par, data.begin(), data.end(), out.begin(), below) -
               out.begin());
         });
       },
       check},
  };
  s.report.rows.push_back(
      algorithm_row(s, "copy_if of " + count_label(data.size()) + " u64, half kept", cs));
}

}  // namespace

void compare_algorithms(Session& s) {
  const auto data = random_u64(algorithm_elements(s), 5);
  compare_transform_reduce(s, data);
  compare_inclusive_scan(s, data);
  compare_find_if(s, data);
  compare_copy_if(s, data);
}

}  // namespace knot::bench
