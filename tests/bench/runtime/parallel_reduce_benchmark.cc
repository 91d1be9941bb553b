// parallel_reduce(): sums of u64 and double, in the per-index form
// (map(i)) and the piece form (map(lo, hi, acc)). Bytes/s is the memory
// bandwidth the reduction reaches.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/bench_fixture.h"
#include "common/workload_data.h"
#include "runtime/knot_workloads.h"

namespace knot::bench {
namespace {

template <class T, T (*kSum)(ThreadPool&, std::span<const T>)>
void run_sum(benchmark::State& state, const std::vector<T>& data) {
  PoolRun run(state);
  for (auto _ : state) {
    T result = kSum(run.pool(), data);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * state.range(0) *
                          static_cast<std::int64_t>(sizeof(T)));
}

void BM_ParallelReduce_SumU64PerIndex(benchmark::State& state) {
  auto data = random_u64(static_cast<std::size_t>(state.range(0)), 1);
  run_sum<std::uint64_t, knot_sum_u64_per_index>(state, data);
}

void BM_ParallelReduce_SumU64Piece(benchmark::State& state) {
  auto data = random_u64(static_cast<std::size_t>(state.range(0)), 1);
  run_sum<std::uint64_t, knot_sum_u64_piece>(state, data);
}

void BM_ParallelReduce_SumF64PerIndex(benchmark::State& state) {
  auto data = quarter_doubles(static_cast<std::size_t>(state.range(0)), 2);
  run_sum<double, knot_sum_f64_per_index>(state, data);
}

void BM_ParallelReduce_SumF64Piece(benchmark::State& state) {
  auto data = quarter_doubles(static_cast<std::size_t>(state.range(0)), 2);
  run_sum<double, knot_sum_f64_piece>(state, data);
}

void sizes(benchmark::internal::Benchmark* b) {
  sweep(b, {1 << 20, 1 << 24}, "elements", /*with_instrumentation=*/false);
}
BENCHMARK(BM_ParallelReduce_SumU64PerIndex)->Apply(sizes);
BENCHMARK(BM_ParallelReduce_SumU64Piece)->Apply(sizes);
BENCHMARK(BM_ParallelReduce_SumF64PerIndex)->Apply(sizes);
BENCHMARK(BM_ParallelReduce_SumF64Piece)->Apply(sizes);

}  // namespace
}  // namespace knot::bench
