// knot_instr_bench: what diagnosis costs, measured side by side in one run
// (issues #3 and #4; figures in docs/benchmarks.md).
//
//   overhead   fib(32), 1M spawns and a 1/1 channel with the runtime alone
//              versus instrumentation enabled plus the watchdog running
//              (interleaved rounds, compare/measure.h)
//   parking    a park/unpark ping-pong with and without wait-site stacks
//   capture    stacks of 8 and 64 threads, busy and parked: signal capture
//              plus symbolization (cold and warm symbolizer)
//   watchdog   detection latency of the seed (parking-path trigger) and of
//              a channel cycle between two threads (interval scan), each in
//              a child process; the watchdog's CPU time with 64 threads
//
// Usage: knot_instr_bench [--quick] [--only SECTION] [--reps N]
//                         [--instrumented hook|watchdog|both]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "compare/measure.h"
#include "knot/instrumentation/instrumentation.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/instrumentation/watchdog.h"
#include "knot/runtime.h"
#include "runtime/knot_channel_workloads.h"
#include "runtime/knot_workloads.h"
#include "shapes.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Config {
  bool quick = false;
  int reps = 7;
  std::string only;
  std::string self;  // argv[0], to start children
};

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string temp_dir() {
  char tmpl[] = "/tmp/knot-instr-bench-XXXXXX";
  const char* dir = ::mkdtemp(tmpl);
  return dir != nullptr ? dir : "/tmp";
}

// What "instrumented" means in the overhead section: the wait-site stack
// hook, the watchdog thread, or both (--instrumented hook|watchdog|both).
std::string g_instrumented = "both";

void set_instrumentation(bool on, const std::string& report_dir) {
  if (on) {
    if (g_instrumented != "watchdog")
      knot::instr::enable();
    if (g_instrumented != "hook" && !knot::instr::watchdog_running()) {
      knot::instr::WatchdogOptions o;
      o.report_dir = report_dir;
      o.answer_dump_signal = false;
      knot::instr::start_watchdog(o);
      // Starting reads debug information (the symbolizer's warm-up): let
      // the machine settle before the timed run.
      std::this_thread::sleep_for(300ms);
    }
  } else {
    knot::instr::stop_watchdog();
    knot::instr::disable();
  }
}

// ============================================================================
// overhead
// ============================================================================

void overhead(const Config& c) {
  const std::string dir = temp_dir();
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "bench"});
  const int fib_n = c.quick ? 22 : 32;
  const std::size_t spawns = c.quick ? 10000 : 1000000;
  const std::uint64_t messages = c.quick ? 10000 : 1000000;
  struct Workload {
    const char* name;
    std::function<void()> run;
  };
  const Workload workloads[] = {
      {"fib(32), join", [&] { (void)knot::bench::knot_fib(pool, fib_n); }},
      {"1M spawns, scope", [&] { knot::bench::knot_spawn_empty(pool, spawns); }},
      {"channel 1/1, cap 64, 1M messages",
       [&] { (void)knot::bench::knot_channel_transfer(messages, 1, 1, 64); }},
  };
  std::printf("\n### Overhead: runtime alone vs instrumentation + watchdog\n\n");
  std::printf("| workload | runtime alone | instrumented + watchdog | ratio | target |\n");
  std::printf("|---|---:|---:|---:|---|\n");
  for (const Workload& w : workloads) {
    std::vector<knot::bench::Contender> contenders = {
        {"alone", [&] { set_instrumentation(false, dir); }, w.run, {}},
        {"instrumented", [&] { set_instrumentation(true, dir); }, w.run, {}},
    };
    knot::bench::MeasureOptions options;
    options.reps = c.reps;
    options.budget_s = c.quick ? 1 : 8;
    std::vector<std::string> errors;
    auto stats = knot::bench::measure(contenders, options, errors);
    std::printf("| %s | %.2f ms | %.2f ms | %.3f | <= 1.03 |\n", w.name, stats[0].median_s * 1e3,
                stats[1].median_s * 1e3, stats[1].median_s / stats[0].median_s);
    std::fflush(stdout);
  }
  set_instrumentation(false, dir);
}

// ============================================================================
// parking
// ============================================================================

