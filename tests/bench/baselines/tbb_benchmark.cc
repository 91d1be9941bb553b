// oneTBB baselines for knot's runtime benchmarks: the same workloads,
// sizes and thread sweep as tests/bench/runtime/, each run in a
// tbb::task_arena of `threads` slots built before the timing loop.
#include <benchmark/benchmark.h>
#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "baselines/queue_workloads.h"
#include "baselines/tbb_workloads.h"
#include "common/bench_fixture.h"
#include "common/bench_loops.h"
#include "common/workload_data.h"

namespace knot::bench {
namespace {

// ArenaRun is the arena of one benchmark run, with range(1) slots, built
// (and its workers started) before the timing loop.
class ArenaRun {
 public:
  explicit ArenaRun(const benchmark::State& state) : arena_(static_cast<int>(state.range(1))) {
    arena_.initialize();
  }
  tbb::task_arena& arena() noexcept { return arena_; }

 private:
  tbb::task_arena arena_;
};

void BM_TbbParallelInvoke_Fib(benchmark::State& state) {
  ArenaRun run(state);
  const auto n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::uint64_t result = tbb_fib(run.arena(), n);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(num_fib_joins(n)));
}
BENCHMARK(BM_TbbParallelInvoke_Fib)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {20, 27}, "n", /*with_instrumentation=*/false);
});

void BM_TbbTaskGroup_SpawnEmpty(benchmark::State& state) {
  ArenaRun run(state);
  for (auto _ : state) {
    tbb_spawn_empty(run.arena(), static_cast<std::size_t>(state.range(0)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TbbTaskGroup_SpawnEmpty)->Apply([](benchmark::internal::Benchmark* b) {
  sweep(b, {10'000, 100'000}, "tasks", /*with_instrumentation=*/false);
});

void BM_TbbParallelReduce_SumU64(benchmark::State& state) {
  ArenaRun run(state);
  const auto data = random_u64(static_cast<std::size_t>(state.range(0)), 1);
  for (auto _ : state) {
    std::uint64_t result = tbb_sum_u64(run.arena(), data);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 8);
}

void BM_TbbParallelReduce_SumF64(benchmark::State& state) {
  ArenaRun run(state);
  const auto data = quarter_doubles(static_cast<std::size_t>(state.range(0)), 2);
  for (auto _ : state) {
    double result = tbb_sum_f64(run.arena(), data);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 8);
}

void sum_sizes(benchmark::internal::Benchmark* b) {
  sweep(b, {1 << 20, 1 << 24}, "elements", /*with_instrumentation=*/false);
}
BENCHMARK(BM_TbbParallelReduce_SumU64)->Apply(sum_sizes);
BENCHMARK(BM_TbbParallelReduce_SumF64)->Apply(sum_sizes);

template <void (*kSort)(tbb::task_arena&, std::span<std::uint64_t>)>
void run_sort(benchmark::State& state) {
  ArenaRun run(state);
  time_sorts(state, [&](std::vector<std::uint64_t>& data) { kSort(run.arena(), data); });
}

void BM_TbbParallelSort_RandomU64(benchmark::State& state) {
  run_sort<tbb_sort>(state);
}
void BM_StdParSort_RandomU64(benchmark::State& state) {
  run_sort<std_par_sort>(state);
}

void sort_sizes(benchmark::internal::Benchmark* b) {
  sweep(b, {1 << 20, 1 << 22}, "elements", /*with_instrumentation=*/false);
}
BENCHMARK(BM_TbbParallelSort_RandomU64)->Apply(sort_sizes);
BENCHMARK(BM_StdParSort_RandomU64)->Apply(sort_sizes);

// range(1) is the number of producer/consumer pairs here, not a pool size.
void BM_TbbBoundedQueue_Transfer(benchmark::State& state) {
  time_transfers(state, tbb_queue_transfer);
}
BENCHMARK(BM_TbbBoundedQueue_Transfer)->Apply(transfer_args);

}  // namespace
}  // namespace knot::bench
