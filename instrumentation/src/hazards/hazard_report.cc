// Potential-deadlock reports (knot/instrumentation/hazards.h): a cycle of
// hazard_cycles.cc in the report's terms (docs/report-schema.md, "hazard"),
// with the condition under which it hangs, the policies that would
// prevent it, a narrative and advice; and their writing, once per cycle.

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hazard_cycles.h"
#include "hazard_tracker.h"
#include "knot/base/internal_mutex.h"
#include "knot/base/time_format.h"
#include "knot/base/tsa.h"
#include "knot/instrumentation/hazards.h"
#include "knot/report/report_file.h"
#include "process_info.h"
#include "report_frames.h"

namespace knot::instr {

namespace {

using hazards::Basis;
using hazards::ClassInfo;
using hazards::Cycle;
using hazards::EdgeRecord;
using hazards::Event;
using hazards::EventKey;
using hazards::PoolInfo;
using hazards::Primitive;
using hazards::Recorded;

std::string hex(std::uint64_t v) {
  std::ostringstream out;
  out << std::hex << v;
  return out.str();
}

std::string event_id(EventKey e) {
  static constexpr const char* kNames[] = {"worker", "room", "message", "unlock", "open", "help"};
  return std::string("event:") + kNames[static_cast<int>(e.event)] + ":" + hex(e.cls);
}

// Describer: classes and events in the user's words.
class Describer {
 public:
  Describer(const Recorded& rec, Symbolizer* symbolizer) : rec_(rec), symbolizer_(symbolizer) {}

  const ClassInfo* info(std::uint64_t cls) const {
    const auto it = rec_.classes.find(cls);
    return it == rec_.classes.end() ? nullptr : &it->second;
  }

  const PoolInfo* pool(std::uint64_t cls) const {
    const ClassInfo* c = info(cls);
    if (c == nullptr)
      return nullptr;
    for (const auto& [id, p] : rec_.pools) {
      if (id == c->pool_id || (!c->name.empty() && p.name == c->name))
        return &p;
    }
    return nullptr;
  }

  // "channel 'processed'", "the mutex made in f (a.cc:12)".
  std::string cls(std::uint64_t cls) const {
    const ClassInfo* c = info(cls);
    static constexpr const char* kKinds[] = {"pool", "channel", "mutex", "latch"};
    if (c == nullptr)
      return "an unknown primitive";
    const std::string kind = kKinds[static_cast<int>(c->primitive)];
    if (!c->name.empty())
      return kind + " '" + c->name + "'";
    if (c->primitive == Primitive::kPool)
      return "pool #" + std::to_string(c->pool_id);
    std::string where;
    if (const auto f = site_frame(symbolizer_, c->site))
      where = site_name(*f);
    return where.empty() ? "an unnamed " + kind : "the unnamed " + kind + " made in " + where;
  }

  // "a free worker of pool 'global'", "room in channel 'processed'".
  std::string event(EventKey e) const {
    switch (e.event) {
      case Event::kWorker:
        return "a free worker of " + cls(e.cls);
      case Event::kRoom:
        return "room in " + cls(e.cls);
      case Event::kMessage:
        return "a message in " + cls(e.cls);
      case Event::kUnlock:
        return cls(e.cls) + " given back";
      case Event::kOpen:
        return cls(e.cls) + " opening";
      case Event::kHelped:
        return "a helping worker of " + cls(e.cls) + " getting back to its wait";
    }
    return "?";
  }

  // What the context does while responsible for `blocked`: "holds mutex 'm'".
  std::string responsibility(const EdgeRecord& e) const {
    switch (e.basis) {
      case Basis::kHeld:
        return "holds " + cls(e.blocked.cls);
      case Basis::kStage:
        return "is the receiving stage of " + cls(e.blocked.cls);
      case Basis::kWorkerSlot:
        return "occupies a worker of " + cls(e.blocked.cls);
      case Basis::kAfterWait:
        return e.blocked.event == Event::kOpen
                   ? "counts " + cls(e.blocked.cls) + " down only after it"
                   : "sends into " + cls(e.blocked.cls) + " only after it";
      case Basis::kPoolStage:
        return e.blocked.event == Event::kRoom ? "are the only receivers of " + cls(e.blocked.cls)
               : e.blocked.event == Event::kMessage
                   ? "are the only senders into " + cls(e.blocked.cls)
                   : "are the only ones that count " + cls(e.blocked.cls) + " down";
      case Basis::kHelper:
        return "may be taken up by a worker of " + cls(e.blocked.cls) +
               " that helps while it waits";
    }
    return "?";
  }

