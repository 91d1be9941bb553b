// knot_fast_path_ops: the fast paths of issue #3's overhead target, run
// once each so that callgrind can count their instructions
// (fast_path_counts.sh). Built twice from this file:
//
//   knot_fast_path_ops               links knot::runtime only
//   knot_fast_path_ops_instrumented  links knot::instrumentation, enables
//                                    it (wait-site stacks) and runs the
//                                    watchdog at its default interval;
//                                    with KNOT_OPS_HAZARDS=1 it tracks
//                                    hazards too
//
// Usage: knot_fast_path_ops fib N | spawns N | channel N
//
//   fib N      fib(N) by join with no cutoff
//   spawns N   N empty tasks spawned into one scope
//   channel N  N messages sent and received through a channel of capacity
//              64, in rounds of 64 sends then 64 receives: none waits
//
// Everything runs on a pool of one worker, so no task is stolen and the
// count is the same from run to run: the comparison is between binaries,
// not between noisy timings. The measured work is inside the functions
// named knot_measured_*, which the script gives to callgrind's
// --toggle-collect; the set-up (the pool, the watchdog's start and its
// symbolizer's warm-up) is outside them. What the watchdog thread itself
// spends is measured elsewhere (knot_instr_bench --only watchdog).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "knot/runtime.h"

#ifdef KNOT_OPS_INSTRUMENTED
#include <unistd.h>

#include "knot/instrumentation/hazards.h"
#include "knot/instrumentation/instrumentation.h"
#include "knot/instrumentation/watchdog.h"
#endif

namespace {

std::uint64_t fib(int n) {
  if (n < 2)
    return static_cast<std::uint64_t>(n);
  auto [a, b] = knot::join([n] { return fib(n - 1); }, [n] { return fib(n - 2); });
  return a + b;
}

}  // namespace

// extern "C" and noinline: callgrind's --toggle-collect finds them by these
// names.
extern "C" {

[[gnu::noinline]] std::uint64_t knot_measured_fib(int n) {
  return fib(n);
}

[[gnu::noinline]] void knot_measured_spawns(std::size_t n) {
  knot::scope([n](knot::Scope& s) {
    for (std::size_t i = 0; i < n; ++i)
      s.spawn([] {});
  });
}

[[gnu::noinline]] std::uint64_t knot_measured_channel(std::uint64_t n) {
  auto [tx, rx] = knot::channel<std::uint64_t>(64, "ops");
  std::uint64_t sum = 0;
  for (std::uint64_t done = 0; done < n; done += 64) {
    for (std::uint64_t i = 0; i < 64; ++i)
      (void)tx.send(done + i);
    for (std::uint64_t i = 0; i < 64; ++i)
      sum += *rx.recv();
  }
  return sum;
}

}  // extern "C"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s fib N | spawns N | channel N\n", argv[0]);
    return 2;
  }
  const std::string what = argv[1];
  const long n = std::strtol(argv[2], nullptr, 10);
  if (n <= 0 || (what != "fib" && what != "spawns" && what != "channel")) {
    std::fprintf(stderr, "%s: unknown workload or size: %s %s\n", argv[0], argv[1], argv[2]);
    return 2;
  }
#ifdef KNOT_OPS_INSTRUMENTED
  knot::instr::enable();
  knot::instr::WatchdogOptions options;
  char dir[] = "/tmp/knot-fast-path-ops-XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  options.report_dir = dir;
  options.answer_dump_signal = false;
  knot::instr::start_watchdog(options);
  // KNOT_OPS_HAZARDS=1: hazard tracking on too (docs/hazards.md, "Cost").
  if (const char* h = std::getenv("KNOT_OPS_HAZARDS"); h != nullptr && std::strcmp(h, "1") == 0) {
    knot::instr::HazardOptions hazards;
    hazards.report_dir = dir;
    hazards.report_at_exit = false;
    knot::instr::enable_hazards(hazards);
  }
#endif
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 1, .name = "ops"});
  std::uint64_t result = 0;
  if (what == "fib") {
    result = pool.install([n] { return knot_measured_fib(static_cast<int>(n)); });
  } else if (what == "spawns") {
    pool.install([n] { knot_measured_spawns(static_cast<std::size_t>(n)); });
    result = static_cast<std::uint64_t>(n);
  } else {
    result = pool.install([n] { return knot_measured_channel(static_cast<std::uint64_t>(n)); });
  }
  std::printf("%s %ld: %llu\n", what.c_str(), n, static_cast<unsigned long long>(result));
#ifdef KNOT_OPS_INSTRUMENTED
  knot::instr::stop_watchdog();
  knot::instr::disable();
  ::rmdir(dir);
#endif
  return 0;
}
