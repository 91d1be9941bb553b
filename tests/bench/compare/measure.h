// Interleaved, repeated timing for knot_compare.
//
//   Stats      median, min and max of one contender's timed runs
//   Contender  one implementation of a workload: prepare, run, check
//   measure()  runs contenders round-robin and returns their Stats
//   OtherLoad  how much CPU other programs took while a workload ran
//
// The machine the numbers come from is shared and noisy, so contenders of
// one workload are never timed in separate blocks: each round runs every
// contender once, and the starting contender rotates from round to round.
// A slow phase of the machine then hits all of them alike, and the ratios
// (what the targets are stated in) survive it. Reported times are medians.
//
// A time budget keeps the whole driver to about two minutes: a contender
// whose single run is long gets fewer runs (at least one), and a warm-up
// run of a second or more counts as a timed run, since warm-up effects
// (thread start, first page faults) are then a negligible part of it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace knot::bench {

struct Stats {
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;
  std::vector<double> samples_s;  // in the order they were taken
};

struct Contender {
  std::string name;
  std::function<void()> prepare;  // untimed, before every run; may be empty
  std::function<void()> run;      // timed
  // check() runs untimed after every run and returns "" or what was wrong
  // with the result; may be empty.
  std::function<std::string()> check;
};

struct MeasureOptions {
  int reps = 5;  // timed runs per contender, at most
  // Seconds each contender may spend in timed runs, roughly: a contender
  // gets round(budget / its warm-up time) runs, clamped to [1, reps].
  double budget_s = 10;
  // Pause before each timed run, so that the previous contender's runtime
  // (TBB and libgomp workers spin for a while after their work ends) has
  // gone to sleep and does not steal cycles from the next one.
  std::chrono::milliseconds settle{20};
};

// measure() runs each contender once as a warm-up (thread start, page
// faults), then interleaved timed rounds until each contender has its
// number of runs (see MeasureOptions). Returns one Stats per contender, in
// the order given. Failed checks are appended to `errors` as
// "<name>: <what>".
std::vector<Stats> measure(const std::vector<Contender>& contenders, const MeasureOptions& options,
                           std::vector<std::string>& errors);

// OtherLoad measures the share of the machine's CPU time that other
// programs used between its construction and percent(): busy time of all
// CPUs from /proc/stat minus this process's own CPU time (getrusage). It
// says how far a row's numbers come from a quiet machine: at 0% the
// runtimes had every core to themselves; at 50% on two cores, one core was
// busy elsewhere. Linux only; nullopt where /proc/stat cannot be read.
class OtherLoad {
 public:
  OtherLoad();
  std::optional<double> percent() const;

 private:
  std::optional<double> busy_s_;  // all CPUs, since boot
  double self_s_ = 0;             // this process, since it started
  std::chrono::steady_clock::time_point start_;
};

}  // namespace knot::bench
