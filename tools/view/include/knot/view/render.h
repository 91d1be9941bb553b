// Turning reports into something to read: the terminal diagnosis, one
// self-contained HTML page, Graphviz text, normalized JSON, and a list of
// several reports.
//
//   RenderOptions  colour, --full, the grouping level
//   render_text()  the diagnosis for a terminal (verdict first)
//   render_html()  one page with the graph drawn, no network needed
//   render_dot()   the wait-for graph as Graphviz text
//   render_json()  the report as knot writes it (normalized)
//   ListEntry      one report (or unreadable file) of a list
//   render_list()  several reports, newest first
//
// Every string from a report is escaped for its output (knot/escape/escape.h): the
// renderers are safe on hostile reports and never throw on odd ones
// (missing sections, dangling ids, empty stacks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "knot/report/report.h"
#include "knot/view/aggregate.h"
#include "knot/view/terminal_width.h"

namespace knot::view {

struct RenderOptions {
  bool color = false;  // ANSI colour (palette.h decides when)
  bool full = false;   // show knot's own frames instead of folding them
  Similarity similarity = Similarity::kSameUserFrames;
  // Columns to fit (terminal_width.h); below kMinWidth counts as kMinWidth.
  std::size_t width = kDefaultWidth;
};

// render_text() is the terminal diagnosis: the verdict (kind, how sure:
// proven, "inferred, not proven" or suspected, when, for how long; an
// inferred verdict's assumptions under it, after "Assumes:"), the
// summary, the cycle as a chain of names (a step on an inferred edge
// marked "[inferred]"), pool occupancy, the resources in the cycle with
// their facts and holders (each holder's basis: used, or a guess), the
// threads grouped by `similarity` (by default, threads whose user frames
// are the same share a group), each group with its waits, what its
// threads hold, the long task one runs and their wait stacks (helping
// waits, innermost first, each with its call site), "at" the first user
// frame above them (the user's code that waits) and its stack (user
// frames marked with '>', inlined frames noted, runs of knot frames
// folded into "… N knot frames" unless `full`), then the narrative and the
// advice. Control characters are neutralized. A verdict is proven only
// when the report says so in both `certainty` and `is_proven` (a report
// older than schema 1.1: `is_proven`).
//
// Every line fits in `options.width` columns, and nothing is cut to get
// there: prose wraps at spaces under its indentation; a table too wide
// closes up its columns, then splits into several tables that each repeat
// the POOL column; a frame too wide puts its file:line and module on the
// next line, and a function name longer than a line (C++ templates) is
// broken over several, preferably after a ',', '(', '<' or ':'. Only a
// single word longer than a prose line is left wider (a path, say).
//
// A potential deadlock (schema 1.2: a cycle of dependencies seen in a run
// that did not hang) reads apart from a deadlock: "POTENTIAL DEADLOCK
// (this run did not hang)", painted blue, its condition under it
// ("Condition: It hangs when ..."; the verdict's conditions one per line
// when the report has no hazard), then "Potential cycle (this run did not
// hang)": the events' chain and each dependency numbered in the cycle's
// order (its sentence; "<event> needs <event>" and its basis in words;
// "where it waited:" and "where it took the responsibility:", each stack
// folded like a thread's), then "Prevented by" (the policies that would
// prevent it). Never the word "proven", nor the cycle's red.
std::string render_text(const knot::report::Report& report, const RenderOptions& options);

// render_html() is one self-contained HTML page: inline CSS and script, the
// verdict with a badge of its certainty (its own colour each) and an
// inferred verdict's assumptions next to it, the wait-for graph as inline
// SVG laid out by Graphviz (a table of edges with their basis if the
// layout fails or the graph is too large), the cycle highlighted, pool
// occupancy, resources with their holders, thread groups with what they
// hold, their long task and wait stacks, foldable stacks and a filter
// box. It refers to no external resource at all, and a
// Content-Security-Policy forbids fetching any. A potential deadlock has
// a blue badge ("this run did not hang", class "potential"), its
// condition in a box under the verdict, a dependency graph (dashed, blue,
// titled as potential), its dependencies with their two stacks folded
// (<details>), and the policies that would prevent it.
std::string render_html(const knot::report::Report& report);

// render_dot() is the wait-for graph in Graphviz's language; the cycle's
// nodes and edges are red and carry class "cycle", dead nodes are filled;
// inferred edges are dashed, labelled "inferred" and carry class
// "inferred" (exact ones are solid); "woken by" edges have hollow
// arrowheads. A potential deadlock's graph is titled as potential; its
// event nodes carry class "event", its "depends_on" edges are dashed,
// labelled with who waits and the basis, with class "depends_on"; its
// cycle is blue with class "potential", never red nor "cycle".
std::string render_dot(const knot::report::Report& report);

// render_json() is knot::report::to_json(report) with a final newline.
std::string render_json(const knot::report::Report& report);

// ListEntry is one file of a list: its report, or why it could not be read.
struct ListEntry {
  std::string path;
  std::int64_t modified_ns = 0;  // the file's modification time
  std::optional<knot::report::Report> report;
  std::string error;  // set when `report` is absent
};

// render_list() is a table of `entries` (time, kind, process, summary,
// file; the kind marked "(inferred)" or "(suspected)" unless the verdict
// is proven, a potential deadlock's "potential deadlock", and painted by
// its certainty), newest first: by the verdict's time where the report
// has one, else by the file's modification time. Unreadable files are listed with their error. One
// line per report, the summary cut to 80 code points (with "…"), when that fits in `width`;
// otherwise each summary goes on a line of its own under its report, indented and cut to the width.
// The file's name is never cut, even if the line is then wider.
std::string render_list(const std::vector<ListEntry>& entries, bool color,
                        std::size_t width = kDefaultWidth);

}  // namespace knot::view
