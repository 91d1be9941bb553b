// install() from a thread outside the pool: the round trip of an empty
// closure, with the workers awake (runs back to back) and asleep (a pause
// of 1 ms before each run, longer than a worker searches before it
// sleeps), beside oneTBB's task_arena::execute of an empty parallel_for,
// whose caller works in the arena itself. The time is the caller's wait:
// the injection, a worker's wake-up if it slept, and the caller's own
// return from its wait.
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "knot/runtime/thread_pool.h"

namespace knot::bench {
namespace {

// run_timed() times `f` once per iteration, after `pause_us` of sleep that
// is not timed.
template <class F>
void run_timed(benchmark::State& state, F&& f) {
  const auto pause = std::chrono::microseconds(state.range(0));
  for (auto _ : state) {
    if (pause.count() != 0) {
      state.PauseTiming();
      std::this_thread::sleep_for(pause);
      state.ResumeTiming();
    }
    f();
  }
}

void BM_Install_FromOutside(benchmark::State& state) {
  ThreadPool pool(PoolOptions{.num_threads = 2, .name = "install"});
  run_timed(state, [&] { benchmark::DoNotOptimize(pool.install([] { return 1; })); });
}
BENCHMARK(BM_Install_FromOutside)->ArgName("pause_us")->Arg(0)->Arg(1000)->UseRealTime();

void BM_TbbArenaExecute_FromOutside(benchmark::State& state) {
  tbb::task_arena arena(2);
  run_timed(state, [&] { arena.execute([] { tbb::parallel_for(0, 2, [](int) {}); }); });
}
BENCHMARK(BM_TbbArenaExecute_FromOutside)->ArgName("pause_us")->Arg(0)->Arg(1000)->UseRealTime();

}  // namespace
}  // namespace knot::bench
