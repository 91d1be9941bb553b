// knot_policy_bench: what the blocking policies cost, measured side by side
// in one run (issue #7; figures in docs/benchmarks.md, "Blocking policies").
//
//   cpu          fib(32) by join and 1M scope spawns on a kBlock pool versus
//                a kCompensate and a kFiber pool of the same size
//                (interleaved rounds, compare/measure.h): what the policies
//                add when nothing blocks (kCompensate: an isolation tag per
//                root job; kFiber: a switch onto a fiber per job a scheduler
//                takes, and a suspension per join whose half was stolen)
//   compensate   the price of one wait that would exhaust a kBlock pool:
//                tasks that each wait on a latch opened by a task queued
//                behind them, against the same tasks with the opener first
//                (nothing blocks); per wait, under kCompensate with spares
//                kept alive (woken from idle) and with a keep-alive of zero
//                (a thread started per wait), and under kFiber (a suspension)
//   fiber        knot's fiber switch and creation against raw Boost.Context:
//                a resume/suspend round trip, and making a fiber and running
//                it to its end (knot's includes its diagnosis record)
//
// Usage: knot_policy_bench [--quick] [--only SECTION] [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>

#include "compare/measure.h"
#include "fiber/fiber.h"  // whitebox: knot's fibers without a scheduler
#include "knot/runtime.h"
#include "knot/runtime/detail/scheduler.h"
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
  o.name = policy == knot::BlockingPolicy::kBlock        ? "block"
           : policy == knot::BlockingPolicy::kCompensate ? "compensate"
                                                         : "fiber";
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
  knot::ThreadPool fiber(pool_options(knot::BlockingPolicy::kFiber, 5000ms));
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
  std::printf("\n### CPU-bound work: kBlock vs kCompensate vs kFiber (2 workers each)\n\n");
  std::printf(
      "| workload | block | compensate | fiber | compensate/block | fiber/block |\n"
      "|---|---:|---:|---:|---:|---:|\n");
  for (const Workload& w : workloads) {
    std::vector<knot::bench::Contender> contenders = {
        {"block", {}, [&] { w.run(block); }, {}},
        {"compensate", {}, [&] { w.run(compensate); }, {}},
        {"fiber", {}, [&] { w.run(fiber); }, {}},
    };
    knot::bench::MeasureOptions options;
    options.reps = c.reps;
    options.budget_s = c.quick ? 1 : 8;
    std::vector<std::string> errors;
    auto stats = knot::bench::measure(contenders, options, errors);
    std::printf("| %s | %.2f ms | %.2f ms | %.2f ms | %.3f | %.3f |\n", w.name,
                stats[0].median_s * 1e3, stats[1].median_s * 1e3, stats[2].median_s * 1e3,
                stats[1].median_s / stats[0].median_s, stats[2].median_s / stats[0].median_s);
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
  knot::ThreadPool fibers(pool_options(knot::BlockingPolicy::kFiber, 5000ms));
  std::vector<knot::bench::Contender> contenders = {
      {"nothing blocks", {}, [&] { rounds(kept, n, waiters, /*opener_first=*/true); }, {}},
      {"spares kept alive", {}, [&] { rounds(kept, n, waiters, /*opener_first=*/false); }, {}},
      {"a thread per wait", {}, [&] { rounds(started, n, waiters, /*opener_first=*/false); }, {}},
      {"kFiber: a suspension per wait", {}, [&] { rounds(fibers, n, waiters, false); }, {}},
  };
  knot::bench::MeasureOptions options;
  options.reps = c.reps;
  options.budget_s = c.quick ? 1 : 8;
  std::vector<std::string> errors;
  auto stats = knot::bench::measure(contenders, options, errors);
  const double waits = static_cast<double>(n) * waiters;
  std::printf("\n### One wait that kBlock could not run (%d rounds of %d waiters on 2 workers)\n\n",
              n, waiters);
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

// ============================================================================
// fiber
// ============================================================================

namespace ctx = boost::context;

// A knot fiber whose body suspends until told to stop: each resume() is one
// round trip (switch in, suspend, switch back).
std::atomic<bool> g_stop_bouncing{false};
void bounce(knot::detail::Fiber& f) noexcept {
  while (!g_stop_bouncing.load(std::memory_order_relaxed))
    f.suspend();
}
void nothing(knot::detail::Fiber&) noexcept {}

void fiber(const Config& c) {
  const long n = c.quick ? 10000 : 10000000;
  const long creations = c.quick ? 1000 : 200000;
  // knot's fibers need a registry (their diagnosis record names the pool).
  knot::ThreadPool pool(pool_options(knot::BlockingPolicy::kFiber, 5000ms));
  knot::detail::Registry* registry =
      pool.install([] { return knot::detail::registry_of(knot::detail::current_worker()); });
  knot::detail::FiberStacks stacks(256 * 1024);

  ctx::fiber raw_peer([](ctx::fiber&& back) {
    for (;;)
      back = std::move(back).resume();
    return std::move(back);
  });
  g_stop_bouncing.store(false);
  knot::detail::Fiber knot_peer(registry, stacks, &bounce);
  std::vector<knot::bench::Contender> switches = {
      {"Boost.Context fiber",
       {},
       [&] {
         for (long i = 0; i < n; ++i)
           raw_peer = std::move(raw_peer).resume();
       },
       {}},
      {"knot Fiber",
       {},
       [&] {
         for (long i = 0; i < n; ++i)
           (void)knot_peer.resume();
       },
       {}},
  };
  ctx::pooled_fixedsize_stack raw_stacks(256 * 1024);
  std::vector<knot::bench::Contender> creates = {
      {"Boost.Context fiber",
       {},
       [&] {
         for (long i = 0; i < creations; ++i) {
           ctx::fiber f(std::allocator_arg, raw_stacks,
                        [](ctx::fiber&& back) { return std::move(back); });
           f = std::move(f).resume();
         }
       },
       {}},
      {"knot Fiber",
       {},
       [&] {
         for (long i = 0; i < creations; ++i) {
           knot::detail::Fiber f(registry, stacks, &nothing);
           f.quit();
         }
       },
       {}},
  };
  knot::bench::MeasureOptions options;
  options.reps = c.reps;
  options.budget_s = c.quick ? 1 : 8;
  std::vector<std::string> errors;
  auto sw = knot::bench::measure(switches, options, errors);
  auto cr = knot::bench::measure(creates, options, errors);
  g_stop_bouncing.store(true);
  (void)knot_peer.resume();  // its body returns: Exit::kDone
  knot_peer.quit();
  std::printf("\n### Fiber switch and creation (one thread, no scheduler)\n\n");
  std::printf("| | round trip | creation, run to the end |\n|---|---:|---:|\n");
  for (std::size_t i = 0; i < 2; ++i) {
    std::printf("| %s | %.1f ns | %.1f ns |\n", switches[i].name.c_str(),
                sw[i].median_s / static_cast<double>(n) * 1e9,
                cr[i].median_s / static_cast<double>(creations) * 1e9);
  }
  std::printf("| knot / Boost.Context | %.2f | %.2f |\n", sw[1].median_s / sw[0].median_s,
              cr[1].median_s / cr[0].median_s);
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
  if (wanted("fiber"))
    fiber(c);
  return 0;
}
