// parallel_sort(): random u64. Each iteration sorts a fresh copy of the
// same input; the copy is not timed.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bench_fixture.h"
#include "common/workload_data.h"
#include "runtime/knot_workloads.h"

namespace knot::bench {
namespace {

void BM_ParallelSort_RandomU64(benchmark::State& state) {
  PoolRun run(state);
  const auto input = random_u64(static_cast<std::size_t>(state.range(0)), 3);
  std::vector<std::uint64_t> data(input.size());
  for (auto _ : state) {
    state.PauseTiming();
    data = input;
    state.ResumeTiming();
    knot_sort(run.pool(), data);
    benchmark::DoNotOptimize(data.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParallelSort_RandomU64)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {1 << 20, 1 << 22}, "elements", /*with_instrumentation=*/false);
});

}  // namespace
}  // namespace knot::bench
