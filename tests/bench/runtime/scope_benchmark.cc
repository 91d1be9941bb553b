// Scope::spawn(): empty tasks spawned into one scope by one worker; the
// others steal. Items are tasks.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

#include "common/bench_fixture.h"
#include "runtime/knot_workloads.h"

namespace knot::bench {
namespace {

void BM_Scope_SpawnEmpty(benchmark::State& state) {
  PoolRun run(state, /*has_instr_arg=*/true);
  const auto tasks = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    knot_spawn_empty(run.pool(), tasks);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Scope_SpawnEmpty)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {10'000, 100'000}, "tasks", /*with_instrumentation=*/true);
});

}  // namespace
}  // namespace knot::bench
