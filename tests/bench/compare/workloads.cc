// compare_*(): see workloads.h.
#include "compare/workloads.h"

#include <algorithm>
#include <cstdio>
#include <span>

#include "baselines/omp_workloads.h"
#include "baselines/queue_workloads.h"
#include "baselines/serial_workloads.h"
#include "baselines/tbb_workloads.h"
#include "common/workload_data.h"
#include "runtime/knot_channel_workloads.h"
#include "runtime/knot_workloads.h"

namespace knot::bench {

std::string count_label(std::uint64_t n) {
  char buf[32];
  if (n >= 1'000'000 && n % 1'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lluM", static_cast<unsigned long long>(n / 1'000'000));
  } else if (n >= 1'000 && n % 1'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lluk", static_cast<unsigned long long>(n / 1'000));
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  }
  return buf;
}

namespace {

double ns_per(const Stats& stats, std::uint64_t count) {
  return stats.median_s * 1e9 / static_cast<double>(count);
}

}  // namespace

Sizes quick_sizes() {
  Sizes s;
  s.fib_n = 27;
  s.spawn_tasks = 100'000;
  s.sum_elements = 10'000'000;
  s.sort_elements = 2'000'000;
  s.messages = 1'000'000;
  return s;
}

// ============================================================================
// 1. fib(n) by join, no cutoff
// ============================================================================

void compare_fib(Session& s) {
  const int n = s.sizes.fib_n;
  const std::uint64_t want = fib_reference(n);
  std::uint64_t knot_got = 0, tbb_got = 0, omp_got = 0, serial_got = 0;
  std::vector<Contender> cs = {
      {"knot join",
       {},
       [&] { knot_got = knot_fib(s.pool, n); },
       [&] { return expect_equal(knot_got, want); }},
      {"tbb parallel_invoke",
       {},
       [&] { tbb_got = tbb_fib(s.arena, n); },
       [&] { return expect_equal(tbb_got, want); }},
      {"omp task",
       {},
       [&] { omp_got = omp_fib(s.threads, n); },
       [&] { return expect_equal(omp_got, want); }},
      {"serial",
       {},
       [&] { serial_got = serial_fib(n); },
       [&] { return expect_equal(serial_got, want); }},
  };
  OtherLoad load;
  auto stats = measure(cs, s.measure, s.errors);
  Row row;
  row.others_cpu_percent = load.percent();
  row.workload = "fib(" + std::to_string(n) + ") by join, no cutoff";
  row.knot = stats[0];
  row.tbb = stats[1];
  row.tbb_note = "parallel_invoke";
  row.omp = stats[2];
  row.others = {{"serial", stats[3]}};
  row.target = Target{"knot/oneTBB time", stats[0].median_s / stats[1].median_s, 0.15, true};
  s.report.rows.push_back(row);

  const std::uint64_t joins = num_fib_joins(n);
  s.report.per_op.push_back(
      {"fib(" + std::to_string(n) + "): per join (" + std::to_string(joins) + " joins)",
       ns_per(stats[0], joins),
       ns_per(stats[1], joins),
       ns_per(stats[2], joins),
       {}});
}

// ============================================================================
// 2. Empty tasks spawned into one scope
// ============================================================================

void compare_spawn(Session& s) {
  const std::size_t tasks = s.sizes.spawn_tasks;
  std::vector<Contender> cs = {
      {"knot scope", {}, [&] { knot_spawn_empty(s.pool, tasks); }, {}},
      {"tbb task_group", {}, [&] { tbb_spawn_empty(s.arena, tasks); }, {}},
      {"omp task", {}, [&] { omp_spawn_empty(s.threads, tasks); }, {}},
  };
  OtherLoad load;
  auto stats = measure(cs, s.measure, s.errors);
  Row row;
  row.others_cpu_percent = load.percent();
  row.workload = count_label(tasks) + " empty tasks spawned into a scope";
  row.knot = stats[0];
  row.tbb = stats[1];
  row.tbb_note = "task_group::run";
  row.omp = stats[2];
  row.target = Target{"knot/oneTBB time", stats[0].median_s / stats[1].median_s, 1.0, true};
  s.report.rows.push_back(row);
  s.report.per_op.push_back({count_label(tasks) + " spawns: per task",
                             ns_per(stats[0], tasks),
                             ns_per(stats[1], tasks),
                             ns_per(stats[2], tasks),
                             {}});
}

// ============================================================================
// 3. Sums by parallel_reduce
// ============================================================================

namespace {

template <class T>
Row sum_row(Session& s, const std::string& type_name, std::span<const T> data,
            T (*knot_per_index)(ThreadPool&, std::span<const T>),
            T (*knot_piece)(ThreadPool&, std::span<const T>),
            T (*tbb_sum)(tbb::task_arena&, std::span<const T>),
            T (*omp_sum)(int, std::span<const T>), T (*serial_sum)(std::span<const T>)) {
  const T want = serial_sum(data);
  T got[5] = {};
  auto check = [&got, want](int i) {
    return [&got, want, i] { return expect_equal(got[i], want); };
  };
  std::vector<Contender> cs = {
      {"knot per-index", {}, [&] { got[0] = knot_per_index(s.pool, data); }, check(0)},
      {"knot piece", {}, [&] { got[1] = knot_piece(s.pool, data); }, check(1)},
      {"tbb parallel_reduce", {}, [&] { got[2] = tbb_sum(s.arena, data); }, check(2)},
      {"omp reduction", {}, [&] { got[3] = omp_sum(s.threads, data); }, check(3)},
      {"serial", {}, [&] { got[4] = serial_sum(data); }, check(4)},
  };
  OtherLoad load;
  auto stats = measure(cs, s.measure, s.errors);
  bool is_piece_better = stats[1].median_s < stats[0].median_s;
  Row row;
  row.others_cpu_percent = load.percent();
  row.workload = "sum of " + count_label(data.size()) + " " + type_name + " by parallel_reduce";
  row.knot = is_piece_better ? stats[1] : stats[0];
  row.knot_note = is_piece_better ? "piece form" : "per-index form";
  row.tbb = stats[2];
  row.omp = stats[3];
  row.others = {{is_piece_better ? "knot per-index form" : "knot piece form",
                 is_piece_better ? stats[0] : stats[1]},
                {"serial loop", stats[4]}};
  double fastest_baseline = std::min(stats[2].median_s, stats[3].median_s);
  row.target = Target{"knot / faster of (oneTBB, OpenMP) throughput",
                      fastest_baseline / row.knot->median_s, 0.95, false};
  return row;
}

}  // namespace

void compare_sums(Session& s) {
  {
    const auto data = random_u64(s.sizes.sum_elements, 1);
    s.report.rows.push_back(sum_row<std::uint64_t>(s, "u64", data, knot_sum_u64_per_index,
                                                   knot_sum_u64_piece, tbb_sum_u64, omp_sum_u64,
                                                   serial_sum_u64));
  }
  {
    const auto data = quarter_doubles(s.sizes.sum_elements, 2);
    s.report.rows.push_back(sum_row<double>(s, "doubles", data, knot_sum_f64_per_index,
                                            knot_sum_f64_piece, tbb_sum_f64, omp_sum_f64,
                                            serial_sum_f64));
  }
}

// ============================================================================
// 4. parallel_sort of random u64
// ============================================================================

void compare_sort(Session& s) {
  const auto input = random_u64(s.sizes.sort_elements, 3);
  std::uint64_t want_sum = 0;
  std::uint64_t want_xor = 0;
  for (std::uint64_t v : input) {
    want_sum += v;
    want_xor ^= v;
  }
  std::vector<std::uint64_t> work(input.size());
  auto prepare = [&] { std::copy(input.begin(), input.end(), work.begin()); };
  // Sorted, and the same multiset as far as a sum and an xor can tell.
  auto check = [&]() -> std::string {
    if (!std::is_sorted(work.begin(), work.end()))
      return "output is not sorted";
    std::uint64_t sum = 0;
    std::uint64_t x = 0;
    for (std::uint64_t v : work) {
      sum += v;
      x ^= v;
    }
    if (sum != want_sum || x != want_xor)
      return "output is not a permutation of the input";
    return "";
  };
  std::vector<Contender> cs = {
      {"knot parallel_sort", prepare, [&] { knot_sort(s.pool, work); }, check},
      {"tbb parallel_sort", prepare, [&] { tbb_sort(s.arena, work); }, check},
      {"std::sort(par)", prepare, [&] { std_par_sort(s.arena, work); }, check},
      {"std::sort", prepare, [&] { serial_sort(work); }, check},
  };
  OtherLoad load;
  auto stats = measure(cs, s.measure, s.errors);
  Row row;
  row.others_cpu_percent = load.percent();
  row.workload = "parallel_sort of " + count_label(input.size()) + " random u64";
  row.knot = stats[0];
  row.tbb = stats[1];
  row.others = {{"std::sort(std::execution::par)", stats[2]}, {"std::sort serial", stats[3]}};
  row.target = Target{"knot/oneTBB time", stats[0].median_s / stats[1].median_s, 1.0, true};
  s.report.rows.push_back(row);
}

// ============================================================================
// 5. Bounded channel throughput
// ============================================================================

void compare_channels(Session& s) {
  const std::uint64_t messages = s.sizes.messages;
  const std::size_t capacity = s.sizes.channel_capacity;
  const std::uint64_t want = sum_1_to(messages);
  for (int pairs : {1, 2}) {
    std::uint64_t got[3] = {};
    auto check = [&got, want](int i) {
      return [&got, want, i] { return expect_equal(got[i], want); };
    };
    std::vector<Contender> cs = {
        {"knot channel",
         {},
         [&] { got[0] = knot_channel_transfer(messages, pairs, pairs, capacity); },
         check(0)},
        {"tbb concurrent_bounded_queue",
         {},
         [&] { got[1] = tbb_queue_transfer(messages, pairs, pairs, capacity); },
         check(1)},
        {"mutex+condvar",
         {},
         [&] { got[2] = mutex_queue_transfer(messages, pairs, pairs, capacity); },
         check(2)},
    };
    OtherLoad load;
    auto stats = measure(cs, s.measure, s.errors);
    std::string shape = std::to_string(pairs) + "/" + std::to_string(pairs);
    Row row;
    row.workload = "bounded channel (cap " + std::to_string(capacity) + "), " +
                   count_label(messages) + " messages, " + shape;
    row.others_cpu_percent = load.percent();
    row.knot = stats[0];
    row.tbb = stats[1];
    row.tbb_note = "concurrent_bounded_queue";
    row.others = {{"mutex+condvar", stats[2]}};
    row.target = Target{"knot / mutex+condvar throughput", stats[2].median_s / stats[0].median_s,
                        10.0, false};
    s.report.rows.push_back(row);
    PerOp op{"channel " + shape + ": per message",
             ns_per(stats[0], messages),
             ns_per(stats[1], messages),
             {},
             {{"mutex+condvar", ns_per(stats[2], messages)}}};
    s.report.per_op.push_back(op);
  }
}

}  // namespace knot::bench
