// knot_compare: every comparison workload on knot, oneTBB, OpenMP and the
// other baselines, in one process, with the same thread count, printed as
// one Markdown table (docs/benchmarks.md explains it).
//
//   knot_compare [--threads N] [--reps N] [--budget S] [--quick] [--only LIST]
//                [--markdown FILE]
//
// Exit status: 0 when every implementation computed the right result (the
// performance targets do not affect it), 1 on a wrong result, 2 on bad
// arguments.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "compare/workloads.h"
#include "knot/runtime/thread_pool.h"

namespace knot::bench {
namespace {

constexpr std::string_view kUsage =
    "usage: knot_compare [--threads N] [--reps N] [--budget S] [--quick] [--only LIST]\n"
    "                    [--markdown FILE]\n"
    "  --threads N      threads for every runtime (default: hardware concurrency)\n"
    "  --reps N         timed runs per implementation at most, median reported (default 5)\n"
    "  --budget S       seconds of timed runs per implementation and workload, about;\n"
    "                   long-running ones get fewer runs, at least one (default 10)\n"
    "  --quick          sizes 10x smaller, for smoke tests\n"
    "  --only LIST      comma-separated subset of fib,spawn,sum,sort,channel,algorithms\n"
    "  --markdown FILE  also write the report to FILE\n";

struct Flags {
  int threads = 0;
  int reps = 5;
  int budget_s = 10;
  bool is_quick = false;
  std::string only;
  std::string markdown_path;
};

bool parse_positive(const char* text, int& out) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0 || v > 4096)
    return false;
  out = static_cast<int>(v);
  return true;
}

bool parse_flags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      flags.is_quick = true;
    } else if (arg == "--threads" && has_value) {
      if (!parse_positive(argv[++i], flags.threads))
        return false;
    } else if (arg == "--reps" && has_value) {
      if (!parse_positive(argv[++i], flags.reps))
        return false;
    } else if (arg == "--budget" && has_value) {
      if (!parse_positive(argv[++i], flags.budget_s))
        return false;
    } else if (arg == "--only" && has_value) {
      flags.only = argv[++i];
    } else if (arg == "--markdown" && has_value) {
      flags.markdown_path = argv[++i];
    } else {
      return false;
    }
  }
  return true;
}

bool is_selected(const std::string& only, std::string_view name) {
  if (only.empty())
    return true;
  std::stringstream list(only);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item == name)
      return true;
  }
  return false;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos)
        return line.substr(colon + 2);
    }
  }
  return "unknown";
}

// load_average() is the first field of /proc/loadavg: how many threads
// wanted a CPU, averaged over the last minute (the driver's own included
// at the end). A coarse companion to the per-row "Others' CPU" column.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string first;
  in >> first;
  return first.empty() ? "unknown" : first;
}

}  // namespace

int compare_main(int argc, char** argv) {
  Flags flags;
  if (!parse_flags(argc, argv, flags)) {
    std::cerr << kUsage;
    return 2;
  }
  unsigned hw = std::thread::hardware_concurrency();
  if (flags.threads == 0)
    flags.threads = hw == 0 ? 1 : static_cast<int>(hw);

  PoolOptions options;
  options.num_threads = static_cast<std::size_t>(flags.threads);
  options.name = "compare";
  ThreadPool pool(std::move(options));
  // The arena gives TBB the same number of threads as the knot pool: the
  // calling thread plus threads-1 workers, as in an OpenMP team.
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(flags.threads));
  tbb::task_arena arena(flags.threads);
  arena.initialize();

  Session s{flags.is_quick ? quick_sizes() : Sizes{}, pool, arena, flags.threads, {}, {}, {}};
  s.measure.reps = flags.reps;
  s.measure.budget_s = flags.budget_s;

  s.report.preamble = {
      "Machine: " + cpu_model() + ", " + std::to_string(hw) + " hardware threads",
      "Threads per runtime: " + std::to_string(flags.threads) + "; up to " +
          std::to_string(flags.reps) +
          " timed runs per implementation (median shown), interleaved round-robin after one "
          "warm-up run each; implementations whose run is long get fewer runs (about " +
          std::to_string(flags.budget_s) +
          " s each), and a warm-up run of 1 s or more counts as a timed run" +
          (flags.is_quick ? "; --quick sizes (10x smaller)" : ""),
      "1-minute load average at start: " + load_average(),
#ifdef NDEBUG
      "Build: optimized (NDEBUG)",
#else
      "Build: NOT a release build (assertions on): do not quote these numbers",
#endif
  };

  struct Step {
    std::string_view name;
    void (*run)(Session&);
  };
  const Step steps[] = {{"fib", compare_fib},          {"spawn", compare_spawn},
                        {"sum", compare_sums},         {"sort", compare_sort},
                        {"channel", compare_channels}, {"algorithms", compare_algorithms}};
  for (const Step& step : steps) {
    if (!is_selected(flags.only, step.name))
      continue;
    std::cerr << "knot_compare: " << step.name << "...\n";
    step.run(s);
  }
  s.report.preamble.push_back("1-minute load average at end: " + load_average());

  write_markdown(s.report, std::cout);
  if (!flags.markdown_path.empty()) {
    std::ofstream file(flags.markdown_path);
    write_markdown(s.report, file);
    if (!file) {
      std::cerr << "knot_compare: cannot write " << flags.markdown_path << '\n';
      return 1;
    }
  }
  for (const auto& e : s.errors)
    std::cerr << "knot_compare: WRONG RESULT: " << e << '\n';
  return s.errors.empty() ? 0 : 1;
}

}  // namespace knot::bench

int main(int argc, char** argv) {
  return knot::bench::compare_main(argc, argv);
}
