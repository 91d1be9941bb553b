// The terminal diagnosis (render.h: render_text). Sections in the order a
// reader needs them: verdict, summary, cycle, pools, resources, threads,
// then the narrative and advice. Every report string goes through
// terminal_safe() before it is painted.

#include <algorithm>
#include <string>
#include <vector>

#include "knot/view/escape.h"
#include "knot/view/palette.h"
#include "knot/view/render.h"
#include "report_index.h"
#include "text_format.h"

namespace knot::view {

namespace {

using detail::FrameClass;
using detail::ReportIndex;
using knot::report::Frame;
using knot::report::Report;
using knot::report::Thread;
using Role = Palette::Role;

constexpr std::size_t kWrapWidth = 98;
constexpr std::size_t kMaxNamesPerGroup = 10;
constexpr std::size_t kMaxWaitsPerGroup = 3;
constexpr std::size_t kMaxFunctionLength = 300;
constexpr std::size_t kMaxCellLength = 40;

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

class TextRenderer {
 public:
  TextRenderer(const Report& report, const RenderOptions& options)
      : report_(report), index_(report), options_(options), palette_(options.color) {}

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
  static std::string safe(std::string_view text) { return terminal_safe(text); }

  void heading(std::string_view title) {
    out_ += '\n';
    out_ += palette_.paint(Role::kHeading, title);
    out_ += '\n';
  }

  // ---------------------------------------------------------------------------
  // Verdict and summary
  // ---------------------------------------------------------------------------

  void verdict() {
    Role role = Role::kHeading;
    if (report_.verdict && report_.verdict->kind != "on_demand")
      role = report_.verdict->is_proven ? Role::kVerdictProven : Role::kVerdictSuspected;
    out_ += palette_.paint(role, safe(detail::verdict_title(report_)));
    if (const std::string detail = detail::verdict_detail(report_); !detail.empty())
      out_ += " " + safe(detail);
    out_ += '\n';
    out_ += palette_.paint(Role::kMuted, safe(detail::process_line(report_.process))) + "\n";
    std::string about = "report " + (report_.id.empty() ? std::string("(no id)") : report_.id);
    if (!report_.trigger.empty())
      about += ", trigger " + report_.trigger;
    out_ += palette_.paint(Role::kMuted, safe(about)) + "\n";
    if (!report_.summary.empty()) {
      out_ += '\n';
      out_ += detail::wrap_text(safe(report_.summary), kWrapWidth + 2, "");
    }
  }

  // ---------------------------------------------------------------------------
  // The cycle, pools and resources
  // ---------------------------------------------------------------------------

  void cycle() {
    if (index_.cycle_steps().empty())
      return;
    heading("Cycle");
    out_ += "  " + palette_.paint(Role::kCycle, safe(index_.cycle_chain())) + "\n";
    for (const auto& [from, to] : index_.cycle_steps()) {
      const knot::report::Edge* edge = index_.edge_between(from, to);
      const std::string relation = edge != nullptr && !edge->label.empty() ? edge->label : "->";
      out_ += "    " + safe(index_.node_label(from)) + " " + safe(relation) + " " +
              safe(index_.node_label(to)) + "\n";
    }
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
      rows.push_back({safe(truncate_text(index_.pool_name(pool.id), kMaxCellLength)),
                      safe(truncate_text(pool.policy, kMaxCellLength)),
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
    table(rows);
    for (const auto& pool : report_.pools) {
      if (const std::string line = detail::queued_by_line(pool, index_); !line.empty())
        out_ += detail::wrap_text(safe(line), kWrapWidth, "  ");
    }
  }

  // table() writes rows with aligned columns: the first two left-aligned
  // (names), the rest right-aligned (numbers); the first row is the header.
  void table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c)
        widths[c] = std::max(widths[c], display_width(row[c]));
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::string line;
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        const std::string padding(widths[c] - display_width(rows[r][c]), ' ');
        line += "  ";
        line += c < 2 ? rows[r][c] + padding : padding + rows[r][c];
      }
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
      out_ += (r == 0 ? palette_.paint(Role::kMuted, line) : line) + "\n";
    }
  }

  void resources() {
    const auto focus = index_.focus_resources();
    if (focus.empty())
      return;
    heading(index_.cycle_steps().empty() ? "Resources waited on" : "Resources in the cycle");
    for (const auto* resource : focus) {
      out_ += "  " + palette_.paint(Role::kName, safe(detail::resource_title(*resource))) +
              palette_.paint(Role::kMuted, " (id " + std::to_string(resource->id) + ")") + "\n";
      std::string facts;
      for (const auto& fact : detail::resource_facts(*resource, index_))
        facts += (facts.empty() ? "" : ", ") + fact;
      if (!facts.empty())
        out_ += detail::wrap_text(safe(facts), kWrapWidth - 4, "    ");
    }
  }

  // ---------------------------------------------------------------------------
  // Threads, grouped by stack
  // ---------------------------------------------------------------------------

