// OpenMP (libgomp) baselines for knot's runtime benchmarks: the same
// workloads, sizes and thread sweep as tests/bench/runtime/, each call
// opening one parallel region of `threads` threads.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

#include "baselines/omp_workloads.h"
#include "common/bench_fixture.h"
#include "common/workload_data.h"

namespace knot::bench {
namespace {

void BM_OmpTask_Fib(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  const auto threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    std::uint64_t result = omp_fib(threads, n);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(num_fib_joins(n)));
}
BENCHMARK(BM_OmpTask_Fib)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {20, 27}, "n", /*with_instrumentation=*/false);
});

void BM_OmpTask_SpawnEmpty(benchmark::State& state) {
  const auto threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    omp_spawn_empty(threads, static_cast<std::size_t>(state.range(0)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_OmpTask_SpawnEmpty)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {10'000, 100'000}, "tasks", /*with_instrumentation=*/false);
});

void BM_OmpReduction_SumU64(benchmark::State& state) {
  const auto data = random_u64(static_cast<std::size_t>(state.range(0)), 1);
  const auto threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    std::uint64_t result = omp_sum_u64(threads, data);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 8);
}

void BM_OmpReduction_SumF64(benchmark::State& state) {
  const auto data = quarter_doubles(static_cast<std::size_t>(state.range(0)), 2);
  const auto threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    double result = omp_sum_f64(threads, data);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 8);
}

void sum_sizes(benchmark::internal::Benchmark* b) {
  sweep(b, {1 << 20, 1 << 24}, "elements", /*with_instrumentation=*/false);
}
BENCHMARK(BM_OmpReduction_SumU64)->Apply(sum_sizes);
BENCHMARK(BM_OmpReduction_SumF64)->Apply(sum_sizes);

}  // namespace
}  // namespace knot::bench
