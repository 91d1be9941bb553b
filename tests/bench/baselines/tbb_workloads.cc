// oneTBB's side of the comparison workloads (see tbb_workloads.h).
#include "baselines/tbb_workloads.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_invoke.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/parallel_sort.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <execution>
#include <functional>

#include "common/workload_data.h"

namespace knot::bench {
namespace {

std::uint64_t fib_invoke(int n) {
  if (n < 2)
    return static_cast<std::uint64_t>(n);
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  tbb::parallel_invoke([&] { a = fib_invoke(n - 1); }, [&] { b = fib_invoke(n - 2); });
  return a + b;
}

template <class T>
T sum(tbb::task_arena& arena, std::span<const T> data) {
  T result{};
  arena.execute([&] {
    result = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, data.size()), T{0},
        [data](const tbb::blocked_range<std::size_t>& r, T acc) {
          for (std::size_t i = r.begin(); i < r.end(); ++i)
            acc += data[i];
          return acc;
        },
        std::plus<>{});
  });
  return result;
}

}  // namespace

std::uint64_t tbb_fib(tbb::task_arena& arena, int n) {
  std::uint64_t result = 0;
  arena.execute([&] { result = fib_invoke(n); });
  return result;
}

void tbb_spawn_empty(tbb::task_arena& arena, std::size_t tasks) {
  arena.execute([tasks] {
    tbb::task_group group;
    for (std::size_t i = 0; i < tasks; ++i)
      group.run([] { opaque_no_op(); });
    group.wait();
  });
}

std::uint64_t tbb_sum_u64(tbb::task_arena& arena, std::span<const std::uint64_t> data) {
  return sum(arena, data);
}

double tbb_sum_f64(tbb::task_arena& arena, std::span<const double> data) {
  return sum(arena, data);
}

void tbb_sort(tbb::task_arena& arena, std::span<std::uint64_t> data) {
  arena.execute([data] { tbb::parallel_sort(data.begin(), data.end()); });
}

void std_par_sort(tbb::task_arena& arena, std::span<std::uint64_t> data) {
  arena.execute([data] { std::sort(std::execution::par, data.begin(), data.end()); });
}

}  // namespace knot::bench
