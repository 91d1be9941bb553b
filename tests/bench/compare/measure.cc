// measure(): see measure.h.
#include "compare/measure.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <string>
#include <thread>

namespace knot::bench {
namespace {

Stats summarize(std::vector<double> samples) {
  Stats stats;
  stats.samples_s = samples;
  if (samples.empty())
    return stats;
  std::sort(samples.begin(), samples.end());
  std::size_t n = samples.size();
  stats.median_s = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  stats.min_s = samples.front();
  stats.max_s = samples.back();
  return stats;
}

// run_once() prepares, times and checks one run; returns seconds.
double run_once(const Contender& c, const MeasureOptions& options,
                std::vector<std::string>& errors) {
  if (c.prepare)
    c.prepare();
  std::this_thread::sleep_for(options.settle);
  auto start = std::chrono::steady_clock::now();
  c.run();
  auto stop = std::chrono::steady_clock::now();
  if (c.check) {
    std::string what = c.check();
    if (!what.empty())
      errors.push_back(c.name + ": " + what);
  }
  return std::chrono::duration<double>(stop - start).count();
}

// cpu_busy_s() is the busy time of all CPUs since boot: the first line of
// /proc/stat minus idle and iowait, in USER_HZ ticks (100 per second on
// Linux for this interface).
std::optional<double> cpu_busy_s() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu")
    return std::nullopt;
  return (user + nice + system + irq + softirq + steal) / 100.0;
}

double self_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// A warm-up run at least this long is kept as a timed run.
constexpr double kLongRunS = 1.0;

}  // namespace

std::vector<Stats> measure(const std::vector<Contender>& contenders, const MeasureOptions& options,
                           std::vector<std::string>& errors) {
  const std::size_t n = contenders.size();
  std::vector<std::vector<double>> samples(n);
  std::vector<std::size_t> wanted(n);
  for (std::size_t i = 0; i < n; ++i) {
    double warm_s = run_once(contenders[i], options, errors);
    double fits = std::round(options.budget_s / std::max(warm_s, 1e-9));
    double most = static_cast<double>(std::max(options.reps, 1));
    wanted[i] = static_cast<std::size_t>(std::clamp(fits, 1.0, most));
    if (warm_s >= kLongRunS)
      samples[i].push_back(warm_s);
  }
  for (std::size_t round = 0;; ++round) {
    bool is_done = true;
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t i = (round + k) % n;
      if (samples[i].size() >= wanted[i])
        continue;
      samples[i].push_back(run_once(contenders[i], options, errors));
      is_done = false;
    }
    if (is_done)
      break;
  }
  std::vector<Stats> out;
  out.reserve(n);
  for (auto& s : samples)
    out.push_back(summarize(std::move(s)));
  return out;
}

OtherLoad::OtherLoad()
    : busy_s_(cpu_busy_s()), self_s_(self_cpu_s()), start_(std::chrono::steady_clock::now()) {}

std::optional<double> OtherLoad::percent() const {
  auto busy_now = cpu_busy_s();
  if (!busy_s_ || !busy_now)
    return std::nullopt;
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  double others_s = (*busy_now - *busy_s_) - (self_cpu_s() - self_s_);
  return std::clamp(100.0 * others_s / (wall_s * cpus), 0.0, 100.0);
}

}  // namespace knot::bench
