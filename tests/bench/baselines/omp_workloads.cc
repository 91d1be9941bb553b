// OpenMP's side of the comparison workloads (see omp_workloads.h).
#include "baselines/omp_workloads.h"

#include "common/workload_data.h"

namespace knot::bench {
namespace {

// One child task and the other half inline, the shape knot::join has.
std::uint64_t fib_task(int n) {
  if (n < 2)
    return static_cast<std::uint64_t>(n);
  std::uint64_t a = 0;
#pragma omp task shared(a) firstprivate(n)
  a = fib_task(n - 1);
  std::uint64_t b = fib_task(n - 2);
#pragma omp taskwait
  return a + b;
}

template <class T>
T sum(int threads, std::span<const T> data) {
  T total{0};
  const T* p = data.data();
  const std::size_t n = data.size();
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : total)
  for (std::size_t i = 0; i < n; ++i)
    total += p[i];
  return total;
}

}  // namespace

std::uint64_t omp_fib(int threads, int n) {
  std::uint64_t result = 0;
#pragma omp parallel num_threads(threads)
#pragma omp single
  result = fib_task(n);
  return result;
}

void omp_spawn_empty(int threads, std::size_t tasks) {
#pragma omp parallel num_threads(threads)
#pragma omp single
  for (std::size_t i = 0; i < tasks; ++i) {
#pragma omp task
    opaque_no_op();
  }
}

std::uint64_t omp_sum_u64(int threads, std::span<const std::uint64_t> data) {
  return sum(threads, data);
}

double omp_sum_f64(int threads, std::span<const double> data) {
  return sum(threads, data);
}

}  // namespace knot::bench
