// Bounded channel (capacity 64): throughput between `pairs` producer and
// `pairs` consumer threads. Items are messages. The baselines are
// BM_MutexQueue_Transfer (serial_benchmark) and BM_TbbBoundedQueue_Transfer
// (tbb_benchmark), with the same arguments.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "common/bench_loops.h"
#include "runtime/knot_channel_workloads.h"

namespace knot::bench {
namespace {

void BM_Channel_Transfer(benchmark::State& state) {
  time_transfers(state, knot_channel_transfer);
}
BENCHMARK(BM_Channel_Transfer)->Apply(transfer_args);

}  // namespace
}  // namespace knot::bench
