// The thread sweep and the per-run pool for knot's Google Benchmark binaries.
//
//   thread_counts()     1, 2, 4, ... up to the core count (plus the core count
//                       itself); every count 1..cores with KNOT_BENCH_FULL_SWEEP=1
//   sweep()             registers (size, threads[, instr]) argument tuples
//   Instrumentation     the `instr` argument: what recording runs alongside
//                       (off, counters, full recording with knot::instr)
//   CountingObserver    counts the runtime's slow-path wait events
//   PoolRun             builds a ThreadPool for one run, installs the observer
//
// Benchmarks read their sizes from range(0), their thread count from
// range(1) and, for hot-path benchmarks, the instrumentation from range(2).
// Work runs on pool workers, so every benchmark uses real (wall) time.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "knot/instrumentation/instrumentation.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/thread_pool.h"

namespace knot::bench {

// Instrumentation is the `instr` argument of hot-path benchmarks (STYLE.md
// section 7: the cost of recording is reported next to the baseline).
enum class Instrumentation : std::int64_t {
  kOff = 0,       // no observer installed
  kCounters = 1,  // CountingObserver installed: one relaxed increment per wait event
  // kFullRecording: CountingObserver plus knot::instr::enable(), which
  // captures the stack of every wait site when a thread parks.
  kFullRecording = 2,
};

inline std::vector<std::int64_t> thread_counts() {
  unsigned hw = std::thread::hardware_concurrency();
  auto cores = static_cast<std::int64_t>(hw == 0 ? 1 : hw);
  const char* full = std::getenv("KNOT_BENCH_FULL_SWEEP");
  bool is_full = full != nullptr && std::string_view(full) == "1";
  std::vector<std::int64_t> counts;
  for (std::int64_t t = 1; t <= cores; t = is_full ? t + 1 : t * 2)
    counts.push_back(t);
  if (counts.back() != cores)
    counts.push_back(cores);
  return counts;
}

// sweep() registers every size in `sizes` with every thread count; with
// `with_instrumentation`, every Instrumentation value too. `size_name` names
// range(0) ("tasks", "n", "elements", "messages").
inline void sweep(benchmark::internal::Benchmark* b, const std::vector<std::int64_t>& sizes,
                  const std::string& size_name, bool with_instrumentation) {
  if (with_instrumentation) {
    b->ArgNames({size_name, "threads", "instr"});
  } else {
    b->ArgNames({size_name, "threads"});
  }
  for (std::int64_t size : sizes) {
    for (std::int64_t threads : thread_counts()) {
      if (with_instrumentation) {
        for (auto instr :
             {Instrumentation::kOff, Instrumentation::kCounters, Instrumentation::kFullRecording}) {
          b->Args({size, threads, static_cast<std::int64_t>(instr)});
        }
      } else {
        b->Args({size, threads});
      }
    }
  }
  b->UseRealTime();
}

// CountingObserver counts wait begin events (a thread about to park). The
// fast paths never call it, so its count is also how often a benchmark fell
// off them. Relaxed: only read after the run, once the pool is idle.
class CountingObserver final : public Observer {
 public:
  void on_wait_begin(const WaitSite&) noexcept override {
    num_waits_.fetch_add(1, std::memory_order_relaxed);
  }
  void on_wait_end(const WaitSite&) noexcept override {}
  std::uint64_t num_waits() const noexcept { return num_waits_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> num_waits_{0};
};

// PoolRun owns the pool of one benchmark run: construct it before the
// timing loop, so building and stopping the pool is never timed. With
// `has_instr_arg`, range(2) selects the Instrumentation; the destructor then
// reports the wait count per iteration as the counter "waits".
class PoolRun {
 public:
  explicit PoolRun(benchmark::State& state, bool has_instr_arg = false) : state_(state) {
    PoolOptions options;
    options.num_threads = static_cast<std::size_t>(state.range(1));
    options.name = "bench";
    auto instr =
        has_instr_arg ? static_cast<Instrumentation>(state.range(2)) : Instrumentation::kOff;
    if (instr != Instrumentation::kOff) {
      observer_ = std::make_unique<CountingObserver>();
      previous_ = set_observer(observer_.get());
    }
    if (instr == Instrumentation::kFullRecording) {
      instr::enable();
      is_recording_ = true;
    }
    pool_ = std::make_unique<ThreadPool>(std::move(options));
  }

  ~PoolRun() {
    pool_.reset();  // joins the workers: nobody can be parked any more
    if (is_recording_)
      instr::disable();
    if (observer_ != nullptr) {
      set_observer(previous_);
      state_.counters["waits"] = benchmark::Counter(static_cast<double>(observer_->num_waits()),
                                                    benchmark::Counter::kAvgIterations);
    }
  }

  PoolRun(const PoolRun&) = delete;
  PoolRun& operator=(const PoolRun&) = delete;

  ThreadPool& pool() noexcept { return *pool_; }

 private:
  benchmark::State& state_;
  std::unique_ptr<CountingObserver> observer_;
  Observer* previous_ = nullptr;
  bool is_recording_ = false;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace knot::bench
