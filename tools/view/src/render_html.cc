// One self-contained HTML page of a report (render.h: render_html): inline
// CSS and script, the graph as inline SVG, no URL anywhere. A potential
// deadlock (a cycle seen in a run that did not hang) has its own colour,
// badge and section, never the cycle's red. Every string
// from the report goes through html_escape(); the script reads only the
// page's own text. A Content-Security-Policy with a per-page nonce lets
// only our script run and forbids any fetch, as a second line of defence.
//
// The page follows render_text.cc section by section, in the same order
// and with the same choices of what to show, so the two outputs read alike:
// their section functions (cycle(), pools(), threads(), ...) open with the
// same guards, which a duplicate finder pairs. What both decide is written
// once, in report_index.h (the cycle's steps, the ordered thread groups)
// and certainty.h; only the markup differs.

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "certainty.h"
#include "graphviz_svg.h"
#include "knot/escape/escape.h"
#include "knot/view/render.h"
#include "report_index.h"
#include "text_format.h"
#include "thread_facts.h"

namespace knot::view {

namespace {

using detail::FrameClass;
using detail::ReportIndex;
using knot::report::Frame;
using knot::report::Report;
using knot::report::Thread;

// Graphs larger than this are listed as a table: a layout would take long
// and draw an unreadable hairball.
constexpr std::size_t kMaxDrawnNodes = 300;
constexpr std::size_t kMaxDrawnEdges = 1000;
constexpr std::size_t kMaxTableEdges = 2000;
constexpr std::size_t kMaxSummaryNames = 10;

constexpr std::string_view kStyle = R"css(
:root { --cycle: #c62828; --inferred: #7b1fa2; --suspected: #b26a00; --potential: #1565c0;
        --muted: #666; --line: #ddd; --dead: #fdecea; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1200px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.5em; margin: 0.2em 0; }
h1.proven { color: var(--cycle); }
h1.inferred { color: var(--inferred); }
h1.suspected { color: var(--suspected); }
h1.potential { color: var(--potential); }
.certainty { border-radius: 4px; padding: 0 0.4em; font-size: 0.6em; vertical-align: middle;
             color: white; background: var(--muted); }
.certainty.proven { background: var(--cycle); }
.certainty.inferred { background: var(--inferred); }
.certainty.suspected { background: var(--suspected); }
.certainty.potential { background: var(--potential); }
.assumptions { border-left: 4px solid var(--inferred); background: #f6eef8;
               padding: 0.3em 0.8em; margin: 0.4em 0; }
.assumptions ul { margin: 0.2em 0; }
.condition { border-left: 4px dashed var(--potential); background: #eef4fb;
             padding: 0.3em 0.8em; margin: 0.4em 0; }
.condition ul { margin: 0.2em 0; }
.potential-chain { color: var(--potential); font-weight: 600; }
ol.dependencies > li { margin: 0.6em 0; }
.dependency { color: var(--muted); }
details.edge-stack > summary { cursor: pointer; color: var(--muted); }
.basis { color: var(--inferred); font-style: italic; }
.facts { margin: 0.2em 0; padding-left: 1.2em; }
.facts .site { color: var(--muted); font: 12px/1.5 ui-monospace, Menlo, Consolas, monospace; }
h2 { font-size: 1.15em; border-bottom: 1px solid var(--line); padding-bottom: 0.2em;
     margin-top: 1.6em; }
.muted { color: var(--muted); }
.summary { font-size: 1.1em; }
.cycle { color: var(--cycle); font-weight: 600; }
.graph svg { max-width: 100%; height: auto; }
.legend { font-size: 0.9em; color: var(--muted); }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid var(--line); padding: 0.2em 0.7em; text-align: right; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
tr.cycle td { color: var(--cycle); }
details.group { border: 1px solid var(--line); border-radius: 6px; margin: 0.5em 0;
                padding: 0.3em 0.8em; }
details.group.in-cycle { border-color: var(--cycle); }
details.group > summary { cursor: pointer; }
.badge { background: var(--cycle); color: white; border-radius: 4px; padding: 0 0.4em;
         font-size: 0.85em; }
.stack { font: 12px/1.5 ui-monospace, Menlo, Consolas, monospace; margin: 0.4em 0 0.4em 1em; }
.frame .function { font-weight: 600; }
.frame.knot .function, .frame.system .function { font-weight: normal; color: var(--muted); }
.frame .where { color: var(--muted); margin-left: 1.5em; }
.user-top { margin: 0.2em 0; }
.user-top .function { font: 600 12px/1.5 ui-monospace, Menlo, Consolas, monospace; }
.user-top .where { color: var(--muted); margin-left: 1.5em; }
details.knot-frames > summary { color: var(--muted); cursor: pointer; }
.toolbar { margin: 0.5em 0; }
.toolbar input { font: inherit; padding: 0.2em 0.5em; width: 22em; }
.narrative { white-space: pre-wrap; }
)css";

constexpr std::string_view kScript = R"js(
(function () {
  var box = document.getElementById('filter');
  var note = document.getElementById('filter-note');
  if (!box) return;  // no thread groups (a potential deadlock's page)
  var groups = Array.prototype.slice.call(document.querySelectorAll('details.group'));
  box.addEventListener('input', function () {
    var query = box.value.trim().toLowerCase();
    var shown = 0;
    groups.forEach(function (group) {
      var hit = query === '' || group.textContent.toLowerCase().indexOf(query) !== -1;
      group.hidden = !hit;
      if (hit) shown++;
    });
    note.textContent = query === '' ? '' : shown + ' of ' + groups.length + ' groups match';
  });
  function setAll(open) { groups.forEach(function (group) { group.open = open; }); }
  document.getElementById('expand-all').addEventListener('click', function () { setAll(true); });
  document.getElementById('collapse-all').addEventListener('click', function () { setAll(false); });
})();
)js";

std::string esc(std::string_view text) {
  return escape::html_escape(text);
}

std::string make_nonce() {
  std::random_device device;
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%08x%08x%08x%08x", device(), device(), device(), device());
  return buffer;
}

class HtmlRenderer {
 public:
  explicit HtmlRenderer(const Report& report) : report_(report), index_(report) {}

