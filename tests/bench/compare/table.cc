// write_markdown(): see table.h.
#include "compare/table.h"

#include <cstdio>
#include <string>

namespace knot::bench {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string format_ms(double seconds) {
  double ms = seconds * 1e3;
  if (ms >= 100)
    return format("%.0f ms", ms);
  if (ms >= 10)
    return format("%.1f ms", ms);
  if (ms >= 1)
    return format("%.2f ms", ms);
  return format("%.3f ms", ms);
}

std::string format_ns(double ns) {
  if (ns >= 100)
    return format("%.0f ns", ns);
  if (ns >= 10)
    return format("%.1f ns", ns);
  return format("%.2f ns", ns);
}

std::string time_cell(const std::optional<Stats>& stats, const std::string& note) {
  if (!stats)
    return "—";
  std::string cell = format_ms(stats->median_s);
  if (!note.empty())
    cell += " (" + note + ")";
  return cell;
}

std::string target_cells(const std::optional<Target>& t) {
  if (!t)
    return " — | — | — |";
  std::string cell = " " + t->metric + " = " + format("%.3f", t->ratio) + " | " +
                     (t->is_upper_bound ? "<= " : ">= ") + format("%g", t->bound) + " | ";
  if (t->is_met())
    return cell + "yes |";
  // How far off: the factor by which knot would have to improve.
  double factor = t->is_upper_bound ? t->ratio / t->bound : t->bound / t->ratio;
  return cell + "**no** (" + format("%.2f", factor) + "x short) |";
}

void write_samples(const std::string& workload, const std::string& name,
                   const std::optional<Stats>& stats, std::ostream& out) {
  if (!stats)
    return;
  out << "| " << workload << " | " << name << " | " << format_ms(stats->median_s) << " | "
      << format_ms(stats->min_s) << " .. " << format_ms(stats->max_s) << " |";
  for (double s : stats->samples_s)
    out << ' ' << format("%.2f", s * 1e3);
  out << " |\n";
}

}  // namespace

void write_markdown(const Report& report, std::ostream& out) {
  for (const auto& line : report.preamble)
    out << "- " << line << '\n';
  out << '\n';

  out << "| Workload | knot | oneTBB | OpenMP | Other baselines | Ratio | Target | Met | Others' "
         "CPU |\n"
      << "|---|---:|---:|---:|---|---|---|---|---:|\n";
  for (const Row& row : report.rows) {
    std::string others;
    for (const auto& o : row.others) {
      if (!others.empty())
        others += "; ";
      others += o.name + " " + format_ms(o.stats.median_s);
    }
    if (others.empty())
      others = "—";
    out << "| " << row.workload << " | " << time_cell(row.knot, row.knot_note) << " | "
        << time_cell(row.tbb, row.tbb_note) << " | " << time_cell(row.omp, "") << " | " << others
        << " |" << target_cells(row.target) << ' '
        << (row.others_cpu_percent ? format("%.0f%%", *row.others_cpu_percent) : "—") << " |\n";
  }
  out << '\n';

  if (!report.per_op.empty()) {
    out << "| Per operation (wall time / count) | knot | oneTBB | OpenMP | Other baselines |\n"
        << "|---|---:|---:|---:|---|\n";
    auto cell = [](const std::optional<double>& ns) { return ns ? format_ns(*ns) : "—"; };
    for (const PerOp& op : report.per_op) {
      std::string others;
      for (const auto& [name, ns] : op.others_ns) {
        if (!others.empty())
          others += "; ";
        others += name + " " + format_ns(ns);
      }
      if (others.empty())
        others = "—";
      out << "| " << op.what << " | " << cell(op.knot_ns) << " | " << cell(op.tbb_ns) << " | "
          << cell(op.omp_ns) << " | " << others << " |\n";
    }
    out << '\n';
  }

  out << "<details><summary>Every timed run (ms)</summary>\n\n"
      << "| Workload | Contender | Median | Min .. max | Runs in order |\n"
      << "|---|---|---:|---|---|\n";
  for (const Row& row : report.rows) {
    write_samples(row.workload, "knot", row.knot, out);
    write_samples(row.workload, "oneTBB", row.tbb, out);
    write_samples(row.workload, "OpenMP", row.omp, out);
    for (const auto& o : row.others)
      write_samples(row.workload, o.name, o.stats, out);
  }
  out << "\n</details>\n";

  if (!report.notes.empty()) {
    out << '\n';
    for (const auto& note : report.notes)
      out << "- " << note << '\n';
  }
}

}  // namespace knot::bench
