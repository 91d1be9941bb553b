// The Markdown report of knot_compare.
//
//   Target    a ratio, its bound, and which side of the bound is good
//   Row       one workload: knot, oneTBB and OpenMP times, other baselines
//   PerOp     one per-operation cost line (ns per join, task or message)
//   Report    everything the driver prints
//   write_markdown()  renders a Report as Markdown tables
//
// Only formatting lives here; no measuring and no policy on what is "good"
// beyond comparing each ratio with its stated bound.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "compare/measure.h"

namespace knot::bench {

struct Target {
  std::string metric;  // what the ratio is, e.g. "knot/oneTBB time"
  double ratio = 0;
  double bound = 0;
  bool is_upper_bound = true;  // true: ratio <= bound is met; false: ratio >= bound

  bool is_met() const { return is_upper_bound ? ratio <= bound : ratio >= bound; }
};

struct NamedStats {
  std::string name;
  Stats stats;
};

struct Row {
  std::string workload;
  std::optional<Stats> knot;
  std::string knot_note;  // e.g. which parallel_reduce form the knot time is
  std::optional<Stats> tbb;
  std::string tbb_note;
  std::optional<Stats> omp;
  std::vector<NamedStats> others;
  std::optional<Target> target;
  std::optional<double> others_cpu_percent;  // OtherLoad over this row's runs
};

struct PerOp {
  std::string what;
  std::optional<double> knot_ns;
  std::optional<double> tbb_ns;
  std::optional<double> omp_ns;
  std::vector<std::pair<std::string, double>> others_ns;
};

struct Report {
  std::vector<std::string> preamble;  // one bullet each
  std::vector<Row> rows;
  std::vector<PerOp> per_op;
  std::vector<std::string> notes;  // one bullet each, after the tables
};

// write_markdown() writes the preamble, the workload table, the
// per-operation table, every sample of every contender, and the notes.
void write_markdown(const Report& report, std::ostream& out);

}  // namespace knot::bench
