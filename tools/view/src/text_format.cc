// Shared wording of the renderers (text_format.h).

#include "text_format.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "certainty.h"
#include "knot/symbolize/knot_frames.h"
#include "knot/symbolize/names.h"

namespace knot::view::detail {

namespace {

using knot::report::Frame;
using knot::report::Pool;
using knot::report::Report;
using knot::report::Resource;
using knot::report::Thread;

std::string quoted(std::string_view name) {
  return "'" + std::string(name) + "'";
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator,
                 std::size_t max_parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size() && i < max_parts; ++i) {
    if (i > 0)
      out += separator;
    out += parts[i];
  }
  if (parts.size() > max_parts)
    out += " and " + std::to_string(parts.size() - max_parts) + " more";
  return out;
}

bool starts_with_any(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view p) { return text.starts_with(p); });
}

// read_digits() parses exactly `n` decimal digits at text[pos].
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size())
    return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c)
    return false;
  ++pos;
  return true;
}

}  // namespace

std::string format_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  char buffer[64];
  if (seconds < 0.9995) {
    std::snprintf(buffer, sizeof buffer, "%.0f ms", seconds * 1000);
  } else if (seconds < 9.95) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  } else if (seconds < 59.5) {
    std::snprintf(buffer, sizeof buffer, "%.0f s", seconds);
  } else if (seconds < 3600) {
    const auto total = static_cast<long long>(std::llround(seconds));
    std::snprintf(buffer, sizeof buffer, "%lld min %02lld s", total / 60, total % 60);
  } else if (seconds < 360000) {
    const auto minutes = static_cast<long long>(std::llround(seconds / 60));
    std::snprintf(buffer, sizeof buffer, "%lld h %02lld min", minutes / 60, minutes % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.0f h", seconds / 3600);
  }
  return buffer;
}

std::string format_wait_range(double min_seconds, double max_seconds) {
  const std::string low = format_seconds(min_seconds);
  const std::string high = format_seconds(max_seconds);
  return low == high ? low : low + " to " + high;
}