// ns per wait of the parking path's own bookkeeping: a blocking_region
// enters and leaves exactly what a park does around its futex wait (the
// thread record, the observer, the wait-site stack), without sleeping.
double park_cost(std::size_t rounds) {
  const auto start = Clock::now();
  for (std::size_t i = 0; i < rounds; ++i) {
    auto region = knot::blocking_region("bench");
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(rounds);
}

void parking(const Config& c) {
  const std::size_t rounds = c.quick ? 2000 : 200000;
  std::vector<double> without, with;
  for (int r = 0; r < c.reps; ++r) {
    knot::instr::enable(knot::instr::InstrumentationOptions{.wait_site_stacks = false});
    without.push_back(park_cost(rounds));
    knot::instr::enable(knot::instr::InstrumentationOptions{.wait_site_stacks = true});
    with.push_back(park_cost(rounds));
  }
  knot::instr::disable();
  std::printf(
      "\n### Parking path bookkeeping (ns per wait, median of %d; a futex sleep and "
      "wake-up come on top)\n\n",
      c.reps);
  std::printf(
      "| without wait-site stacks | with wait-site stacks | difference |\n|---:|---:|---:|\n");
  std::printf("| %.0f ns | %.0f ns | %+.0f ns |\n", median(without), median(with),
              median(with) - median(without));
}

// ============================================================================
// capture
// ============================================================================

void capture(const Config& c) {
  std::printf("\n### Stacks of running and parked threads (capture + symbolize, ms)\n\n");
  std::printf("| threads | state | capture | symbolize, cold | symbolize, warm |\n");
  std::printf("|---:|---|---:|---:|---:|\n");
  knot::instr::StackCapture capturer;
  for (const int n : {8, 64}) {
    for (const bool busy : {true, false}) {
      std::atomic<bool> stop{false};
      std::atomic<int> ready{0};
      knot::Latch release(1, "release");
      std::vector<std::int64_t> tids(static_cast<std::size_t>(n));
      std::vector<std::thread> threads;
      for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
          tids[static_cast<std::size_t>(i)] = knot::this_thread_id();
          ready.fetch_add(1);
          if (busy) {
            while (!stop.load(std::memory_order_relaxed)) {
            }
          } else {
            release.wait();
          }
        });
      }
      while (ready.load() < n)
        std::this_thread::sleep_for(1ms);
      std::this_thread::sleep_for(20ms);
      std::vector<double> capture_ms, warm_ms;
      double cold_ms = 0;
      for (int r = 0; r < (c.quick ? 1 : 5); ++r) {
        auto t0 = Clock::now();
        auto stacks = capturer.capture(tids);
        capture_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        auto symbolize_all = [&](knot::instr::Symbolizer& s) {
          auto t1 = Clock::now();
          for (const auto& st : stacks)
            (void)s.symbolize(st.pcs, st.first_pc);
          return std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
        };
        knot::instr::Symbolizer fresh;
        const double cold = symbolize_all(fresh);
        if (r == 0)
          cold_ms = cold;
        warm_ms.push_back(symbolize_all(fresh));
      }
      stop.store(true);
      release.count_down();
      for (auto& t : threads)
        t.join();
      std::printf("| %d | %s | %.2f | %.2f | %.2f |\n", n, busy ? "busy" : "parked",
                  median(capture_ms), cold_ms, median(warm_ms));
      std::fflush(stdout);
    }
  }
}

// ============================================================================
// watchdog
// ============================================================================

// parse_utc() reads "2026-11-29T01:02:03.456Z" as a system_clock time.
std::chrono::system_clock::time_point parse_utc(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return {};
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(ms);
}

// The child: forms `shape` with the default watchdog (100 ms) and prints
// the latency from the deadlock's formation to its report being written.
[[noreturn]] void child(const std::string& shape, const std::string& dir) {
  knot::instr::WatchdogOptions o;
  o.report_dir = dir;
  o.answer_dump_signal = false;
  o.callbacks.push_back([](const knot::report::Report& r, const std::string&) {
    const double since_verdict =
        std::chrono::duration<double>(std::chrono::system_clock::now() - parse_utc(r.verdict->time))
            .count();
    std::printf("%.6f\n", r.verdict->age_seconds + since_verdict);
    std::fflush(stdout);
    std::_Exit(0);
  });
  knot::instr::start_watchdog(o);
  knot::scenarios::all().at(shape)();
  std::_Exit(3);
}