  std::string render() {
    const std::string nonce = make_nonce();
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out_ +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'nonce-" +
        nonce + "'\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out_ += "<title>knot: " + esc(detail::verdict_title(report_)) +
            (report_.id.empty() ? "" : " " + esc(report_.id)) + "</title>\n";
    out_ += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
    header();
    graph();
    cycle();
    pools();
    resources();
    threads();
    story();
    out_ += "<footer class=\"muted\"><p>Made by knot-view from a " + esc(report_.schema) +
            " report.</p></footer>\n";
    out_ += "<script nonce=\"" + nonce + "\">" + std::string(kScript) + "</script>\n";
    out_ += "</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  void header() {
    const detail::Certainty certainty =
        report_.verdict ? detail::verdict_certainty(*report_.verdict) : detail::Certainty::kNone;
    const std::string kind = detail::certainty_class(certainty);
    out_ += "<header>\n<h1 id=\"verdict\" class=\"" + kind + "\">" +
            esc(detail::verdict_title(report_));
    if (report_.verdict) {
      out_ += " <span class=\"certainty " + kind + "\" id=\"certainty\">" +
              esc(detail::certainty_label(*report_.verdict)) + "</span>";
      const std::string timing = detail::verdict_timing(*report_.verdict);
      if (!timing.empty())
        out_ += " <small>" + esc(timing) + "</small>";
    }
    out_ += "</h1>\n";
    if (certainty == detail::Certainty::kPotential) {
      condition();
    } else {
      assumptions(certainty);
    }
    out_ += "<p class=\"muted\">" + esc(detail::process_line(report_.process)) + "<br>report " +
            esc(report_.id) + (report_.trigger.empty() ? "" : ", trigger " + esc(report_.trigger)) +
            "</p>\n";
    if (!report_.summary.empty())
      out_ += "<p class=\"summary\" id=\"summary\">" + esc(report_.summary) + "</p>\n";
    out_ += "</header>\n";
  }

