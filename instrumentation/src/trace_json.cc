// A stopped trace as Chrome Trace Event Format JSON (trace_data.h). Events
// are serialized one by one straight into the output text: a trace of
// millions of events never exists as one JSON tree in memory.

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "graph_labels.h"
#include "knot/base/time_format.h"
#include "trace_data.h"

#ifndef KNOT_VERSION
#define KNOT_VERSION "unknown"
#endif

namespace knot::instr::detail {

namespace {

using nlohmann::json;

// micros() is `t` in microseconds since `start`, rounded to the ns (the
// shortest decimal form then has at most three fraction digits).
double micros(TraceClock::duration d) {
  const double us = std::chrono::duration<double, std::micro>(d).count();
  return std::round(us * 1000.0) / 1000.0;
}

std::string hex(std::uintptr_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// side() is which side of its resource a wait is on, or empty.
const char* side(WaitKind kind) {
  switch (kind) {
    case WaitKind::kChannelSend:
      return "send";
    case WaitKind::kChannelRecv:
      return "recv";
    case WaitKind::kMutex:
      return "exclusive";
    case WaitKind::kSharedMutex:
      return "shared";
    default:
      return "";
  }
}

// dump() serializes `j`, replacing invalid UTF-8 (a name is whatever bytes
// the program gave) instead of throwing.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Appender writes the traceEvents array, one event at a time. Metadata
// events are nlohmann objects; wait and counter events, which may number
// millions, are written field by field with nlohmann's escaping of their
// strings, several times faster than building an object per event.
class Appender {
 public:
  explicit Appender(std::string& out) : out_(out) {}

  void add(const json& event) {
    next_event();
    out_ += dump(event);
  }

  // begin() ... end() write one event; each field is appended in turn.
  void begin() {
    next_event();
    out_ += '{';
    is_first_field_ = true;
  }
  void end() { out_ += '}'; }
  void open(std::string_view key) {  // a nested object; close() ends it
    field(key);
    out_ += '{';
    is_first_field_ = true;
  }
  void close() { out_ += '}'; }
  void string(std::string_view key, std::string_view value) {
    field(key);
    out_ += dump(json(value));
  }
  void number(std::string_view key, double value) {
    field(key);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
  }
  void integer(std::string_view key, std::int64_t value) {
    field(key);
    out_ += std::to_string(value);
  }
  void boolean(std::string_view key, bool value) {
    field(key);
    out_ += value ? "true" : "false";
  }

 private:
  void next_event() {
    out_ += is_first_event_ ? "\n" : ",\n";
    is_first_event_ = false;
  }
  void field(std::string_view key) {  // keys are constant ASCII names
    if (!is_first_field_)
      out_ += ',';
    is_first_field_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  std::string& out_;
  bool is_first_event_ = true;
  bool is_first_field_ = true;
};

void add_wait(Appender& a, const TraceData& data, const WaitRecord& w) {
  a.begin();
  a.string("name", wait_event_name(w));
  a.string("cat", "wait");
  a.string("ph", "X");
  a.number("ts", micros(w.begin - data.start));
  a.number("dur", micros(w.end - w.begin));
  a.integer("pid", data.pid);
  a.integer("tid", w.track);
  a.open("args");
  a.string("wait_kind", to_string(w.kind));
  a.string("resource_kind", resource_kind(w.kind));
  a.string("resource_id", hex(w.resource));
  a.string("resource_name", w.name);
  if (const char* s = side(w.kind); *s != '\0')
    a.string("side", s);
  a.boolean("timed", w.is_timed);
  a.string("stage", w.stage);
  if (w.is_fiber) {
    a.boolean("fiber_task", true);
    a.integer("suspended_on_tid", w.begin_tid);
    if (w.is_finished)
      a.integer("resumed_on_tid", w.end_tid);
  }
  if (!w.is_finished)
    a.boolean("unfinished", true);
  a.close();
  a.end();
}

// add_counter() writes one counter event; `values` are (series, value).
void add_counter(Appender& a, const TraceData& data, const PoolSample& s, const std::string& name,
                 std::initializer_list<std::pair<const char*, std::size_t>> values) {
  a.begin();
  a.string("name", name);
  a.string("cat", "occupancy");
  a.string("ph", "C");
  a.number("ts", micros(s.time - data.start));
  a.integer("pid", data.pid);
  a.integer("tid", 0);
  a.open("args");
  for (const auto& [series, value] : values)
    a.integer(series, static_cast<std::int64_t>(value));
  a.close();
  a.end();
}

json metadata(const TraceData& data, const char* name, std::int64_t tid, json args) {
  return {{"name", name},    {"ph", "M"},  {"ts", 0},
          {"pid", data.pid}, {"tid", tid}, {"args", std::move(args)}};
}

}  // namespace

int num_counter_events(const PoolSample& sample) noexcept {
  return __builtin_popcount(sample.changed & kAllSeries);
}

std::string wait_event_name(const WaitRecord& wait) {
  std::string name(to_string(wait.kind));
  if (!wait.name.empty())
    return name + " '" + wait.name + "'";
  return name + " #" + hex(wait.resource);
}

std::string trace_to_json(const TraceData& data) {
  std::string out = "{\"traceEvents\":[";
  Appender events(out);

  // Metadata: the process, then every track, fiber tasks sorted after
  // the threads.
  events.add(metadata(data, "process_name", 0, {{"name", data.process_name}}));
  for (const auto& [track, name] : data.track_names) {
    events.add(metadata(data, "thread_name", track, {{"name", name}}));
    if (track >= kFiberTrackBase)
      events.add(metadata(data, "thread_sort_index", track, {{"sort_index", track}}));
  }

  for (const WaitRecord& w : data.waits)
    add_wait(events, data, w);

  // Counter names carry the pool's name, and its id when two pools of the
  // trace share a name.
  std::set<std::string> seen;
  std::set<std::string> shared;
  for (const auto& [id, name] : data.pool_names) {
    if (!seen.insert(name).second)
      shared.insert(name);
  }
  auto prefix = [&](std::uint64_t id) {
    auto it = data.pool_names.find(id);
    const std::string name = it != data.pool_names.end() ? it->second : "?";
    std::string p = "pool '" + name + "'";
    if (shared.count(name) != 0)
      p += " #" + std::to_string(id);
    return p;
  };
  for (const PoolSample& s : data.samples) {
    const std::string p = prefix(s.pool_id);
    if ((s.changed & kSeriesWorkers) != 0) {
      add_counter(events, data, s, p + " workers",
                  {{"running", s.running},
                   {"searching", s.searching},
                   {"sleeping", s.sleeping},
                   {"parked", s.parked}});
    }
    if ((s.changed & kSeriesSpares) != 0)
      add_counter(events, data, s, p + " spares", {{"spares", s.spares}});
    if ((s.changed & kSeriesSuspended) != 0)
      add_counter(events, data, s, p + " suspended tasks", {{"suspended", s.suspended}});
    if ((s.changed & kSeriesQueued) != 0)
      add_counter(events, data, s, p + " queued jobs", {{"queued", s.queued}});
  }
  out += "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":";

  json other = {
      {"schema", "knot.trace/1"},
      {"knot_version", KNOT_VERSION},
      {"pid", data.pid},
      {"process", data.process_name},
      {"started_at", base::utc_iso8601(data.wall_start, base::TimePrecision::kSeconds)},
      {"duration_us", micros(data.stop - data.start)},
      {"sample_period_us", data.options.sample_period.count()},
      {"max_events", data.options.max_events},
      {"wait_events", data.waits.size()},
      {"counter_events", data.num_counter_events},
      {"dropped_events", data.num_dropped},
  };
  if (data.num_dropped != 0) {
    other["note"] = "the event cap (" + std::to_string(data.options.max_events) +
                    ") was reached: " + std::to_string(data.num_dropped) +
                    " later events were dropped";
  }
  out += dump(other);
  out += "}\n";
  return out;
}

}  // namespace knot::instr::detail
