// A stopped trace as Chrome Trace Event Format JSON (trace_data.h). Each
// event is built as a small nlohmann object and serialized on its own,
// straight into the output text: a trace of millions of events never
// exists as one JSON tree in memory.

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>

#include "trace_data.h"
#include "wait_for_graph.h"

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

std::string utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Appender writes the traceEvents array, one serialized event at a time.
class Appender {
 public:
  explicit Appender(std::string& out) : out_(out) {}
  void add(const json& event) {
    out_ += is_first_ ? "\n" : ",\n";
    out_ += event.dump();
    is_first_ = false;
  }

 private:
  std::string& out_;
  bool is_first_ = true;
};

json wait_event(const TraceData& data, const WaitRecord& w) {
  json args = {
      {"wait_kind", std::string(to_string(w.kind))},
      {"resource_kind", resource_kind(w.kind)},
      {"resource_id", hex(w.resource)},
      {"resource_name", w.name},
      {"timed", w.is_timed},
      {"stage", w.stage},
  };
  if (const char* s = side(w.kind); *s != '\0')
    args["side"] = s;
  if (w.is_fiber) {
    args["fiber_task"] = true;
    args["suspended_on_tid"] = w.begin_tid;
    if (w.is_finished)
      args["resumed_on_tid"] = w.end_tid;
  }
  if (!w.is_finished)
    args["unfinished"] = true;
  return {
      {"name", wait_event_name(w)},
      {"cat", "wait"},
      {"ph", "X"},
      {"ts", micros(w.begin - data.start)},
      {"dur", micros(w.end - w.begin)},
      {"pid", data.pid},
      {"tid", w.track},
      {"args", std::move(args)},
  };
}

json counter(const TraceData& data, const PoolSample& s, const std::string& name, json args) {
  return {
      {"name", name},
      {"cat", "occupancy"},
      {"ph", "C"},
      {"ts", micros(s.time - data.start)},
      {"pid", data.pid},
      {"tid", 0},
      {"args", std::move(args)},
  };
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
    events.add(wait_event(data, w));

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
      events.add(counter(data, s, p + " workers",
                         {{"running", s.running},
                          {"searching", s.searching},
                          {"sleeping", s.sleeping},
                          {"parked", s.parked}}));
    }
    if ((s.changed & kSeriesSpares) != 0)
      events.add(counter(data, s, p + " spares", {{"spares", s.spares}}));
    if ((s.changed & kSeriesSuspended) != 0)
      events.add(counter(data, s, p + " suspended tasks", {{"suspended", s.suspended}}));
    if ((s.changed & kSeriesQueued) != 0)
      events.add(counter(data, s, p + " queued jobs", {{"queued", s.queued}}));
  }
  out += "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":";

  json other = {
      {"schema", "knot.trace/1"},
      {"knot_version", KNOT_VERSION},
      {"pid", data.pid},
      {"process", data.process_name},
      {"started_at", utc(data.wall_start)},
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
  out += other.dump();
  out += "}\n";
  return out;
}

}  // namespace knot::instr::detail