  // assumptions() lists, next to the verdict, what an inferred verdict
  // rests on (or that the report names nothing).
  void assumptions(detail::Certainty certainty) {
    if (!report_.verdict)
      return;
    const auto& list = report_.verdict->assumptions;
    if (list.empty() && certainty != detail::Certainty::kInferred)
      return;
    out_ += "<div class=\"assumptions\" id=\"assumptions\"><strong>Assumes:</strong><ul>";
    if (list.empty())
      out_ += "<li class=\"muted\">(the report names no assumption)</li>";
    for (const auto& assumption : list)
      out_ += "<li>" + esc(assumption) + "</li>";
    out_ += "</ul></div>\n";
  }

  // condition() says, next to a potential verdict, when it would hang: the
  // hazard's condition, else the verdict's conditions (its assumptions).
  void condition() {
    out_ += "<div class=\"condition\" id=\"condition\"><strong>Condition:</strong> ";
    if (report_.hazard && !report_.hazard->condition.empty()) {
      out_ += esc(report_.hazard->condition) + "</div>\n";
      return;
    }
    const auto& list = report_.verdict->assumptions;
    out_ += list.empty() ? "<span class=\"muted\">(the report names no condition)</span>"
                         : "it hangs when, all at once:<ul>";
    for (const auto& assumption : list)
      out_ += "<li>" + esc(assumption) + "</li>";
    out_ += list.empty() ? "</div>\n" : "</ul></div>\n";
  }

  bool is_potential() const {
    return report_.verdict &&
           detail::verdict_certainty(*report_.verdict) == detail::Certainty::kPotential;
  }

  // ---------------------------------------------------------------------------
  // The graph: Graphviz's SVG, or a table of edges
  // ---------------------------------------------------------------------------

  void graph() {
    const auto& g = report_.graph;
    if (g.nodes.empty() && g.edges.empty())
      return;
    out_ += "<section id=\"graph-section\">\n<h2>" +
            std::string(is_potential() ? "Dependency graph (this run did not hang)"
                                       : "Wait-for graph") +
            "</h2>\n";
    std::string why_table;
    if (g.nodes.size() > kMaxDrawnNodes || g.edges.size() > kMaxDrawnEdges) {
      why_table = "The graph has " + std::to_string(g.nodes.size()) + " nodes and " +
                  std::to_string(g.edges.size()) + " edges, too many to draw; its edges:";
    } else {
      detail::SvgLayout layout = detail::layout_svg(render_dot(report_));
      if (layout.svg) {
        out_ += "<div class=\"graph\" id=\"graph\">\n" + *layout.svg + "\n</div>\n";
        out_ += is_potential()
                    ? "<p class=\"legend\">Blue: the potential cycle, seen in a run that did not "
                      "hang. Nodes: events (a free worker, room or a message in a channel, a "
                      "mutex given back, a latch opening). Dashed lines: depends on (the event at "
                      "the tail cannot happen before the one at the head), labelled with who "
                      "waits and the basis.</p>\n</section>\n"
                    : "<p class=\"legend\">Red: the cycle. Filled: cannot make progress. Solid "
                      "lines: exact; dashed lines, labelled inferred: a guess the verdict rests "
                      "on. Filled arrowheads: waits for; hollow: can be woken by.</p>\n"
                      "</section>\n";
        return;
      }
      why_table = "The graph could not be drawn (" + layout.error + "); its edges:";
    }
    out_ += "<p class=\"muted\">" + esc(why_table) + "</p>\n";
    edge_table();
    out_ += "</section>\n";
  }

