// knot's side of the comparison workloads (see knot_workloads.h).
#include "runtime/knot_workloads.h"

#include <functional>

#include "common/workload_data.h"
#include "knot/runtime/join.h"
#include "knot/runtime/parallel_reduce.h"
#include "knot/runtime/parallel_sort.h"
#include "knot/runtime/scope.h"

namespace knot::bench {
namespace {

// No cutoff on purpose: every call down to fib(1) is a join, so the time is
// dominated by the cost of join itself.
std::uint64_t fib_join(int n) {
  if (n < 2)
    return static_cast<std::uint64_t>(n);
  auto [a, b] = join([n] { return fib_join(n - 1); }, [n] { return fib_join(n - 2); });
  return a + b;
}

template <class T>
T sum_per_index(ThreadPool& pool, std::span<const T> data) {
  return pool.install([data] {
    return parallel_reduce(
        std::size_t{0}, data.size(), T{0}, [data](std::size_t i) { return data[i]; },
        std::plus<>{});
  });
}

template <class T>
T sum_piece(ThreadPool& pool, std::span<const T> data) {
  return pool.install([data] {
    return parallel_reduce(
        std::size_t{0}, data.size(), T{0},
        [data](std::size_t lo, std::size_t hi, T acc) {
          for (std::size_t i = lo; i < hi; ++i)
            acc += data[i];
          return acc;
        },
        std::plus<>{});
  });
}

}  // namespace

std::uint64_t knot_fib(ThreadPool& pool, int n) {
  return pool.install([n] { return fib_join(n); });
}

void knot_spawn_empty(ThreadPool& pool, std::size_t tasks) {
  pool.install([tasks] {
    scope([tasks](Scope& s) {
      for (std::size_t i = 0; i < tasks; ++i)
        s.spawn([] { opaque_no_op(); });
    });
  });
}

std::uint64_t knot_sum_u64_per_index(ThreadPool& pool, std::span<const std::uint64_t> data) {
  return sum_per_index(pool, data);
}

std::uint64_t knot_sum_u64_piece(ThreadPool& pool, std::span<const std::uint64_t> data) {
  return sum_piece(pool, data);
}

double knot_sum_f64_per_index(ThreadPool& pool, std::span<const double> data) {
  return sum_per_index(pool, data);
}

double knot_sum_f64_piece(ThreadPool& pool, std::span<const double> data) {
  return sum_piece(pool, data);
}

void knot_sort(ThreadPool& pool, std::span<std::uint64_t> data) {
  pool.install([data] { parallel_sort(data.begin(), data.end()); });
}

}  // namespace knot::bench