std::string verdict_title(const Report& report) {
  if (!report.verdict)
    return "SNAPSHOT";
  const std::string& kind = report.verdict->kind;
  if (kind.empty())
    return "VERDICT";
  if (kind == "self_deadlock")
    return "SELF-DEADLOCK";
  if (kind == "on_demand")
    return "ON-DEMAND REPORT";
  std::string title;
  for (char c : kind)
    title += c == '_' ? ' ' : (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  return title;
}

std::string verdict_timing(const knot::report::Verdict& verdict) {
  std::string timing;
  if (!verdict.time.empty())
    timing = "at " + verdict.time;
  if (verdict.age_seconds > 0)
    timing += (timing.empty() ? "for " : ", for ") + format_seconds(verdict.age_seconds);
  return timing;
}

std::string verdict_detail(const Report& report) {
  if (!report.verdict)
    return "";
  const std::string timing = verdict_timing(*report.verdict);
  return "(" + certainty_label(*report.verdict) + ")" + (timing.empty() ? "" : " " + timing);
}

std::string process_line(const knot::report::Process& process) {
  std::string line = "process " + std::to_string(process.pid);
  std::string command = process.executable;
  for (std::size_t i = 0; i < process.arguments.size(); ++i) {
    const std::string& argument = process.arguments[i];
    // argv[0] repeats the executable.
    if (i == 0 &&
        (argument == process.executable || argument == module_basename(process.executable)))
      continue;
    if (!command.empty())
      command += ' ';
    command += argument;
  }
  if (!command.empty())
    line += ": " + command;
  if (!process.host.empty())
    line += " on host " + quoted(process.host);
  if (!process.start_time.empty())
    line += ", started " + process.start_time;
  if (!process.knot_version.empty())
    line += ", knot " + process.knot_version;
  return line;
}

std::string wait_phrase(const knot::report::Wait& wait) {
  static const std::pair<std::string_view, std::string_view> kPhrases[] = {
      {"join", "waits in join on"},      {"install", "waits in install on"},
      {"latch", "waits on latch"},       {"channel_send", "waits to send into"},
      {"send", "waits to send into"},    {"channel_recv", "waits to receive from"},
      {"recv", "waits to receive from"}, {"mutex", "waits to lock"},
      {"shared_mutex", "waits to lock"}, {"blocking_region", "is blocked in"},
      {"region", "is blocked in"},       {"pool_shutdown", "waits for the shutdown of"},
  };
  std::string phrase = wait.kind.empty() ? "waits on" : "waits (" + wait.kind + ") on";
  for (const auto& [kind, words] : kPhrases) {
    if (wait.kind == kind)
      phrase = std::string(words);
  }
  phrase += ' ';
  phrase += wait.name.empty() ? "#" + std::to_string(wait.resource) : quoted(wait.name);
  if (wait.is_timed)
    phrase += " (timed)";
  return phrase;
}

std::string thread_display(const Thread& thread) {
  std::string display =
      thread.name.empty() ? "tid " + std::to_string(thread.tid) : quoted(thread.name);
  if (!thread.stage.empty() && thread.stage != thread.name)
    display += " (stage " + quoted(thread.stage) + ")";
  return display;
}

FrameClass classify_frame(const Frame& frame) {
  if (is_knot_frame(frame))
    return FrameClass::kKnot;
  const std::string module = module_basename(frame.module);
  if (starts_with_any(frame.module, {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"}) ||
      starts_with_any(module, {"libc.so", "libc-", "libstdc++", "libpthread", "ld-linux",
                               "libgcc_s", "libm.so", "linux-vdso"}))
    return FrameClass::kSystem;
  const std::string_view function = knot::symbolize::qualified_name(frame.function);
  if (starts_with_any(function, {"std::", "__gnu_cxx::", "__libc_start", "__clone"}) ||
      function == "_start" || function == "start_thread" || function == "clone" ||
      function == "clone3")
    return FrameClass::kSystem;
  return FrameClass::kUser;
}

bool is_knot_frame(const Frame& frame) {
  return knot::symbolize::is_knot_by_name(frame.function).value_or(frame.is_knot);
}

const Frame* first_user_frame(const std::vector<Frame>& stack) {
  const auto it = std::find_if(stack.begin(), stack.end(), [](const Frame& frame) {
    return classify_frame(frame) == FrameClass::kUser;
  });
  return it != stack.end() ? &*it : nullptr;
}

std::string frame_function(const Frame& frame, bool is_short) {
  if (!frame.function.empty())
    return is_short ? knot::symbolize::elide_parameters(frame.function) : frame.function;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "0x%llx",
                static_cast<unsigned long long>(frame.module.empty() ? frame.pc : frame.offset));
  return buffer;
}

std::string frame_location(const Frame& frame) {
  if (frame.file.empty())
    return "";
  return frame.line > 0 ? frame.file + ":" + std::to_string(frame.line) : frame.file;
}

std::string frame_module_note(const Frame& frame) {
  std::string note = module_basename(frame.module);
  if (frame.is_inlined)
    note += note.empty() ? "inlined" : ", inlined";
  return note.empty() ? "" : "(" + note + ")";
}

std::string module_basename(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string resource_title(const Resource& resource) {
  return (resource.kind.empty() ? std::string("resource") : resource.kind) + " " +
         (resource.name.empty() ? "#" + std::to_string(resource.id) : quoted(resource.name));
}

std::vector<std::string> resource_facts(const Resource& resource, const ReportIndex& index) {
  std::vector<std::string> facts;
  if (resource.kind == "channel") {
    if (resource.capacity) {
      const std::string fill =
          std::to_string(resource.length) + " of " + std::to_string(*resource.capacity);
      if (resource.length >= *resource.capacity) {
        facts.push_back("full, " + fill);
      } else if (resource.length == 0) {
        facts.push_back("empty, " + fill);
      } else {
        facts.push_back(fill);
      }
    } else {
      facts.push_back("unbounded, " + std::to_string(resource.length) + " queued");
    }
    facts.push_back(plural(resource.num_senders, "sender", "senders"));
    facts.push_back(plural(resource.num_receivers, "receiver", "receivers"));
    facts.push_back(std::to_string(resource.num_sent) + " sent");
    facts.push_back(std::to_string(resource.num_received) + " received");
    if (!resource.recent_senders.empty())
      facts.push_back("lately sent by " + join(resource.recent_senders, ", ", 5));
    if (!resource.recent_receivers.empty())
      facts.push_back("lately received by " + join(resource.recent_receivers, ", ", 5));
  } else if (resource.kind == "latch") {
    facts.push_back("count " + std::to_string(resource.count));
  } else if (resource.kind == "mutex" || resource.kind == "shared_mutex") {
    const bool is_read_held = resource.kind == "shared_mutex" && resource.num_readers > 0;
    facts.push_back(resource.owner_tid != 0 || resource.owner_fiber != 0
                        ? "held by " + index.owner_name(resource)
                        : (is_read_held ? "not held exclusively" : "not held"));
    if (resource.kind == "shared_mutex")
      facts.push_back(plural(resource.num_readers, "reader", "readers"));
    if (resource.has_parked_writers)
      facts.push_back("a writer is queued (new readers wait behind it)");
  } else if (resource.kind == "pool") {
    if (const Pool* pool = index.pool_by_id(resource.pool_id)) {
      const PoolOccupancy occupancy = pool_occupancy(*pool);
      facts.push_back(std::to_string(occupancy.parked) + " of " +
                      plural(pool->workers.size(), "worker", "workers") + " parked");
      facts.push_back(std::to_string(occupancy.queued) + " queued");
    }
  }
  if (resource.untracked_handles > 0)
    facts.push_back(plural(resource.untracked_handles, "handle", "handles") +
                    " knot does not track");
  return facts;
}

std::vector<std::string> resource_holders(const Resource& resource) {
  struct Entry {
    const knot::report::Holder* holder;
    std::size_t count;
  };
  // Sides in order of first appearance, each with its distinct (holder,
  // basis) pairs counted: a pool's workers hold one handle each.
  std::vector<std::pair<std::string, std::vector<Entry>>> sides;
  for (const auto& holder : resource.holders) {
    auto side = std::find_if(sides.begin(), sides.end(),
                             [&](const auto& s) { return s.first == holder.side; });
    if (side == sides.end())
      side = sides.insert(sides.end(), {holder.side, {}});
    auto entry = std::find_if(side->second.begin(), side->second.end(), [&](const Entry& e) {
      return e.holder->holder == holder.holder && e.holder->basis == holder.basis;
    });
    if (entry == side->second.end()) {
      side->second.push_back({&holder, 1});
    } else {
      ++entry->count;
    }
  }
  std::vector<std::string> lines;
  for (const auto& [side, entries] : sides) {
    std::string line = side == "send"   ? "send handles held by "
                       : side == "recv" ? "receive handles held by "
                       : side == "read" ? "held in shared mode by "
                                        : (side.empty() ? "held" : side + " held") + " by ";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& [holder, count] = entries[i];
      std::vector<std::string> notes;
      if (count > 1)
        notes.push_back(std::to_string(count) + (side == "read" ? " holds" : " handles"));
      if (const std::string basis = holder_basis_note(holder->basis); !basis.empty())
        notes.push_back(basis);
      line += (i == 0 ? "" : ", ") + (holder->holder.empty() ? "?" : holder->holder);
      if (!notes.empty())
        line += " (" + join(notes, ", ", notes.size()) + ")";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string holder_basis_note(std::string_view basis) {
  if (basis == "used")
    return "used";
  if (basis == "created")
    return "guess: created, not used yet";
  if (basis == "shared")
    return "guess: a shared handle";
  if (basis == "held" || basis.empty())
    return "";
  return "basis " + std::string(basis);
}

std::string dependency_basis_note(std::string_view basis) {
  static const std::pair<std::string_view, std::string_view> kNotes[] = {
      {"held", "held: a mutex held across the wait"},
      {"stage", "stage: it receives from the channel"},
      {"worker_slot", "worker_slot: the waiting task keeps a worker of its pool"},
      {"after_wait", "after_wait: it sends or counts down only after the wait"},
      {"pool_stage", "pool_stage: only the pool's tasks use that side, or count the latch down"},
      {"helper", "helper: a worker that helps while it waits may take such a task up"},
  };
  for (const auto& [name, note] : kNotes) {
    if (basis == name)
      return std::string(note);
  }
  return std::string(basis);
}

std::string edge_relation(const knot::report::Edge* edge) {
  if (edge == nullptr)
    return "->";
  if (is_dependency_edge(*edge)) {
    std::string about = edge->label;
    if (!edge->basis.empty())
      about += (about.empty() ? "" : ", ") + edge->basis;
    return about.empty() ? "needs" : "needs (" + about + ")";
  }
  return edge->label.empty() ? "->" : edge->label;
}

std::string dependency_phrase(const knot::report::HazardEdge& edge, const ReportIndex& index) {
  return index.node_label(edge.from) + " needs " + index.node_label(edge.to);
}

PoolOccupancy pool_occupancy(const Pool& pool) {
  PoolOccupancy occupancy;
  occupancy.queued = pool.injector_depth;
  for (const auto& worker : pool.workers) {
    occupancy.queued += worker.queue_depth;
    if (worker.state == "running") {
      ++occupancy.running;
    } else if (worker.state == "searching") {
      ++occupancy.searching;
    } else if (worker.state == "sleeping") {
      ++occupancy.sleeping;
    } else if (worker.state == "parked") {
      ++occupancy.parked;
    } else {
      ++occupancy.other;
    }
  }
  return occupancy;
}

std::string queued_by_line(const Pool& pool, const ReportIndex& index) {
  std::vector<std::string> submitters;
  for (const auto& by : pool.queued_by)
    submitters.push_back(by.submitter + " (" + std::to_string(by.count) + ")");
  if (submitters.empty())
    return "";
  return "queued in " + index.pool_name(pool.id) + " by " + join(submitters, ", ", 10);
}

std::string state_counts(const std::vector<const Thread*>& threads) {
  std::vector<std::pair<std::string, std::size_t>> counts;
  for (const Thread* thread : threads) {
    const std::string state = thread->state.empty() ? "unknown" : thread->state;
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const auto& entry) { return entry.first == state; });
    if (it == counts.end()) {
      counts.emplace_back(state, 1);
    } else {
      ++it->second;
    }
  }
  if (counts.size() == 1)
    return counts.front().first;
  std::string out;
  for (const auto& [state, count] : counts) {
    if (!out.empty())
      out += ", ";
    out += state + " " + std::to_string(count);
  }
  return out;
}

std::optional<double> parse_iso8601(std::string_view text) {
  std::size_t pos = 0;
  const auto year = read_digits(text, pos, 4);
  if (!year || !expect(text, pos, '-'))
    return std::nullopt;
  const auto month = read_digits(text, pos, 2);
  if (!month || !expect(text, pos, '-'))
    return std::nullopt;
  const auto day = read_digits(text, pos, 2);
  if (!day || (!expect(text, pos, 'T') && !expect(text, pos, ' ')))
    return std::nullopt;
  const auto hour = read_digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':'))
    return std::nullopt;
  const auto minute = read_digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':'))
    return std::nullopt;
  const auto second = read_digits(text, pos, 2);
  if (!second)
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  double fraction = 0;
  if (expect(text, pos, '.')) {
    double scale = 0.1;
    const std::size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == digits_start)
      return std::nullopt;
  }
  double offset = 0;
  if (expect(text, pos, 'Z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const double sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto offset_hours = read_digits(text, pos, 2);
    expect(text, pos, ':');
    const auto offset_minutes = read_digits(text, pos, 2);
    if (!offset_hours || !offset_minutes)
      return std::nullopt;
    offset = sign * (*offset_hours * 3600 + *offset_minutes * 60);
  }
  if (pos != text.size())
    return std::nullopt;
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return static_cast<double>(days) * 86400 + *hour * 3600 + *minute * 60 + *second + fraction -
         offset;
}

}  // namespace knot::view::detail