  void edge_table() {
    out_ +=
        "<table id=\"edges\"><thead><tr><th class=\"text\">from</th><th class=\"text\">"
        "relation</th><th class=\"text\">to</th><th class=\"text\">basis</th></tr></thead>"
        "<tbody>\n";
    const auto& edges = report_.graph.edges;
    for (std::size_t i = 0; i < edges.size() && i < kMaxTableEdges; ++i) {
      const auto& edge = edges[i];
      out_ += std::string(index_.is_cycle_edge(edge) ? "<tr class=\"cycle\">" : "<tr>") +
              "<td class=\"text\">" + esc(index_.node_label(edge.from)) +
              "</td><td class=\"text\">" + esc(edge.label.empty() ? edge.kind : edge.label) +
              "</td><td class=\"text\">" + esc(index_.node_label(edge.to)) + "</td>" +
              basis_cell(edge) + "</tr>\n";
    }
    out_ += "</tbody></table>\n";
    if (edges.size() > kMaxTableEdges)
      out_ += "<p class=\"muted\">and " + std::to_string(edges.size() - kMaxTableEdges) +
              " more edges</p>\n";
  }

  static std::string basis_cell(const knot::report::Edge& edge) {
    if (detail::is_dependency_edge(edge))
      return "<td class=\"text dependency\">depends on (" + esc(edge.basis) + ")</td>";
    const std::string basis = detail::edge_basis_label(edge);
    return basis.empty() ? "<td class=\"text\">exact</td>"
                         : "<td class=\"text basis\">" + esc(basis) + "</td>";
  }

  // ---------------------------------------------------------------------------
  // Cycle, pools, resources
  // ---------------------------------------------------------------------------

  void cycle() {
    if (report_.hazard && !report_.hazard->edges.empty()) {
      hazard();
      return;
    }
    if (index_.cycle_steps().empty())
      return;
    // A potential cycle is never painted, nor titled, like a deadlock's.
    out_ += is_potential() ? "<section id=\"cycle\">\n<h2>Potential cycle (this run did not "
                             "hang)</h2>\n<p class=\"potential-chain\" id=\"cycle-chain\">"
                           : "<section id=\"cycle\">\n<h2>Cycle</h2>\n<p class=\"cycle\" "
                             "id=\"cycle-chain\">";
    out_ += esc(index_.cycle_chain()) + "</p>\n<ul>\n";
    for (const auto& [from, to] : index_.cycle_steps()) {
      const knot::report::Edge* edge = index_.edge_between(from, to);
      const std::string relation = detail::edge_relation(edge);
      const std::string basis = edge != nullptr ? detail::edge_basis_label(*edge) : "";
      out_ += "<li>" + esc(index_.node_label(from)) + " <em>" + esc(relation) + "</em> " +
              esc(index_.node_label(to)) +
              (basis.empty() ? "" : " <span class=\"basis\">[" + esc(basis) + "]</span>") +
              "</li>\n";
    }
    out_ += "</ul>\n</section>\n";
  }

  // hazard() is a potential deadlock's cycle: the chain of its events,
  // each dependency with its words, its two events and basis, and its two
  // stacks folded (knot's frames folded inside them as in any stack); then
  // the policies that would prevent it.
  void hazard() {
    const knot::report::Hazard& h = *report_.hazard;
    out_ += "<section id=\"cycle\">\n<h2>Potential cycle (this run did not hang)</h2>\n";
    if (!index_.cycle_steps().empty())
      out_ +=
          "<p class=\"potential-chain\" id=\"cycle-chain\">" + esc(index_.cycle_chain()) + "</p>\n";
    out_ += "<ol class=\"dependencies\" id=\"dependencies\">\n";
    for (const knot::report::HazardEdge& edge : h.edges) {
      const std::string text = !edge.text.empty()
                                   ? edge.text
                                   : (edge.context.empty() ? std::string("?") : edge.context) +
                                         " (the report does not say more)";
      std::string detail = detail::dependency_phrase(edge, index_);
      if (const std::string note = detail::dependency_basis_note(edge.basis); !note.empty())
        detail += " (" + note + ")";
      out_ += "<li class=\"hazard-edge\">" + esc(text) + "<br><span class=\"dependency\">" +
              esc(detail) + "</span>\n";
      edge_stack("where it waited", edge.wait_stack);
      edge_stack("where it took the responsibility", edge.responsibility_stack);
      out_ += "</li>\n";
    }
    out_ += "</ol>\n<h2>Prevented by</h2>\n<ul id=\"prevented-by\">\n";
    if (h.prevented_by.empty())
      out_ += "<li class=\"muted\">(no blocking policy would prevent it: see the advice)</li>\n";
    for (const auto& policy : h.prevented_by)
      out_ += "<li>" + esc(policy) + "</li>\n";
    out_ += "</ul>\n";
    if (!h.silenced.empty())
      out_ += "<h2>Silenced</h2>\n<p id=\"silenced\">exempted in the program: " + esc(h.silenced) +
              "</p>\n";
    out_ += "</section>\n";
  }

