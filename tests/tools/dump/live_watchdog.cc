// live_watchdog REPORT_DIR: a real knot program with the real watchdog on,
// for knot-dump's end-to-end test against the protocol as the watchdog
// implements it (fake_watchdog.cc stands in for everything else).
//
// It starts the watchdog (which advertises itself and answers the dump
// signal), then pool 'live' (2 workers), parks one worker in a timed wait
// on latch 'gate' (a timed wait is never a deadlock), prints "ready",
// and waits for SIGTERM or SIGINT, 30 seconds at most. Then it opens the
// gate, stops the watchdog (which withdraws the advertisement) and exits 0.
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

#include "knot/instrumentation/watchdog.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/thread_pool.h"

namespace {

// is_parked_on() is true when some thread knot knows waits on `name`.
bool is_parked_on(const std::string& name) {
  for (const knot::ThreadView& thread : knot::snapshot_threads()) {
    if (thread.wait && thread.wait->name == name)
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc != 2) {
    std::fprintf(stderr, "usage: live_watchdog REPORT_DIR\n");
    return 2;
  }
  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigtimedwait below takes these two.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  try {
    // The watchdog first: starting it enables the recording of waits.
    knot::instr::WatchdogOptions options;
    options.report_dir = argv[1];
    knot::instr::start_watchdog(options);

    knot::Latch gate(1, "gate");
    knot::Latch parked(1, "parked");
    knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "live"});
    pool.spawn([&] {
      parked.count_down();
      gate.wait_for(60s);
    });
    parked.wait();
    // "ready" only once the worker is really parked on the gate, so that
    // every report from now on shows the wait.
    const auto parked_by = std::chrono::steady_clock::now() + 10s;
    while (!is_parked_on("gate") && std::chrono::steady_clock::now() < parked_by)
      std::this_thread::sleep_for(1ms);
    std::printf("ready\n");
    std::fflush(stdout);

    // The dump signal's handler may interrupt the wait (EINTR): wait again
    // until SIGTERM, SIGINT or the time limit.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0s)
        break;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      const timespec limit{static_cast<time_t>(ns / 1'000'000'000),
                           static_cast<long>(ns % 1'000'000'000)};
      if (::sigtimedwait(&stop, nullptr, &limit) >= 0 || errno != EINTR)
        break;
    }
    gate.count_down();
    knot::instr::stop_watchdog();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "live_watchdog: %s\n", e.what());
    return 1;
  }
  return 0;
}
