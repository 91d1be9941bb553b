// parallel_sort(): random u64. Each iteration sorts a fresh copy of the
// same input; the copy is not timed.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bench_fixture.h"
#include "common/bench_loops.h"
#include "common/workload_data.h"
#include "runtime/knot_workloads.h"

namespace knot::bench {
namespace {

void BM_ParallelSort_RandomU64(benchmark::State& state) {
  PoolRun run(state);
  time_sorts(state, [&](std::vector<std::uint64_t>& data) { knot_sort(run.pool(), data); });
}
BENCHMARK(BM_ParallelSort_RandomU64)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {1 << 20, 1 << 22}, "elements", /*with_instrumentation=*/false);
});

}  // namespace
}  // namespace knot::bench