  // edge_stack() is one stack of a dependency, folded under its title.
  void edge_stack(std::string_view title, const std::vector<Frame>& frames) {
    out_ += "<details class=\"edge-stack\"><summary>" + esc(title) + " (" +
            std::to_string(frames.size()) + (frames.size() == 1 ? " frame" : " frames") +
            ")</summary>\n";
    stack(frames);
    out_ += "</details>\n";
  }

  void pools() {
    if (report_.pools.empty())
      return;
    out_ +=
        "<section id=\"pools\">\n<h2>Pools</h2>\n<table><thead><tr><th>pool</th>"
        "<th class=\"text\">policy</th><th>threads</th><th>running</th><th>searching</th>"
        "<th>sleeping</th><th>parked</th><th>other</th><th>queued</th><th>pending</th>"
        "<th>completed</th><th>spares</th></tr></thead><tbody>\n";
    for (const auto& pool : report_.pools) {
      const detail::PoolOccupancy o = detail::pool_occupancy(pool);
      const bool in_cycle = index_.is_cycle_node("pool:" + std::to_string(pool.id));
      out_ += std::string(in_cycle ? "<tr class=\"cycle\">" : "<tr>") + "<td>" +
              esc(index_.pool_name(pool.id)) + "</td><td class=\"text\">" + esc(pool.policy) +
              "</td>";
      for (std::uint64_t n :
           {static_cast<std::uint64_t>(pool.num_threads), static_cast<std::uint64_t>(o.running),
            static_cast<std::uint64_t>(o.searching), static_cast<std::uint64_t>(o.sleeping),
            static_cast<std::uint64_t>(o.parked), static_cast<std::uint64_t>(o.other),
            static_cast<std::uint64_t>(o.queued), static_cast<std::uint64_t>(pool.pending_tasks),
            pool.tasks_completed, static_cast<std::uint64_t>(pool.num_spares)})
        out_ += "<td>" + std::to_string(n) + "</td>";
      out_ += "</tr>\n";
    }
    out_ += "</tbody></table>\n";
    for (const auto& pool : report_.pools) {
      if (const std::string line = detail::queued_by_line(pool, index_); !line.empty())
        out_ += "<p>" + esc(line) + "</p>\n";
    }
    out_ += "</section>\n";
  }

  void resources() {
    const auto focus = index_.focus_resources();
    if (focus.empty())
      return;
    out_ += "<section id=\"resources\">\n<h2>" +
            std::string(index_.cycle_steps().empty() ? "Resources waited on"
                                                     : "Resources in the cycle") +
            "</h2>\n<ul>\n";
    for (const auto* resource : focus) {
      std::string facts;
      for (const auto& fact : detail::resource_facts(*resource, index_))
        facts += (facts.empty() ? "" : ", ") + fact;
      out_ += "<li><strong>" + esc(detail::resource_title(*resource)) +
              "</strong> <span class=\"muted\">(id " + std::to_string(resource->id) + ")</span>" +
              (facts.empty() ? "" : ": " + esc(facts));
      const std::vector<std::string> holders = detail::resource_holders(*resource);
      if (!holders.empty()) {
        out_ += "<ul class=\"holders\">";
        for (const auto& line : holders)
          out_ += "<li>" + esc(line) + "</li>";
        out_ += "</ul>";
      }
      out_ += "</li>\n";
    }
    out_ += "</ul>\n</section>\n";
  }

