// The terminal diagnosis (render.h: render_text). Sections in the order a
// reader needs them: verdict, summary, cycle (a potential deadlock's:
// its dependencies with their stacks, then what prevents it), pools,
// resources, threads, then the narrative and advice. Every report string goes through
// terminal_safe() before it is painted, and every line is fitted to the
// width (text_layout.h) without cutting what it says.

#include <algorithm>
#include <string>
#include <vector>

#include "certainty.h"
#include "knot/escape/escape.h"
#include "knot/view/palette.h"
#include "knot/view/render.h"
#include "report_index.h"
#include "text_format.h"
#include "text_layout.h"
#include "thread_facts.h"

namespace knot::view {

namespace {

using detail::display_width;
using detail::FrameClass;
using detail::ReportIndex;
using detail::Span;
using knot::report::Frame;
using knot::report::Report;
using knot::report::Thread;
using Role = Palette::Role;

constexpr std::size_t kMaxNamesPerGroup = 10;
constexpr std::size_t kMaxWaitsPerGroup = 3;
// Threads of a group whose wait stacks, tasks and holds are shown.
constexpr std::size_t kMaxThreadFactsPerGroup = 3;
constexpr std::size_t kMaxFunctionLength = 300;
constexpr std::size_t kMaxCellLength = 40;
// Indentation: sections at 2, their details at 4, a frame's text at 6, and
// the continuation of a broken frame at 8.
constexpr std::string_view kFrameIndent = "      ";
constexpr std::string_view kFrameContinuation = "        ";
// A potential deadlock's dependencies: the text of each at 5 (after
// "  1. "), its stacks 3 further in than a thread group's.
constexpr std::string_view kEdgeIndent = "     ";
constexpr std::string_view kEdgeExtra = "   ";

class TextRenderer {
 public:
  TextRenderer(const Report& report, const RenderOptions& options)
      : report_(report),
        index_(report),
        options_(options),
        palette_(options.color),
        width_(std::max(options.width, kMinWidth)) {}

  std::string render() {
    verdict();
    cycle();
    pools();
    resources();
    threads();
    story();
    return std::move(out_);
  }

 private:
  static std::string safe(std::string_view text) { return escape::terminal_safe(text); }

  // wrap() appends `spans` as one paragraph fitted to the width.
  void wrap(const std::vector<Span>& spans, std::string_view first_indent,
            std::string_view indent) {
    out_ += detail::wrap_spans(spans, width_, first_indent, indent, palette_);
  }
  // prose() appends plain text wrapped under `indent`.
  void prose(std::string_view text, std::string_view indent) {
    out_ += detail::wrap_text(text, text_width(indent), indent);
  }
  std::size_t text_width(std::string_view indent) const { return width_ - indent.size(); }

  void heading(std::string_view title) {
    out_ += '\n';
    out_ += palette_.paint(Role::kHeading, title);
    out_ += '\n';
  }

  // ---------------------------------------------------------------------------
  // Verdict and summary
  // ---------------------------------------------------------------------------

  void verdict() {
    const detail::Certainty certainty =
        report_.verdict ? detail::verdict_certainty(*report_.verdict) : detail::Certainty::kNone;
    const Role role = detail::verdict_role(certainty);
    // The certainty is painted with the title: an inferred verdict never
    // shows a proven one's colour, and its words say so without colour.
    const std::string detail = safe(detail::verdict_detail(report_));
    const std::size_t close = detail.find(')');
    if (report_.verdict && detail.starts_with('(') && close != std::string::npos) {
      wrap({{safe(detail::verdict_title(report_)), role},
            {" " + detail.substr(0, close + 1), role},
            {detail.substr(close + 1), std::nullopt}},
           "", "  ");
    } else {
      wrap({{safe(detail::verdict_title(report_)), role}, {" " + detail, std::nullopt}}, "", "  ");
    }
    if (certainty == detail::Certainty::kPotential) {
      condition();
    } else {
      assumptions(certainty);
    }
    wrap({{safe(detail::process_line(report_.process)), Role::kMuted}}, "", "  ");
    std::string about = "report " + (report_.id.empty() ? std::string("(no id)") : report_.id);
    if (!report_.trigger.empty())
      about += ", trigger " + report_.trigger;
    wrap({{safe(about), Role::kMuted}}, "", "  ");
    if (!report_.summary.empty()) {
      out_ += '\n';
      prose(safe(report_.summary), "");
    }
  }