  void threads() {
    if (report_.threads.empty())
      return;
    std::vector<Bucket> buckets = aggregate(report_.threads, options_.similarity);
    // Groups with a thread in the cycle come first.
    std::stable_partition(buckets.begin(), buckets.end(),
                          [&](const Bucket& b) { return bucket_in_cycle(b); });
    heading("Threads: " + std::to_string(report_.threads.size()) + " in " +
            std::to_string(buckets.size()) + (buckets.size() == 1 ? " group" : " groups") +
            " (grouped by " + std::string(group_description()) + ")");
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

  bool bucket_in_cycle(const Bucket& bucket) const {
    return std::any_of(bucket.threads.begin(), bucket.threads.end(), [&](std::size_t i) {
      return index_.is_thread_in_cycle(report_.threads[i]);
    });
  }

  void group(const Bucket& bucket) {
    std::vector<const Thread*> members;
    for (std::size_t i : bucket.threads)
      members.push_back(&report_.threads[i]);

    std::string names;
    for (std::size_t i = 0; i < members.size() && i < kMaxNamesPerGroup; ++i)
      names += (i == 0 ? "" : ", ") + detail::thread_display(*members[i]);
    if (members.size() > kMaxNamesPerGroup)
      names += " and " + std::to_string(members.size() - kMaxNamesPerGroup) + " more";
    std::string count =
        std::to_string(members.size()) + (members.size() == 1 ? " thread" : " threads");
    if (bucket_in_cycle(bucket))
      count += ", " + palette_.paint(Role::kCycle, "in the cycle");
    out_ += "\n  " + palette_.paint(Role::kHeading, count) + ": " +
            palette_.paint(Role::kName, safe(names)) + "\n";

    std::string state = detail::state_counts(members);
    if (bucket.min_wait_seconds && bucket.max_wait_seconds)
      state += ", waiting " +
               detail::format_wait_range(*bucket.min_wait_seconds, *bucket.max_wait_seconds);
    out_ += "    " + safe(state) + "\n";

    std::vector<std::string> waits;
    for (const Thread* thread : members) {
      if (!thread->wait)
        continue;
      std::string phrase = detail::wait_phrase(*thread->wait);
      if (std::find(waits.begin(), waits.end(), phrase) == waits.end())
        waits.push_back(std::move(phrase));
    }
    for (std::size_t i = 0; i < waits.size() && i < kMaxWaitsPerGroup; ++i)
      out_ += "    " + safe(waits[i]) + "\n";
    if (waits.size() > kMaxWaitsPerGroup)
      out_ += "    and " + std::to_string(waits.size() - kMaxWaitsPerGroup) + " other waits\n";
    if (const Frame* top = detail::first_user_frame(bucket.stack))
      user_top(*top);

    if (bucket.stack.empty()) {
      const std::string& source = members.front()->stack_source;
      out_ += "      " +
              palette_.paint(
                  Role::kMuted,
                  "(no stack" +
                      (source.empty() || source == "none" ? std::string() : ": " + safe(source)) +
                      ")") +
              "\n";
      return;
    }
    stack(bucket.stack);
  }

  // user_top() is the line that names where the user's code waits (or
  // runs): the first user frame above the wait.
  void user_top(const Frame& f) {
    std::string line =
        "    at " + palette_.paint(Role::kUserFrame,
                                   safe(truncate_text(detail::frame_function(f, /*is_short=*/true),
                                                      kMaxFunctionLength)));
    if (const std::string location = detail::frame_location(f); !location.empty())
      line += "  " + palette_.paint(Role::kMuted, safe(location));
    out_ += line + "\n";
  }

  // stack() writes the frames, innermost first. Unless `full`, a run of
  // knot's frames folds into one line, and so does a run of two or more
  // inlined system frames (the C++ library's call plumbing that inline
  // expansion brings: std::__invoke, std::thread::_Invoker, ...).
  void stack(const std::vector<Frame>& frames) {
    std::size_t i = 0;
    while (i < frames.size()) {
      if (!options_.full) {
        if (const std::size_t run = run_length(frames, i, is_knot); run > 0) {
          fold(run, run == 1 ? "knot frame" : "knot frames");
          i += run;
          continue;
        }
        if (const std::size_t run = run_length(frames, i, is_inlined_system); run > 1) {
          fold(run, "inlined system frames");
          i += run;
          continue;
        }
      }
      frame(frames[i]);
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

  void fold(std::size_t run, std::string_view what) {
    out_ +=
        "      " +
        palette_.paint(Role::kQuietFrame, "… " + std::to_string(run) + " " + std::string(what)) +
        "\n";
  }

  void frame(const Frame& f) {
    const FrameClass kind = detail::classify_frame(f);
    const bool is_user = kind == FrameClass::kUser;
    std::string line = is_user ? "    > " : "      ";
    line +=
        palette_.paint(is_user ? Role::kUserFrame : Role::kQuietFrame,
                       safe(truncate_text(detail::frame_function(f, /*is_short=*/!options_.full),
                                          kMaxFunctionLength)));
    if (const std::string location = detail::frame_location(f); !location.empty())
      line += "  " + palette_.paint(Role::kMuted, safe(location));
    if (const std::string note = detail::frame_module_note(f); !note.empty())
      line += "  " + palette_.paint(Role::kMuted, safe(note));
    out_ += line + "\n";
  }

  // ---------------------------------------------------------------------------
  // Narrative and advice
  // ---------------------------------------------------------------------------

  void story() {
    if (!report_.narrative.empty()) {
      heading("What happened");
      out_ += detail::wrap_text(terminal_safe(report_.narrative, /*keep_newlines=*/true),
                                kWrapWidth, "  ");
    }
    if (!report_.advice.empty()) {
      heading("Advice");
      for (const auto& advice : report_.advice) {
        std::string item = detail::wrap_text(safe(advice), kWrapWidth - 2, "    ");
        item.replace(0, 4, "  - ");
        out_ += item;
      }
    }
  }

  const Report& report_;
  ReportIndex index_;
  RenderOptions options_;
  Palette palette_;
  std::string out_;
};

}  // namespace

std::string render_text(const Report& report, const RenderOptions& options) {
  return TextRenderer(report, options).render();
}

}  // namespace knot::view
