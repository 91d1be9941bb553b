// Timing loops shared by the benchmarks of knot and of the baselines, so
// that every contender of a workload is timed by the same code.
//
//   time_sorts()      sorts a fresh copy of one random input per iteration
//   time_transfers()  moves range(0) messages between range(1) pairs
//   transfer_args()   the argument sets of every transfer benchmark
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "common/workload_data.h"

namespace knot::bench {

// time_sorts() times `sort(data)` on range(0) random u64; copying the input
// back before each iteration is not timed.
template <class Sort>
void time_sorts(benchmark::State& state, Sort&& sort) {
  const auto input = random_u64(static_cast<std::size_t>(state.range(0)), 3);
  std::vector<std::uint64_t> data(input.size());
  for (auto _ : state) {
    state.PauseTiming();
    data = input;
    state.ResumeTiming();
    sort(data);
    benchmark::DoNotOptimize(data.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// time_transfers() times `transfer(messages, producers, consumers, capacity)`
// with range(0) messages, range(1) producer/consumer pairs, capacity 64.
template <class Transfer>
void time_transfers(benchmark::State& state, Transfer&& transfer) {
  const auto messages = static_cast<std::uint64_t>(state.range(0));
  const auto pairs = static_cast<int>(state.range(1));
  for (auto _ : state) {
    std::uint64_t sum = transfer(messages, pairs, pairs, 64);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

inline void transfer_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"messages", "pairs"})->Args({1'000'000, 1})->Args({1'000'000, 2})->UseRealTime();
}

}  // namespace knot::bench