  // assumptions() lists what an inferred verdict rests on, under it. An
  // inferred verdict whose report names none says so rather than nothing.
  void assumptions(detail::Certainty certainty) {
    if (!report_.verdict)
      return;
    const auto& list = report_.verdict->assumptions;
    if (list.empty() && certainty != detail::Certainty::kInferred)
      return;
    wrap({{"Assumes:", Role::kVerdictInferred}}, "  ", "    ");
    if (list.empty())
      wrap({{"(the report names no assumption)", Role::kMuted}}, "  - ", "    ");
    for (const auto& assumption : list)
      wrap({{safe(assumption), std::nullopt}}, "  - ", "    ");
  }

  // condition() says, under a potential verdict, when it would hang: the
  // hazard's condition sentence, else the verdict's conditions (its
  // assumptions) one per line, else that the report names none.
  void condition() {
    const Role role = Role::kVerdictPotential;
    if (report_.hazard && !report_.hazard->condition.empty()) {
      wrap({{"Condition:", role}, {" " + safe(report_.hazard->condition), std::nullopt}}, "  ",
           "    ");
      return;
    }
    const auto& list = report_.verdict->assumptions;
    wrap({{list.empty() ? "Condition:" : "Hangs when, all at once:", role}}, "  ", "    ");
    if (list.empty())
      wrap({{"(the report names no condition)", Role::kMuted}}, "  - ", "    ");
    for (const auto& assumption : list)
      wrap({{safe(assumption), std::nullopt}}, "  - ", "    ");
  }

  bool is_potential() const {
    return report_.verdict &&
           detail::verdict_certainty(*report_.verdict) == detail::Certainty::kPotential;
  }

  // ---------------------------------------------------------------------------
  // The cycle, pools and resources
  // ---------------------------------------------------------------------------

  void cycle() {
    if (report_.hazard && !report_.hazard->edges.empty()) {
      hazard();
      return;
    }
    if (index_.cycle_steps().empty())
      return;
    // A potential cycle is never painted, nor titled, like a deadlock's.
    heading(is_potential() ? "Potential cycle (this run did not hang)" : "Cycle");
    wrap({{safe(index_.cycle_chain()), is_potential() ? Role::kVerdictPotential : Role::kCycle}},
         "  ", "    ");
    for (const auto& [from, to] : index_.cycle_steps()) {
      const knot::report::Edge* edge = index_.edge_between(from, to);
      const std::string relation = detail::edge_relation(edge);
      const std::string step =
          safe(index_.node_label(from)) + " " + safe(relation) + " " + safe(index_.node_label(to));
      std::vector<Span> spans = {{step, std::nullopt}};
      // A guessed step says so: the cycle holds only if the guess does.
      if (const std::string basis = edge != nullptr ? detail::edge_basis_label(*edge) : "";
          !basis.empty())
        spans.push_back({" [" + safe(basis) + "]", Role::kVerdictInferred});
      wrap(spans, "    ", "      ");
    }
  }

  // hazard() is a potential deadlock's cycle: the chain of its events,
  // then each dependency, numbered in the cycle's order, with its words,
  // the two events and its basis, where the wait was seen and where the
  // responsibility was taken (knot's frames folded as in any stack); then
  // the policies that would prevent it.
  void hazard() {
    const knot::report::Hazard& h = *report_.hazard;
    heading("Potential cycle (this run did not hang)");
    if (!index_.cycle_steps().empty())
      wrap({{safe(index_.cycle_chain()), Role::kVerdictPotential}}, "  ", "    ");
    for (std::size_t i = 0; i < h.edges.size(); ++i) {
      const knot::report::HazardEdge& edge = h.edges[i];
      out_ += '\n';
      const std::string number = std::to_string(i + 1) + ". ";
      const std::string text = !edge.text.empty()
                                   ? edge.text
                                   : (edge.context.empty() ? std::string("?") : edge.context) +
                                         " (the report does not say more)";
      wrap({{safe(text), std::nullopt}}, "  " + number, kEdgeIndent);
      std::string detail = detail::dependency_phrase(edge, index_);
      if (const std::string note = detail::dependency_basis_note(edge.basis); !note.empty())
        detail += " (" + note + ")";
      wrap({{safe(detail), Role::kMuted}}, kEdgeIndent, kEdgeIndent);
      edge_stack("where it waited:", edge.wait_stack);
      edge_stack("where it took the responsibility:", edge.responsibility_stack);
    }
    heading("Prevented by");
    if (h.prevented_by.empty())
      wrap({{"(no blocking policy would prevent it: see the advice)", Role::kMuted}}, "  ", "    ");
    for (const auto& policy : h.prevented_by)
      wrap({{safe(policy), std::nullopt}}, "  - ", "    ");
    if (!h.silenced.empty()) {
      heading("Silenced");
      wrap({{"exempted in the program: " + safe(h.silenced), Role::kMuted}}, "  ", "    ");
    }
  }

