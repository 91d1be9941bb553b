// The workloads knot_compare runs, each against every implementation.
//
//   Sizes          problem sizes (full, or 10x smaller with --quick)
//   Session        the runtimes (a knot pool, a TBB arena, an OpenMP thread
//                  count, all with the same number of threads), the timing
//                  options, and the report being built
//   compare_*()    measure one workload and add its rows to the report
//
// Every compare_*() checks each implementation's result (an exact sum, a
// sorted permutation, a checksum of the messages); a wrong result goes to
// Session::errors and makes the driver fail.
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "compare/measure.h"
#include "compare/table.h"
#include "knot/runtime/thread_pool.h"

namespace knot::bench {

struct Sizes {
  int fib_n = 32;
  std::size_t spawn_tasks = 1'000'000;
  std::size_t sum_elements = 100'000'000;
  std::size_t sort_elements = 20'000'000;
  std::uint64_t messages = 10'000'000;
  std::size_t channel_capacity = 64;
};

// count_label(1'000'000) is "1M", count_label(100'000) is "100k".
std::string count_label(std::uint64_t n);

// expect_equal() is "" when got == want, else what a check reports.
template <class T>
std::string expect_equal(T got, T want) {
  if (got == want)
    return "";
  char buf[128];
  std::snprintf(buf, sizeof buf, "result %.17g, expected %.17g", static_cast<double>(got),
                static_cast<double>(want));
  return buf;
}

// quick_sizes() divides the work by about 10 (fib(27) has 1/11 of fib(32)'s joins).
Sizes quick_sizes();

struct Session {
  Sizes sizes;
  ThreadPool& pool;
  tbb::task_arena& arena;
  int threads;
  MeasureOptions measure;
  Report report;
  std::vector<std::string> errors;
};

void compare_fib(Session& s);
void compare_spawn(Session& s);
void compare_sums(Session& s);
void compare_sort(Session& s);
void compare_channels(Session& s);
// The range algorithms (algorithm_workloads.cc): transform_reduce,
// inclusive_scan, find_if with an early answer, copy_if.
void compare_algorithms(Session& s);

}  // namespace knot::bench