  // ---------------------------------------------------------------------------
  // Thread groups
  // ---------------------------------------------------------------------------

  void threads() {
    if (report_.threads.empty())
      return;
    const std::vector<Bucket> buckets = ordered_buckets(index_, Similarity::kExact);
    out_ += "<section id=\"threads\">\n<h2>Threads: " + std::to_string(report_.threads.size()) +
            " in " + std::to_string(buckets.size()) + (buckets.size() == 1 ? " group" : " groups") +
            " by identical stack</h2>\n<div class=\"toolbar\"><input id=\"filter\" "
            "type=\"search\" placeholder=\"Filter groups: name, state, function, file\" "
            "aria-label=\"Filter thread groups\"> <button id=\"expand-all\" "
            "type=\"button\">Expand all</button> <button id=\"collapse-all\" "
            "type=\"button\">Collapse all</button> <span id=\"filter-note\" "
            "class=\"muted\"></span></div>\n";
    for (const Bucket& bucket : buckets)
      group(bucket);
    out_ += "</section>\n";
  }

  void group(const Bucket& bucket) {
    const std::vector<const Thread*> members = bucket_members(index_, bucket);
    const bool in_cycle = bucket_in_cycle(index_, bucket);

    std::string names;
    for (std::size_t i = 0; i < members.size() && i < kMaxSummaryNames; ++i)
      names += (i == 0 ? "" : ", ") + detail::thread_display(*members[i]);
    if (members.size() > kMaxSummaryNames)
      names += " and " + std::to_string(members.size() - kMaxSummaryNames) + " more";
    std::string state = detail::state_counts(members);
    if (bucket.min_wait_seconds && bucket.max_wait_seconds)
      state += ", waiting " +
               detail::format_wait_range(*bucket.min_wait_seconds, *bucket.max_wait_seconds);

    out_ += std::string("<details class=\"group") + (in_cycle ? " in-cycle\" open>" : "\">") +
            "<summary><strong>" + std::to_string(members.size()) +
            (members.size() == 1 ? " thread" : " threads") + "</strong> " +
            (in_cycle ? "<span class=\"badge\">in the cycle</span> " : "") +
            (bucket_runs_long_task(index_, bucket)
                 ? "<span class=\"certainty suspected\">running the long task</span> "
                 : "") +
            esc(names) + " <span class=\"muted\">" + esc(state) + "</span></summary>\n";

    std::vector<std::string> waits;
    for (const Thread* thread : members) {
      if (!thread->wait)
        continue;
      std::string phrase = detail::wait_phrase(*thread->wait);
      if (std::find(waits.begin(), waits.end(), phrase) == waits.end())
        waits.push_back(std::move(phrase));
    }
    if (!waits.empty()) {
      out_ += "<ul class=\"waits\">";
      for (const auto& wait : waits)
        out_ += "<li>" + esc(wait) + "</li>";
      out_ += "</ul>\n";
    }
    for (const Thread* thread : members) {
      if (detail::has_thread_facts(*thread))
        thread_facts(*thread, members.size() > 1);
    }
    // Where the user's code waits: the first user frame above the wait.
    if (const Frame* top = detail::first_user_frame(bucket.stack)) {
      out_ += "<p class=\"user-top\">at <span class=\"function\">" +
              esc(detail::frame_function(*top)) + "</span><span class=\"where\">" +
              esc(detail::frame_location(*top)) + "</span></p>\n";
    }
    if (members.size() > kMaxSummaryNames) {
      std::string all;
      for (const Thread* thread : members)
        all += (all.empty() ? "" : ", ") + detail::thread_display(*thread);
      out_ += "<p class=\"muted\">All: " + esc(all) + "</p>\n";
    }
    stack(bucket.stack);
    out_ += "</details>\n";
  }