  // edge_stack() is one stack of a dependency, under its title.
  void edge_stack(std::string_view title, const std::vector<Frame>& frames) {
    wrap({{std::string(title), Role::kMuted}}, kEdgeIndent, kEdgeIndent);
    if (frames.empty()) {
      const std::string indent = std::string(kEdgeExtra) + std::string(kFrameIndent);
      wrap({{"(no stack recorded)", Role::kMuted}}, indent, indent);
      return;
    }
    stack(frames, kEdgeExtra);
  }

  void pools() {
    if (report_.pools.empty())
      return;
    heading("Pools");
    // OTHER (stopped, or a state this viewer does not know) only when some
    // worker is in one.
    const bool has_other =
        std::any_of(report_.pools.begin(), report_.pools.end(),
                    [](const auto& p) { return detail::pool_occupancy(p).other > 0; });
    std::vector<std::vector<std::string>> rows = {{"POOL", "POLICY", "THREADS", "RUNNING",
                                                   "SEARCHING", "SLEEPING", "PARKED", "OTHER",
                                                   "QUEUED", "PENDING", "COMPLETED", "SPARES"}};
    for (const auto& pool : report_.pools) {
      const detail::PoolOccupancy occupancy = detail::pool_occupancy(pool);
      rows.push_back({safe(escape::truncate_text(index_.pool_name(pool.id), kMaxCellLength)),
                      safe(escape::truncate_text(pool.policy, kMaxCellLength)),
                      std::to_string(pool.num_threads), std::to_string(occupancy.running),
                      std::to_string(occupancy.searching), std::to_string(occupancy.sleeping),
                      std::to_string(occupancy.parked), std::to_string(occupancy.other),
                      std::to_string(occupancy.queued), std::to_string(pool.pending_tasks),
                      std::to_string(pool.tasks_completed), std::to_string(pool.num_spares)});
    }
    if (!has_other) {
      constexpr std::size_t kOtherColumn = 7;
      for (auto& row : rows)
        row.erase(row.begin() + kOtherColumn);
    }
    out_ += detail::layout_table(rows, width_, palette_);
    for (const auto& pool : report_.pools) {
      if (const std::string line = detail::queued_by_line(pool, index_); !line.empty())
        wrap({{safe(line), std::nullopt}}, "  ", "    ");
    }
  }

  void resources() {
    const auto focus = index_.focus_resources();
    if (focus.empty())
      return;
    heading(index_.cycle_steps().empty() ? "Resources waited on" : "Resources in the cycle");
    for (const auto* resource : focus) {
      wrap({{safe(detail::resource_title(*resource)), Role::kName},
            {" (id " + std::to_string(resource->id) + ")", Role::kMuted}},
           "  ", "    ");
      std::string facts;
      for (const auto& fact : detail::resource_facts(*resource, index_))
        facts += (facts.empty() ? "" : ", ") + fact;
      if (!facts.empty())
        prose(safe(facts), "    ");
      for (const auto& holders : detail::resource_holders(*resource))
        prose(safe(holders), "    ");
    }
  }

  // ---------------------------------------------------------------------------
  // Threads, grouped by stack
  // ---------------------------------------------------------------------------

  void threads() {
    if (report_.threads.empty())
      return;
    const std::vector<Bucket> buckets = ordered_buckets(index_, options_.similarity);
    out_ += '\n';
    wrap({{"Threads: " + std::to_string(report_.threads.size()) + " in " +
               std::to_string(buckets.size()) + (buckets.size() == 1 ? " group" : " groups") +
               " (grouped by " + std::string(group_description()) + ")",
           Role::kHeading}},
         "", "  ");
    for (const Bucket& bucket : buckets)
      group(bucket);
  }

  std::string_view group_description() const {
    switch (options_.similarity) {
      case Similarity::kSameUserFrames:
        return "same user frames";
      case Similarity::kExact:
        return "identical stack";
      case Similarity::kSameFunctions:
        return "same functions";
      case Similarity::kSameTopFrame:
        return "same top frame";
    }
    return "identical stack";
  }

