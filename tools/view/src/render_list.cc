// A table of several reports, newest first (render.h: render_list).

#include <algorithm>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "certainty.h"
#include "knot/base/time_format.h"
#include "knot/escape/escape.h"
#include "knot/view/palette.h"
#include "knot/view/render.h"
#include "text_format.h"
#include "text_layout.h"

namespace knot::view {

namespace {

using Role = Palette::Role;

using detail::display_width;

constexpr std::size_t kMaxSummary = 80;  // in the one-line layout
constexpr std::size_t kMaxCell = 40;
constexpr std::size_t kSummaryColumn = 3;
constexpr std::string_view kSummaryIndent = "  ";  // in the two-line layout

struct Row {
  double time = 0;  // seconds since the epoch, for sorting
  const ListEntry* entry = nullptr;
  std::vector<std::string> cells;  // time, kind, process, summary, file (terminal-safe)
  std::string summary;             // the whole summary (cells[3] is cut)
};

Row make_row(const ListEntry& entry) {
  Row row;
  row.entry = &entry;
  row.time = static_cast<double>(entry.modified_ns) / 1e9;
  std::string time =
      entry.modified_ns != 0
          ? base::utc_iso8601(std::chrono::system_clock::time_point(
                                  std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      std::chrono::nanoseconds(entry.modified_ns))),
                              base::TimePrecision::kSeconds)
          : "?";
  std::string kind = "unreadable";
  std::string process = "-";
  std::string summary = entry.error;
  if (entry.report) {
    const auto& report = *entry.report;
    kind =
        report.verdict ? (report.verdict->kind.empty() ? "?" : report.verdict->kind) : "snapshot";
    // Only a proven verdict goes unmarked (certainty.h). A potential
    // deadlock reads as two words, never as "deadlock" with a marker that
    // a cut cell could lose; another kind said to be potential is marked.
    if (report.verdict) {
      const detail::Certainty certainty = detail::verdict_certainty(*report.verdict);
      if (certainty == detail::Certainty::kInferred)
        kind += " (inferred)";
      if (certainty == detail::Certainty::kSuspected)
        kind += " (" + detail::certainty_label(*report.verdict) + ")";
      if (certainty == detail::Certainty::kPotential)
        kind = kind == "potential_deadlock" ? "potential deadlock" : kind + " (potential)";
    }
    if (report.verdict) {
      if (const auto parsed = detail::parse_iso8601(report.verdict->time)) {
        row.time = *parsed;
        time = report.verdict->time;
      }
    }
    const std::string name = detail::module_basename(report.process.executable);
    process = (name.empty() ? "pid" : name) + " [" + std::to_string(report.process.pid) + "]";
    summary = report.summary;
  }
  row.cells = {escape::terminal_safe(escape::truncate_text(time, kMaxCell)),
               escape::terminal_safe(escape::truncate_text(kind, kMaxCell)),
               escape::terminal_safe(escape::truncate_text(process, kMaxCell)), "",
               escape::terminal_safe(detail::module_basename(entry.path))};
  row.summary = std::move(summary);
  return row;
}

Role kind_role(const ListEntry& entry) {
  if (!entry.report)
    return Role::kVerdictSuspected;
  const auto& verdict = entry.report->verdict;
  if (!verdict || verdict->kind == "on_demand")
    return Role::kMuted;
  return detail::verdict_role(detail::verdict_certainty(*verdict));
}

}  // namespace

std::string render_list(const std::vector<ListEntry>& entries, bool color, std::size_t width) {
  const Palette palette(color);
  std::vector<Row> rows;
  rows.reserve(entries.size());
  for (const auto& entry : entries)
    rows.push_back(make_row(entry));
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.time != b.time)
      return a.time > b.time;
    return a.entry->path < b.entry->path;
  });

  std::vector<std::string> header = {"TIME", "KIND", "PROCESS", "SUMMARY", "FILE"};
  for (auto& row : rows)
    row.cells[kSummaryColumn] =
        escape::truncate_text(escape::terminal_safe(row.summary), kMaxSummary);
  auto column_widths = [&] {
    std::vector<std::size_t> widths;
    for (const auto& title : header)
      widths.push_back(title.size());
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.cells.size(); ++c)
        widths[c] = std::max(widths[c], display_width(row.cells[c]));
    }
    return widths;
  };
  std::vector<std::size_t> widths = column_widths();
  std::size_t table_width = 0;
  for (std::size_t w : widths)
    table_width += w + 2;
  // Too wide for one line per report: the summary goes on a line of its own
  // under its row, cut to the width.
  const bool is_split = table_width - 2 > std::max(width, kMinWidth);
  if (is_split) {
    header.erase(header.begin() + kSummaryColumn);
    for (auto& row : rows)
      row.cells.erase(row.cells.begin() + kSummaryColumn);
    widths = column_widths();
  }
  auto line = [&](const std::vector<std::string>& cells, const Row* row) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string cell = cells[c];
      if (c + 1 < cells.size())
        cell += std::string(widths[c] - display_width(cells[c]) + 2, ' ');
      out += row != nullptr && c == 1 ? palette.paint(kind_role(*row->entry), cell) : cell;
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out;
  };
  std::string out = palette.paint(Role::kMuted, line(header, nullptr)) + "\n";
  for (const auto& row : rows) {
    out += line(row.cells, &row) + "\n";
    if (is_split && !row.summary.empty()) {
      // truncate_text() keeps `room` code points and adds "…".
      const std::size_t room = std::max(width, kMinWidth) - kSummaryIndent.size() - 1;
      out += std::string(kSummaryIndent) +
             escape::truncate_text(escape::terminal_safe(row.summary), room) + "\n";
    }
  }
  return out;
}

}  // namespace knot::view