  std::string text(const EdgeRecord& e) const {
    if (e.basis == Basis::kHelper) {
      return "the " + e.context + " wait for " + event(e.awaited) + ", and a worker of " +
             cls(e.blocked.cls) +
             " that waits for work another worker took runs such tasks meanwhile";
    }
    if (e.awaited.event == Event::kHelped) {
      return "a task of " + cls(e.awaited.cls) + " " + responsibility(e) +
             " while it waits for work another worker took, and its worker runs other tasks of " +
             cls(e.awaited.cls) + " meanwhile";
    }
    if (e.basis == Basis::kPoolStage) {
      return "the " + e.context + " " + responsibility(e) + ", so " + event(e.blocked) + " needs " +
             event(e.awaited);
    }
    if (e.context_pool != 0) {
      return "the " + e.context + " wait for " + event(e.awaited) + " while the waiting task " +
             responsibility(e);
    }
    return e.context + " waits for " + event(e.awaited) + " while it " + responsibility(e);
  }

  // The condition under which the event of `e` is not coming, for the
  // cycle's sentence: "channel 'processed' is full".
  std::string condition(const EdgeRecord& e, const EdgeRecord& next) const {
    switch (e.blocked.event) {
      case Event::kWorker: {
        const PoolInfo* p = pool(e.blocked.cls);
        std::string n = p != nullptr ? std::to_string(p->num_threads) + " " : "";
        std::string who = "all " + n + "workers of " + cls(e.blocked.cls);
        if (p != nullptr && p->policy == BlockingPolicy::kCompensate)
          who += " and its " + std::to_string(p->max_spares) + " spares";
        return who + " run tasks that wait for " + event(next.blocked);
      }
      case Event::kRoom: {
        const ClassInfo* c = info(e.blocked.cls);
        const std::string held = c != nullptr && c->capacity != 0
                                     ? " (holds " + std::to_string(c->capacity) + " items)"
                                     : "";
        return cls(e.blocked.cls) + " is full" + held;
      }
      case Event::kMessage:
        return cls(e.blocked.cls) + " is empty";
      case Event::kUnlock:
        if (e.blocked == e.awaited) {
          return e.context + " holds " + cls(e.blocked.cls) +
                 " for reading and a writer waits for it before " + e.context +
                 " reads it again (writers go first)";
        }
        if (e.awaited.event == Event::kHelped) {
          return "a task of " + cls(e.awaited.cls) + " holds " + cls(e.blocked.cls) +
                 " while it waits in a join, scope or install whose work another worker took";
        }
        return e.context + " holds " + cls(e.blocked.cls) + " while it waits for " +
               event(next.blocked);
      case Event::kOpen:
        return cls(e.blocked.cls) + " is still closed";
      case Event::kHelped:
        return "meanwhile its worker takes up another task of " + cls(e.blocked.cls) +
               " that waits for " + event(next.blocked);
    }
    return "";
  }

  std::vector<report::Frame> stack(std::size_t origin) const {
    if (origin == 0 || origin >= rec_.origins.size())
      return {};
    return symbolized(symbolizer_, rec_.origins[origin], PcKind::kReturnAddress);
  }

