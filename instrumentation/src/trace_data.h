// What a stopped trace holds (the recorder's output, trace_recorder.cc) and
// its Chrome Trace Event Format form (trace_json.cc). Plain data: no
// threads, no clocks, no runtime state, so the JSON form is testable on a
// hand-made TraceData.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "knot/instrumentation/trace.h"
#include "knot/runtime/observer.h"

namespace knot::instr::detail {

using TraceClock = std::chrono::steady_clock;

// kFiberTrackBase + ThreadView::index is the track ("tid") of a fiber
// task's waits: above any Linux thread id (at most 2^22), so the two never
// collide.
inline constexpr std::int64_t kFiberTrackBase = std::int64_t{1} << 30;

// WaitRecord is one wait that parked: on an OS thread (track = its TID) or
// a suspended fiber task (track = kFiberTrackBase + its index).
struct WaitRecord {
  TraceClock::time_point begin;
  TraceClock::time_point end;  // the stop, for a wait still in progress then
  std::int64_t track = 0;
  std::int64_t begin_tid = 0;  // the OS thread the wait began on
  std::int64_t end_tid = 0;    // and ended on (a fiber task may move); 0: unfinished
  std::uintptr_t resource = 0;
  WaitKind kind = WaitKind::kBlockingRegion;
  bool is_timed = false;
  bool is_fiber = false;
  bool is_finished = true;
  std::string name;   // the resource's name, or empty
  std::string stage;  // the waiter's innermost stage, or empty
};

// PoolSample is one pool's occupancy at one sample; `changed` has a bit per
// series (kSeries*, below) that differs from the pool's previous sample:
// only those become counter events.
inline constexpr unsigned kSeriesWorkers = 1u << 0;    // running, searching, sleeping, parked
inline constexpr unsigned kSeriesSpares = 1u << 1;     // spares in use
inline constexpr unsigned kSeriesSuspended = 1u << 2;  // suspended fiber tasks
inline constexpr unsigned kSeriesQueued = 1u << 3;     // queued jobs (injector and deques)
inline constexpr unsigned kAllSeries = 0xfu;
// PoolSample's counts look like report.h's Resource counts to a duplicate
// finder (runs of size_t members): two different records that share only
// their shape.
struct PoolSample {
  TraceClock::time_point time;
  std::uint64_t pool_id = 0;
  std::size_t running = 0;
  std::size_t searching = 0;
  std::size_t sleeping = 0;
  std::size_t parked = 0;
  std::size_t spares = 0;
  std::size_t suspended = 0;
  std::size_t queued = 0;
  unsigned changed = 0;
};

// num_counter_events() is how many counter events `sample` becomes.
int num_counter_events(const PoolSample& sample) noexcept;

struct TraceData {
  TraceOptions options;
  TraceClock::time_point start;
  TraceClock::time_point stop;
  std::chrono::system_clock::time_point wall_start;
  std::int64_t pid = 0;
  std::string process_name;
  std::vector<WaitRecord> waits;
  std::vector<PoolSample> samples;
  std::map<std::uint64_t, std::string> pool_names;  // every pool sampled
  std::map<std::int64_t, std::string> track_names;  // thread and fiber tracks
  std::size_t num_counter_events = 0;
  std::uint64_t num_dropped = 0;
};

// wait_event_name() is a wait's event name: the wait kind and the
// resource, "channel_recv 'processed'" (or "latch #7f3a..." unnamed).
std::string wait_event_name(const WaitRecord& wait);

// trace_to_json() is the trace as a Chrome Trace Event Format document:
// {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}.
// Timestamps are microseconds since data.start (fractions to the ns).
std::string trace_to_json(const TraceData& data);

}  // namespace knot::instr::detail
