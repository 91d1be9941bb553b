// join(): fib(n) with no cutoff, so nearly all the time is join overhead.
// Items are joins; items/s inverted is the wall time per join.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "common/bench_fixture.h"
#include "common/workload_data.h"
#include "runtime/knot_workloads.h"

namespace knot::bench {
namespace {

void BM_Join_Fib(benchmark::State& state) {
  PoolRun run(state, /*has_instr_arg=*/true);
  const auto n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::uint64_t result = knot_fib(run.pool(), n);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(num_fib_joins(n)));
}
BENCHMARK(BM_Join_Fib)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {20, 27}, "n", /*with_instrumentation=*/true);
});

}  // namespace
}  // namespace knot::bench
