// Baselines with no task runtime: serial fib, serial sums, std::sort and
// the mutex + condition_variable bounded queue (baselines/bounded_queue.h).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "baselines/queue_workloads.h"
#include "baselines/serial_workloads.h"
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
  const auto input = random_u64(static_cast<std::size_t>(state.range(0)), 3);
  std::vector<std::uint64_t> data(input.size());
  for (auto _ : state) {
    state.PauseTiming();
    data = input;
    state.ResumeTiming();
    serial_sort(data);
    benchmark::DoNotOptimize(data.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StdSort_RandomU64)->ArgName("elements")->Arg(1 << 20)->Arg(1 << 22);

void BM_MutexQueue_Transfer(benchmark::State& state) {
  const auto messages = static_cast<std::uint64_t>(state.range(0));
  const auto pairs = static_cast<int>(state.range(1));
  for (auto _ : state) {
    std::uint64_t sum = mutex_queue_transfer(messages, pairs, pairs, 64);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MutexQueue_Transfer)
    ->ArgNames({"messages", "pairs"})
    ->Args({1'000'000, 1})
    ->Args({1'000'000, 2})
    ->UseRealTime();

}  // namespace
}  // namespace knot::bench
