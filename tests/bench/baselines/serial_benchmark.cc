// Baselines with no task runtime: serial fib, serial sums, std::sort and
// the mutex + condition_variable bounded queue (baselines/bounded_queue.h).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "baselines/queue_workloads.h"
#include "baselines/serial_workloads.h"
#include "common/bench_loops.h"
#include "common/workload_data.h"

namespace knot::bench {
namespace {

void BM_Serial_Fib(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::uint64_t result = serial_fib(n);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_Serial_Fib)->ArgName("n")->Arg(20)->Arg(27);

void BM_Serial_SumU64(benchmark::State& state) {
  const auto data = random_u64(static_cast<std::size_t>(state.range(0)), 1);
  for (auto _ : state) {
    std::uint64_t result = serial_sum_u64(data);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 8);
}
BENCHMARK(BM_Serial_SumU64)->ArgName("elements")->Arg(1 << 20)->Arg(1 << 24);

void BM_Serial_SumF64(benchmark::State& state) {
  const auto data = quarter_doubles(static_cast<std::size_t>(state.range(0)), 2);
  for (auto _ : state) {
    double result = serial_sum_f64(data);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0) * 8);
}
BENCHMARK(BM_Serial_SumF64)->ArgName("elements")->Arg(1 << 20)->Arg(1 << 24);

void BM_StdSort_RandomU64(benchmark::State& state) {
  time_sorts(state, [](std::vector<std::uint64_t>& data) { serial_sort(data); });
}
BENCHMARK(BM_StdSort_RandomU64)->ArgName("elements")->Arg(1 << 20)->Arg(1 << 22);

void BM_MutexQueue_Transfer(benchmark::State& state) {
  time_transfers(state, mutex_queue_transfer);
}
BENCHMARK(BM_MutexQueue_Transfer)->Apply(transfer_args);

}  // namespace
}  // namespace knot::bench