  // thread_facts() is a list of what one thread holds, the task it runs
  // and its helping waits, innermost first, each with the code that
  // called it; headed by the thread's name in a group of several.
  void thread_facts(const Thread& thread, bool is_named) {
    if (is_named)
      out_ += "<p class=\"facts-of\">" + esc(detail::thread_display(thread)) + ":</p>\n";
    out_ += "<ul class=\"facts\">";
    for (const auto& phrase : detail::holds_phrases(thread, index_))
      out_ += "<li>" + esc(phrase) + "</li>";
    if (thread.task)
      out_ += "<li class=\"task\">" + esc(detail::task_phrase(*thread.task, index_)) + "</li>";
    if (!thread.wait_stack.empty()) {
      out_ += "<li>wait stack, innermost first:<ol class=\"wait-stack\">";
      for (const auto* frame : detail::top_first(thread.wait_stack)) {
        out_ += "<li>" + esc(detail::wait_frame_phrase(*frame, index_));
        if (frame->site) {
          const std::string where = detail::frame_location(*frame->site);
          out_ += "<br><span class=\"site\">at " +
                  esc(detail::frame_function(*frame->site, /*is_short=*/true)) +
                  (where.empty() ? "" : "  " + esc(where)) + "</span>";
        }
        out_ += "</li>";
      }
      out_ += "</ol></li>";
    }
    out_ += "</ul>\n";
  }

  void stack(const std::vector<Frame>& frames) {
    out_ += "<div class=\"stack\">\n";
    if (frames.empty())
      out_ += "<div class=\"muted\">(no stack)</div>\n";
    std::size_t i = 0;
    while (i < frames.size()) {
      if (!detail::is_knot_frame(frames[i])) {
        frame(frames[i++]);
        continue;
      }
      std::size_t end = i;
      while (end < frames.size() && detail::is_knot_frame(frames[end]))
        ++end;
      const std::size_t run = end - i;
      out_ += "<details class=\"knot-frames\"><summary>… " + std::to_string(run) +
              (run == 1 ? " knot frame" : " knot frames") + "</summary>\n";
      for (; i < end; ++i)
        frame(frames[i]);
      out_ += "</details>\n";
    }
    out_ += "</div>\n";
  }

  void frame(const Frame& f) {
    static constexpr std::string_view kClassNames[] = {"user", "knot", "system"};
    const FrameClass kind = detail::classify_frame(f);
    std::string where = detail::frame_location(f);
    if (const std::string note = detail::frame_module_note(f); !note.empty())
      where += (where.empty() ? "" : "  ") + note;
    out_ += "<div class=\"frame " + std::string(kClassNames[static_cast<int>(kind)]) +
            (f.is_inlined ? " inlined" : "") + "\"><span class=\"function\">" +
            esc(detail::frame_function(f)) + "</span><span class=\"where\">" + esc(where) +
            "</span></div>\n";
  }

  // ---------------------------------------------------------------------------
  // Narrative and advice
  // ---------------------------------------------------------------------------

  void story() {
    if (!report_.narrative.empty()) {
      out_ += "<section id=\"narrative\">\n<h2>What happened</h2>\n<p class=\"narrative\">" +
              esc(report_.narrative) + "</p>\n</section>\n";
    }
    if (!report_.advice.empty()) {
      out_ += "<section id=\"advice\">\n<h2>Advice</h2>\n<ul>\n";
      for (const auto& advice : report_.advice)
        out_ += "<li>" + esc(advice) + "</li>\n";
      out_ += "</ul>\n</section>\n";
    }
  }

  const Report& report_;
  ReportIndex index_;
  std::string out_;
};

}  // namespace

std::string render_html(const Report& report) {
  return HtmlRenderer(report).render();
}

}  // namespace knot::view