  void group(const Bucket& bucket) {
    const std::vector<const Thread*> members = bucket_members(index_, bucket);

    std::string names;
    for (std::size_t i = 0; i < members.size() && i < kMaxNamesPerGroup; ++i)
      names += (i == 0 ? "" : ", ") + detail::thread_display(*members[i]);
    if (members.size() > kMaxNamesPerGroup)
      names += " and " + std::to_string(members.size() - kMaxNamesPerGroup) + " more";
    std::vector<Span> header = {
        {std::to_string(members.size()) + (members.size() == 1 ? " thread" : " threads"),
         Role::kHeading}};
    if (bucket_in_cycle(index_, bucket)) {
      header.back().text += ", ";
      header.push_back({"in the cycle", Role::kCycle});
    }
    if (bucket_runs_long_task(index_, bucket)) {
      header.back().text += ",";
      header.push_back({" running the long task", Role::kVerdictSuspected});
    }
    header.push_back({": ", std::nullopt});
    header.push_back({safe(names), Role::kName});
    out_ += '\n';
    wrap(header, "  ", "    ");

    std::string state = detail::state_counts(members);
    if (bucket.min_wait_seconds && bucket.max_wait_seconds)
      state += ", waiting " +
               detail::format_wait_range(*bucket.min_wait_seconds, *bucket.max_wait_seconds);
    prose(safe(state), "    ");

    std::vector<std::string> waits;
    for (const Thread* thread : members) {
      if (!thread->wait)
        continue;
      std::string phrase = detail::wait_phrase(*thread->wait);
      if (std::find(waits.begin(), waits.end(), phrase) == waits.end())
        waits.push_back(std::move(phrase));
    }
    for (std::size_t i = 0; i < waits.size() && i < kMaxWaitsPerGroup; ++i)
      wrap({{safe(waits[i]), std::nullopt}}, "    ", "      ");
    if (waits.size() > kMaxWaitsPerGroup)
      out_ += "    and " + std::to_string(waits.size() - kMaxWaitsPerGroup) + " other waits\n";
    thread_facts(members);
    if (const Frame* top = detail::first_user_frame(bucket.stack))
      user_top(*top);

    if (bucket.stack.empty()) {
      const std::string& source = members.front()->stack_source;
      wrap({{"(no stack" +
                 (source.empty() || source == "none" ? std::string() : ": " + safe(source)) + ")",
             Role::kMuted}},
           kFrameIndent, kFrameContinuation);
      return;
    }
    stack(bucket.stack);
  }

  // thread_facts() writes, for the group's threads that have them (at
  // most kMaxThreadFactsPerGroup), what they hold, the task they run and
  // their helping waits, innermost first, each with the code that called
  // it. In a group of several threads, each thread's facts start with its
  // name.
  void thread_facts(const std::vector<const Thread*>& members) {
    std::size_t shown = 0;
    std::size_t more = 0;
    for (const Thread* thread : members) {
      if (!detail::has_thread_facts(*thread))
        continue;
      if (shown == kMaxThreadFactsPerGroup) {
        ++more;
        continue;
      }
      ++shown;
      std::string_view indent = "    ";
      if (members.size() > 1) {
        wrap({{safe(detail::thread_display(*thread)) + ":", Role::kName}}, "    ", "      ");
        indent = "      ";
      }
      const std::string deeper = std::string(indent) + "  ";
      for (const auto& phrase : detail::holds_phrases(*thread, index_))
        wrap({{safe(phrase), std::nullopt}}, indent, deeper);
      if (thread->task)
        wrap({{safe(detail::task_phrase(*thread->task, index_)), std::nullopt}}, indent, deeper);
      if (thread->wait_stack.empty())
        continue;
      wrap({{"wait stack, innermost first:", Role::kMuted}}, indent, deeper);
      for (const auto* frame : detail::top_first(thread->wait_stack)) {
        wrap({{safe(detail::wait_frame_phrase(*frame, index_)), std::nullopt}}, deeper,
             deeper + "  ");
        if (frame->site)
          frame_lines(
              deeper + "  at ", Role::kQuietFrame,
              safe(escape::truncate_text(detail::frame_function(*frame->site, /*is_short=*/true),
                                         kMaxFunctionLength)),
              safe(detail::frame_location(*frame->site)), deeper + "    ");
      }
    }
    if (more > 0)
      wrap({{"and " + std::to_string(more) + (more == 1 ? " other thread" : " other threads") +
                 " with helping waits, a task or holds",
             Role::kMuted}},
           "    ", "      ");
  }

  // user_top() is the line that names where the user's code waits (or
  // runs): the first user frame above the wait.
  void user_top(const Frame& f) {
    frame_lines("    at ", Role::kUserFrame,
                safe(escape::truncate_text(detail::frame_function(f, /*is_short=*/true),
                                           kMaxFunctionLength)),
                safe(detail::frame_location(f)));
  }