 private:
  const Recorded& rec_;
  Symbolizer* symbolizer_;
};

std::string basis_name(Basis b) {
  switch (b) {
    case Basis::kHeld:
      return "held";
    case Basis::kStage:
      return "stage";
    case Basis::kWorkerSlot:
      return "worker_slot";
    case Basis::kAfterWait:
      return "after_wait";
    case Basis::kPoolStage:
      return "pool_stage";
    case Basis::kHelper:
      return "helper";
  }
  return "";
}

// prevented_by(): the blocking policies that would keep the cycle from
// closing (docs/policies.md): only cycles through a pool's workers, or
// through a worker that helps while it waits.
std::vector<std::string> prevented_by(const Describer& d, const Cycle& c) {
  std::vector<std::string> out;
  for (const auto& edge : c.edges) {
    const EdgeRecord& e = edge.record;
    if (e.basis == Basis::kHelper) {
      const PoolInfo* p = d.pool(e.blocked.cls);
      if (p == nullptr || p->policy != BlockingPolicy::kFiber) {
        out.push_back("kFiber on " + d.cls(e.blocked.cls) +
                      ": a fiber task that waits suspends instead of running other tasks");
      }
      continue;
    }
    if (e.blocked.event != Event::kWorker || e.basis != Basis::kWorkerSlot)
      continue;
    const PoolInfo* p = d.pool(e.blocked.cls);
    const std::string pool = d.cls(e.blocked.cls);
    if (p == nullptr || p->policy != BlockingPolicy::kFiber) {
      out.push_back("kFiber on " + pool +
                    ": a task that waits there suspends and frees its worker");
    }
    if (p == nullptr || p->policy == BlockingPolicy::kBlock) {
      out.push_back("kCompensate on " + pool +
                    ", as long as its spare limit covers the tasks that wait at once");
    }
  }
  return out;
}

// advice(): the policies that would prevent the cycle, then what to change
// in the program, then how to say it cannot happen.
std::vector<std::string> advice(const Describer& d, const Cycle& c, const report::Hazard& h) {
  std::vector<std::string> out;
  for (const std::string& p : h.prevented_by)
    out.push_back("Use " + p + ".");
  bool has_lock = false;
  for (const auto& e : c.edges)
    has_lock = has_lock || e.record.basis == Basis::kHeld;
  for (const auto& e : c.edges) {
    if (e.record.basis == Basis::kHelper) {
      out.push_back(
          "Run the parallel work done under the lock inside knot::isolate(): a worker "
          "that waits there runs only that work's own tasks.");
      break;
    }
  }
  if (has_lock)
    out.push_back(
        "Do not hold a lock across the wait it is held over, or take the locks "
        "in one order everywhere.");
  for (const auto& e : c.edges) {
    if (e.record.blocked.event == Event::kRoom) {
      out.push_back("Receive from " + d.cls(e.record.blocked.cls) +
                    " on a thread that waits for nothing else, or give it room for "
                    "everything its senders may send.");
      break;
    }
  }
  out.push_back(
      "If the cycle cannot happen (the program ensures an order knot cannot "
      "see), say so on the primitive: exempt_from_hazards(\"why\").");
  return out;
}

// told_in_order(): the cycle, rotated so that its story starts where it
// reads best: with the lock held over a help, when there is one (the help
// is "meanwhile").
Cycle told_in_order(const Cycle& c) {
  Cycle out = c;
  const auto held = std::find_if(c.edges.begin(), c.edges.end(), [](const auto& e) {
    return e.record.awaited.event == Event::kHelped;
  });
  if (held != c.edges.end())
    std::rotate(out.edges.begin(), out.edges.begin() + (held - c.edges.begin()), out.edges.end());
  return out;
}

report::Report build(const Describer& d, const Cycle& cycle, const std::string& id,
                     const std::string& trigger) {
  const Cycle c = told_in_order(cycle);
  report::Report r;
  r.id = id;
  r.trigger = trigger;
  r.process = process_info();
  report::Verdict v;
  v.kind = "potential_deadlock";
  v.certainty = "potential";
  v.time = base::utc_iso8601(std::chrono::system_clock::now());
  report::Hazard h;
  std::vector<std::string> conditions;
  std::set<std::string> nodes;
  for (std::size_t i = 0; i < c.edges.size(); ++i) {
    const EdgeRecord& e = c.edges[i].record;
    const EdgeRecord& next = c.edges[(i + 1) % c.edges.size()].record;
    r.cycle.push_back(event_id(e.blocked));
    if (nodes.insert(event_id(e.blocked)).second) {
      r.graph.nodes.push_back(
          {.id = event_id(e.blocked),
           .kind = e.blocked.event == Event::kWorker || e.blocked.event == Event::kHelped
                       ? "pool"
                       : "resource",
           .label = d.event(e.blocked),
           .is_alive = true});
    }
    r.graph.edges.push_back({.from = event_id(e.blocked),
                             .to = event_id(e.awaited),
                             .kind = "depends_on",
                             .label = e.context,
                             .basis = basis_name(e.basis)});
    conditions.push_back(d.condition(e, next));
    report::HazardEdge he;
    he.from = event_id(e.blocked);
    he.to = event_id(e.awaited);
    he.context = e.context;
    he.basis = basis_name(e.basis);
    he.text = d.text(e);
    he.wait_stack = d.stack(e.wait_origin);
    he.responsibility_stack = d.stack(e.responsibility_origin);
    h.edges.push_back(std::move(he));
  }
  v.assumptions = conditions;
  std::string when;
  for (std::size_t i = 0; i < conditions.size(); ++i)
    when += (i == 0 ? "" : i + 1 == conditions.size() ? " and " : ", ") + conditions[i];
  h.condition = "It hangs when " + when + ", all at once.";
  h.prevented_by = prevented_by(d, c);
  r.verdict = v;
  std::string members;
  for (std::size_t i = 0; i < c.edges.size(); ++i) {
    members += (i == 0                    ? ""
                : i + 1 == c.edges.size() ? " and "
                                          : ", ") +
               d.event(c.edges[i].record.blocked);
  }
  r.summary = "Potential deadlock (this run did not hang): a cycle through " + members + ".";
  std::string narrative =
      "In this run nothing hung, but its waits form a cycle that a different timing can close:";
  for (std::size_t i = 0; i < h.edges.size(); ++i)
    narrative += (i == 0 ? " " : "; ") + h.edges[i].text;
  narrative += ". " + h.condition;
  r.narrative = narrative;
  r.advice = advice(d, c, h);
  r.hazard = std::move(h);
  return r;
}

struct HazardState {
  base::InternalMutex mutex;
  HazardOptions options KNOT_GUARDED_BY(mutex);
  std::string report_dir KNOT_GUARDED_BY(mutex);
  std::set<std::string> written KNOT_GUARDED_BY(mutex);  // cycle keys
  std::uint64_t sequence KNOT_GUARDED_BY(mutex) = 0;
  bool exit_handler_installed KNOT_GUARDED_BY(mutex) = false;
};

HazardState& state() {
  static HazardState* s = new HazardState;
  return *s;
}

std::string report_dir_of(const HazardOptions& options) {
  std::string dir = options.report_dir;
  if (dir.empty()) {
    const char* env = std::getenv("KNOT_REPORT_DIR");
    dir = env != nullptr && *env != '\0' ? env : "knot-reports";
  }
  std::error_code ec;
  const auto path = std::filesystem::absolute(dir, ec);
  return ec ? dir : path.lexically_normal().string();
}

std::string next_id(HazardState& s) KNOT_REQUIRES(s.mutex) {
  std::string compact;
  for (char ch : base::utc_iso8601(std::chrono::system_clock::now())) {
    if (ch != '-' && ch != ':')
      compact.push_back(ch);
  }
  return compact.substr(0, 15) + "Z-" + std::to_string(::getpid()) + "-h" +
         std::to_string(++s.sequence);
}

void write_at_exit() {
  HazardState& s = state();
  {
    base::InternalLock lock(s.mutex);
    if (!s.options.report_at_exit)
      return;
  }
  try {
    hazards::write_reports("exit");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knot hazards: cannot write the reports at exit: %s\n", e.what());
  }
}

// reports_for(): the cycles' reports (the silenced ones only if
// `with_silenced`); with `only_new`, those not written yet (their keys are
// then taken as written).
std::vector<std::pair<std::string, report::Report>> reports_for(bool only_new,
                                                                const std::string& trigger,
                                                                bool with_silenced) {
  const Recorded rec = hazards::recorded();
  const std::vector<Cycle> cycles = hazards::find_cycles(rec);
  std::unique_ptr<Symbolizer> symbolizer;
  try {
    symbolizer = std::make_unique<Symbolizer>();
  } catch (const std::exception&) {
    // Addresses only.
  }
  const Describer d(rec, symbolizer.get());
  std::vector<std::pair<std::string, report::Report>> out;
  HazardState& s = state();
  for (const Cycle& c : cycles) {
    if (!c.exempt_reason.empty() && !with_silenced)
      continue;
    std::string id;
    {
      base::InternalLock lock(s.mutex);
      if (only_new && !s.written.insert(c.key).second)
        continue;
      id = next_id(s);
    }
    report::Report r = build(d, c, id, trigger);
    if (!c.exempt_reason.empty()) {
      r.hazard->silenced = c.exempt_reason;
      r.summary = "Silenced potential deadlock (" + c.exempt_reason + "): " + r.summary;
    }
    out.emplace_back(c.key, std::move(r));
  }
  return out;
}

}  // namespace

void enable_hazards(const HazardOptions& options) {
  HazardState& s = state();
  {
    base::InternalLock lock(s.mutex);
    s.options = options;
    s.report_dir = report_dir_of(options);
    if (options.report_at_exit && !s.exit_handler_installed) {
      s.exit_handler_installed = true;
      std::atexit(&write_at_exit);
    }
  }
  hazards::enable();
}

void disable_hazards() {
  hazards::disable();
}

bool hazards_enabled() noexcept {
  return hazards::is_enabled();
}

std::vector<report::Report> potential_deadlocks() {
  std::vector<report::Report> out;
  for (auto& [key, r] : reports_for(/*only_new=*/false, "api", /*with_silenced=*/false))
    out.push_back(std::move(r));
  return out;
}

std::vector<std::string> write_hazard_reports() {
  return hazards::write_reports("api");
}

std::vector<std::string> hazards::write_reports(const std::string& trigger) {
  std::string dir;
  {
    HazardState& s = state();
    base::InternalLock lock(s.mutex);
    dir = s.report_dir.empty() ? report_dir_of(s.options) : s.report_dir;
  }
  std::vector<std::string> paths;
  for (auto& [key, r] : reports_for(/*only_new=*/true, trigger, /*with_silenced=*/true)) {
    try {
      report::create_report_dir(dir);
      const std::string path = report::write_report_file(dir, r);
      // A silenced cycle is written for the record, and announced nowhere.
      if (!r.hazard->silenced.empty())
        continue;
      std::fprintf(stderr, "knot: %s\nknot: report: %s\n", r.summary.c_str(), path.c_str());
      paths.push_back(path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "knot: %s\nknot: cannot write its report: %s\n", r.summary.c_str(),
                   e.what());
      HazardState& s = state();
      base::InternalLock lock(s.mutex);
      s.written.erase(key);
    }
  }
  return paths;
}

}  // namespace knot::instr
