// Bounded channel (capacity 64): throughput between `pairs` producer and
// `pairs` consumer threads. Items are messages. The baselines are
// BM_MutexQueue_Transfer (serial_benchmark) and BM_TbbBoundedQueue_Transfer
// (tbb_benchmark), with the same arguments.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "runtime/knot_channel_workloads.h"

namespace knot::bench {
namespace {

void BM_Channel_Transfer(benchmark::State& state) {
  const auto messages = static_cast<std::uint64_t>(state.range(0));
  const auto pairs = static_cast<int>(state.range(1));
  for (auto _ : state) {
    std::uint64_t sum = knot_channel_transfer(messages, pairs, pairs, 64);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Channel_Transfer)
    ->ArgNames({"messages", "pairs"})
    ->Args({1'000'000, 1})
    ->Args({1'000'000, 2})
    ->UseRealTime();

}  // namespace
}  // namespace knot::bench