  // stack() writes the frames, innermost first. Unless `full`, a run of
  // knot's frames folds into one line, and so does a run of two or more
  // inlined system frames (the C++ library's call plumbing that inline
  // expansion brings: std::__invoke, std::thread::_Invoker, ...).
  // `extra` indents the whole stack further (a potential deadlock's
  // stacks, under their dependency).
  void stack(const std::vector<Frame>& frames, std::string_view extra = "") {
    std::size_t i = 0;
    while (i < frames.size()) {
      if (!options_.full) {
        if (const std::size_t run = run_length(frames, i, is_knot); run > 0) {
          fold(run, run == 1 ? "knot frame" : "knot frames", extra);
          i += run;
          continue;
        }
        if (const std::size_t run = run_length(frames, i, is_inlined_system); run > 1) {
          fold(run, "inlined system frames", extra);
          i += run;
          continue;
        }
      }
      frame(frames[i], extra);
      ++i;
    }
  }

  static bool is_knot(const Frame& f) { return detail::is_knot_frame(f); }
  static bool is_inlined_system(const Frame& f) {
    return f.is_inlined && detail::classify_frame(f) == FrameClass::kSystem;
  }

  // run_length() is how many frames from `i` on satisfy `pred`.
  static std::size_t run_length(const std::vector<Frame>& frames, std::size_t i,
                                bool (*pred)(const Frame&)) {
    std::size_t end = i;
    while (end < frames.size() && pred(frames[end]))
      ++end;
    return end - i;
  }

  void fold(std::size_t run, std::string_view what, std::string_view extra) {
    out_ +=
        std::string(extra) + std::string(kFrameIndent) +
        palette_.paint(Role::kQuietFrame, "… " + std::to_string(run) + " " + std::string(what)) +
        "\n";
  }

  // frame() writes "function  file:line  (module)" on one line when it
  // fits; otherwise the function alone (broken over several lines if it is
  // longer than one) and "file:line  (module)" on the next, deeper in.
  void frame(const Frame& f, std::string_view extra) {
    const bool is_user = detail::classify_frame(f) == FrameClass::kUser;
    std::string where = safe(detail::frame_location(f));
    if (const std::string note = detail::frame_module_note(f); !note.empty())
      where += (where.empty() ? "" : "  ") + safe(note);
    const std::string indent =
        std::string(extra) + std::string(is_user ? std::string_view("    > ") : kFrameIndent);
    frame_lines(indent, is_user ? Role::kUserFrame : Role::kQuietFrame,
                safe(escape::truncate_text(detail::frame_function(f, /*is_short=*/!options_.full),
                                           kMaxFunctionLength)),
                where, std::string(extra) + std::string(kFrameContinuation));
  }

  // frame_lines() writes one frame's function and where it is, fitted to
  // the width as frame() says; continuation lines start with `continuation`.
  void frame_lines(std::string_view indent, Role role, const std::string& function,
                   const std::string& where, std::string_view continuation = kFrameContinuation) {
    const std::size_t one_line =
        indent.size() + display_width(function) + (where.empty() ? 0 : 2 + display_width(where));
    if (one_line <= width_) {
      out_ += std::string(indent) + palette_.paint(role, function);
      if (!where.empty())
        out_ += "  " + palette_.paint(Role::kMuted, where);
      out_ += '\n';
      return;
    }
    const std::vector<std::string> pieces =
        detail::break_text(function, text_width(indent), text_width(continuation));
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      // A piece that ends where a space was leaves the space out: it would
      // only trail the line.
      std::string_view piece = pieces[i];
      while (piece.ends_with(' '))
        piece.remove_suffix(1);
      out_ += std::string(i == 0 ? indent : continuation) + palette_.paint(role, piece) + "\n";
    }
    const std::size_t room = text_width(continuation);
    for (const std::string& piece : detail::break_text(where, room, room))
      out_ += std::string(continuation) + palette_.paint(Role::kMuted, piece) + "\n";
  }

  // ---------------------------------------------------------------------------
  // Narrative and advice
  // ---------------------------------------------------------------------------

  void story() {
    if (!report_.narrative.empty()) {
      heading("What happened");
      prose(escape::terminal_safe(report_.narrative, /*keep_newlines=*/true), "  ");
    }
    if (!report_.advice.empty()) {
      heading("Advice");
      for (const auto& advice : report_.advice)
        wrap({{safe(advice), std::nullopt}}, "  - ", "    ");
    }
  }

  const Report& report_;
  ReportIndex index_;
  RenderOptions options_;
  Palette palette_;
  std::size_t width_;
  std::string out_;
};

}  // namespace

std::string render_text(const Report& report, const RenderOptions& options) {
  return TextRenderer(report, options).render();
}

}  // namespace knot::view