double run_child(const Config& c, const std::string& shape, const std::string& dir) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0)
    return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::string self = c.self, flag = "--child", shape_arg = shape, dir_arg = dir;
  char* argv[] = {self.data(), flag.data(), shape_arg.data(), dir_arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return -1;
  }
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out.empty() ? -1 : std::atof(out.c_str());
}

// CPU time of this process's thread named `name`, in seconds (schedstat).
double thread_cpu_seconds(const char* name) {
  DIR* d = ::opendir("/proc/self/task");
  if (d == nullptr)
    return -1;
  double seconds = -1;
  while (const dirent* e = ::readdir(d)) {
    const std::string base = std::string("/proc/self/task/") + e->d_name;
    std::ifstream comm(base + "/comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name)
      continue;
    std::ifstream sched(base + "/schedstat");
    double ns = 0;
    sched >> ns;
    seconds = ns / 1e9;
  }
  ::closedir(d);
  return seconds;
}

void watchdog(const Config& c) {
  const std::string dir = temp_dir();
  const int runs = c.quick ? 1 : 9;
  std::printf("\n### Watchdog (default 100 ms interval)\n\n");
  std::printf("| deadlock | trigger | latency, median | max | target |\n|---|---|---:|---:|---|\n");
  for (const auto& [shape, trigger, target] :
       {std::tuple{"seed", "parking path", "< 50 ms"},
        std::tuple{"channel_cycle", "interval scan", "< 250 ms (2.5 intervals)"}}) {
    std::vector<double> latencies;
    for (int r = 0; r < runs; ++r) {
      const double l = run_child(c, shape, dir);
      if (l >= 0)
        latencies.push_back(l * 1e3);
    }
    std::printf("| %s | %s | %.1f ms | %.1f ms | %s |\n", shape, trigger, median(latencies),
                latencies.empty() ? 0.0 : *std::max_element(latencies.begin(), latencies.end()),
                target);
    std::fflush(stdout);
  }

  // CPU while all is well: 32 workers (an idle pool) and 32 threads parked
  // on empty channels, so every scan has 64 threads and 32 waits to read.
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 32, .name = "idle"});
  std::vector<knot::Sender<int>> senders;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 32; ++i) {
    auto tx_and_rx = knot::channel<int>(1, "input");
    auto tx = std::move(tx_and_rx.first);
    auto rx = std::move(tx_and_rx.second);
    senders.push_back(std::move(tx));
    waiters.emplace_back([rx = std::move(rx)]() mutable { (void)rx.recv(); });
  }
  knot::instr::WatchdogOptions o;
  o.report_dir = dir;
  o.answer_dump_signal = false;
  knot::instr::start_watchdog(o);
  std::this_thread::sleep_for(300ms);
  const double cpu0 = thread_cpu_seconds("knot-watchdog");
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(c.quick ? 1s : 5s);
  const double cpu1 = thread_cpu_seconds("knot-watchdog");
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  knot::instr::stop_watchdog();
  senders.clear();
  for (auto& t : waiters)
    t.join();
  std::printf("\n| threads | watchdog CPU | of one core | target |\n|---:|---:|---:|---|\n");
  std::printf("| 64 (32 workers, 32 parked) | %.1f ms in %.1f s | %.3f%% | < 1%% |\n",
              (cpu1 - cpu0) * 1e3, wall, 100.0 * (cpu1 - cpu0) / wall);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  c.self = argv[0];
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--child" && i + 2 < argc)
      child(argv[i + 1], argv[i + 2]);
    if (a == "--quick") {
      c.quick = true;
      c.reps = 1;
    } else if (a == "--only" && i + 1 < argc) {
      c.only = argv[++i];
    } else if (a == "--instrumented" && i + 1 < argc) {
      g_instrumented = argv[++i];
    } else if (a == "--reps" && i + 1 < argc) {
      c.reps = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: knot_instr_bench [--quick] [--only SECTION] [--reps N] "
                   "[--instrumented hook|watchdog|both]\n");
      return 2;
    }
  }
  auto wanted = [&](const char* section) { return c.only.empty() || c.only == section; };
  if (wanted("overhead"))
    overhead(c);
  if (wanted("parking"))
    parking(c);
  if (wanted("capture"))
    capture(c);
  if (wanted("watchdog"))
    watchdog(c);
  return 0;
}
