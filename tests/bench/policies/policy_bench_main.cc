// knot_policy_bench: what the blocking policies cost, measured side by side
// in one run (issue #7; figures in docs/benchmarks.md, "Blocking policies").
//
//   cpu          fib(32) by join and 1M scope spawns on a kBlock pool versus
//                a kCompensate pool of the same size (interleaved rounds,
//                compare/measure.h): what kCompensate adds when nothing
//                blocks (an isolation tag per root job, the spares' checks)
//   compensate   the price of one compensated wait: tasks that each wait on
//                a latch opened by a task queued behind them (impossible
//                under kBlock), against the same tasks with the opener
//                first (nothing blocks); per wait, with spares kept alive
//                (woken from idle) and with a keep-alive of zero (a thread
//                started per wait)
//
// Usage: knot_policy_bench [--quick] [--only SECTION] [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "compare/measure.h"
#include "knot/runtime.h"
#include "runtime/knot_workloads.h"

namespace {

using namespace std::chrono_literals;

struct Config {
  bool quick = false;
  int reps = 7;
  std::string only;
};

knot::PoolOptions pool_options(knot::BlockingPolicy policy, std::chrono::milliseconds keep_alive) {
  knot::PoolOptions o;
  o.num_threads = 2;
  o.name = policy == knot::BlockingPolicy::kBlock ? "block" : "compensate";
  o.policy = policy;
  o.spare_keep_alive = keep_alive;
  return o;
}

// ============================================================================
// cpu
// ============================================================================

void cpu(const Config& c) {
  knot::ThreadPool block(pool_options(knot::BlockingPolicy::kBlock, 5000ms));
  knot::ThreadPool compensate(pool_options(knot::BlockingPolicy::kCompensate, 5000ms));
  const int fib_n = c.quick ? 22 : 32;
  const std::size_t spawns = c.quick ? 10000 : 1000000;
  struct Workload {
    const char* name;
    std::function<void(knot::ThreadPool&)> run;
  };
  const Workload workloads[] = {
      {"fib(32), join", [&](knot::ThreadPool& p) { (void)knot::bench::knot_fib(p, fib_n); }},
      {"1M spawns, scope", [&](knot::ThreadPool& p) { knot::bench::knot_spawn_empty(p, spawns); }},
  };
  std::printf("\n### CPU-bound work: kBlock vs kCompensate (2 workers each)\n\n");
  std::printf("| workload | block | compensate | ratio |\n|---|---:|---:|---:|\n");
  for (const Workload& w : workloads) {
    std::vector<knot::bench::Contender> contenders = {
        {"block", {}, [&] { w.run(block); }, {}},
        {"compensate", {}, [&] { w.run(compensate); }, {}},
    };
    knot::bench::MeasureOptions options;
    options.reps = c.reps;
    options.budget_s = c.quick ? 1 : 8;
    std::vector<std::string> errors;
    auto stats = knot::bench::measure(contenders, options, errors);
    std::printf("| %s | %.2f ms | %.2f ms | %.3f |\n", w.name, stats[0].median_s * 1e3,
                stats[1].median_s * 1e3, stats[1].median_s / stats[0].median_s);
    std::fflush(stdout);
  }
}

// ============================================================================
// compensate
// ============================================================================

// rounds() runs `rounds` rounds of: `waiters` tasks that wait on a latch,
// and the task that opens it, submitted after them (`opener_first` false:
// every waiter parks and needs a spare) or before them (nothing parks).
void rounds(knot::ThreadPool& pool, int rounds, int waiters, bool opener_first) {
  for (int r = 0; r < rounds; ++r) {
    knot::Latch gate(1, "gate");
    knot::Latch done(waiters + 1, "done");
    auto open = [&] {
      gate.count_down();
      done.count_down();
    };
    if (opener_first)
      pool.spawn(open);
    for (int i = 0; i < waiters; ++i) {
      pool.spawn([&] {
        gate.wait();
        done.count_down();
      });
    }
    if (!opener_first)
      pool.spawn(open);
    done.wait();
  }
}

void compensate(const Config& c) {
  const int n = c.quick ? 50 : 2000;
  const int waiters = 4;
  knot::ThreadPool kept(pool_options(knot::BlockingPolicy::kCompensate, 5000ms));
  knot::ThreadPool started(pool_options(knot::BlockingPolicy::kCompensate, 0ms));
  std::vector<knot::bench::Contender> contenders = {
      {"nothing blocks", {}, [&] { rounds(kept, n, waiters, /*opener_first=*/true); }, {}},
      {"spares kept alive", {}, [&] { rounds(kept, n, waiters, /*opener_first=*/false); }, {}},
      {"a thread per wait", {}, [&] { rounds(started, n, waiters, /*opener_first=*/false); }, {}},
  };
  knot::bench::MeasureOptions options;
  options.reps = c.reps;
  options.budget_s = c.quick ? 1 : 8;
  std::vector<std::string> errors;
  auto stats = knot::bench::measure(contenders, options, errors);
  const double waits = static_cast<double>(n) * waiters;
  std::printf("\n### One compensated wait (%d rounds of %d waiters on 2 workers)\n\n", n, waiters);
  std::printf("| case | per round | per wait, above \"nothing blocks\" |\n|---|---:|---:|\n");
  for (std::size_t i = 0; i < contenders.size(); ++i) {
    const double extra_us = (stats[i].median_s - stats[0].median_s) / waits * 1e6;
    std::printf("| %s | %.1f us | %s |\n", contenders[i].name.c_str(), stats[i].median_s / n * 1e6,
                i == 0 ? "-" : (std::to_string(extra_us).substr(0, 5) + " us").c_str());
  }
  std::fflush(stdout);
  for (const std::string& e : errors)
    std::fprintf(stderr, "error: %s\n", e.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      c.quick = true;
      c.reps = 1;
    } else if (a == "--only" && i + 1 < argc) {
      c.only = argv[++i];
    } else if (a == "--reps" && i + 1 < argc) {
      c.reps = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: knot_policy_bench [--quick] [--only cpu|compensate] [--reps N]\n");
      return 2;
    }
  }
  auto wanted = [&](const char* section) { return c.only.empty() || c.only == section; };
  if (wanted("cpu"))
    cpu(c);
  if (wanted("compensate"))
    compensate(c);
  return 0;
}
