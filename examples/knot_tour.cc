// knot_tour: a short run through the runtime, printing what it did.
//
// Two named pools, fork-join (fib by join), the parallel algorithms (for,
// reduce, sort), a scope with many spawns, isolation, and a two-stage
// pipeline joined by a bounded channel where the consumer stage runs its
// work on its own pool via install (the fix for the failure knot exists
// for). Ends with a snapshot of the pools.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "knot/runtime.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

long fib(int n) {
  if (n < 2)
    return n;
  auto [a, b] = knot::join([&] { return fib(n - 1); }, [&] { return fib(n - 2); });
  return a + b;
}

// The number of join calls fib(n) makes.
long joins_in_fib(int n) {
  return n < 2 ? 0 : 1 + joins_in_fib(n - 1) + joins_in_fib(n - 2);
}

}  // namespace

int main() {
  knot::ThreadPool compute(knot::PoolOptions{.name = "compute"});
  knot::ThreadPool embed(knot::PoolOptions{.num_threads = 2, .name = "embed"});
  std::printf("knot tour: pool 'compute' has %zu workers, pool 'embed' has %zu\n\n",
              compute.num_threads(), embed.num_threads());

  // Fork-join.
  auto start = Clock::now();
  long f = compute.install([] { return fib(30); });
  std::printf("join:            fib(30) = %ld by %ld joins in %.1f ms\n", f, joins_in_fib(30),
              ms_since(start));

  // parallel_for + parallel_reduce.
  std::vector<double> xs(5'000'000);
  start = Clock::now();
  compute.install([&] {
    knot::parallel_for(std::size_t{0}, xs.size(),
                       [&](std::size_t i) { xs[i] = 0.5 * double(i % 1000); });
  });
  double sum = compute.install([&] {
    return knot::parallel_reduce(
        std::size_t{0}, xs.size(), 0.0,
        [&](std::size_t lo, std::size_t hi, double acc) {
          for (std::size_t i = lo; i < hi; ++i)
            acc += xs[i];
          return acc;
        },
        [](double a, double b) { return a + b; });
  });
  std::printf("parallel_reduce: sum of %zu doubles = %.1f in %.1f ms\n", xs.size(), sum,
              ms_since(start));

  // parallel_sort.
  std::vector<std::uint64_t> keys(2'000'000);
  std::mt19937_64 rng(2026);
  for (auto& k : keys)
    k = rng();
  start = Clock::now();
  compute.install([&] { knot::parallel_sort(keys); });
  std::printf("parallel_sort:   %zu keys sorted (%s) in %.1f ms\n", keys.size(),
              std::is_sorted(keys.begin(), keys.end()) ? "verified" : "NOT SORTED",
              ms_since(start));

  // scope + spawn.
  std::atomic<int> spawned{0};
  start = Clock::now();
  compute.install([&] {
    knot::scope([&](knot::Scope& s) {
      for (int i = 0; i < 100'000; ++i)
        s.spawn([&] { spawned.fetch_add(1, std::memory_order_relaxed); });
    });
  });
  std::printf("scope:           %d tasks spawned and finished in %.1f ms\n", spawned.load(),
              ms_since(start));

  // A two-stage pipeline over a bounded channel. Stage "extract" runs on
  // pool 'compute' and sends into the channel; stage "embed" (a plain
  // thread) drains it and runs its own parallel work on pool 'embed'. Had
  // both used one pool, a full channel could park every worker while the
  // consumer waits for workers: the deadlock knot diagnoses.
  auto [tx, rx] = knot::channel<std::vector<int>>(8, "extracted");
  std::thread consumer([&, rx = std::move(rx)]() mutable {
    long total = 0;
    int batches = 0;
    for (std::vector<int> batch : rx) {
      total += embed.install([&] {
        return knot::parallel_reduce(
            std::size_t{0}, batch.size(), 0L, [&](std::size_t i) { return long(batch[i]); },
            [](long a, long b) { return a + b; });
      });
      ++batches;
    }
    std::printf("channel:         stage 'embed' received %d batches, total %ld\n", batches, total);
  });
  start = Clock::now();
  compute.install([&, tx = std::move(tx)]() mutable {
    knot::parallel_for(
        0, 64,
        [&](int b) {
          std::vector<int> batch(1000);
          std::iota(batch.begin(), batch.end(), b * 1000);
          tx.send(std::move(batch));
        },
        knot::Grain{1});
  });  // the last sender goes away here: the channel closes
  consumer.join();
  std::printf("                 pipeline done in %.1f ms\n\n", ms_since(start));

  for (const auto& pool : knot::snapshot_pools()) {
    std::printf("pool '%s': %zu workers, %llu tasks taken from queues, %zu sleeping\n",
                pool.name.c_str(), pool.num_threads,
                static_cast<unsigned long long>(pool.tasks_completed()),
                pool.count(knot::WorkerState::kSleeping));
  }
  return 0;
}
