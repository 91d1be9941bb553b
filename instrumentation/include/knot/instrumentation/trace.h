// The trace recorder: knot's waits and pool occupancy over time, as a
// Chrome Trace Event Format file that ui.perfetto.dev and chrome://tracing
// open (docs/instrumentation.md, "Trace export").
//
//   TraceOptions     where to write, how often to sample, how many events
//   start_trace()    starts recording (once at a time)
//   stop_trace()     stops and writes the file
//   write_last_trace()  writes the last stopped trace again, elsewhere
//   trace_running()
//   TraceSession     start_trace() / stop_trace() as an RAII object
//   TraceSummary     what a written trace holds
//
// While it records, every wait that parks (the Observer's slow path: a
// thread or a fiber task that really sleeps) becomes a complete event on
// the waiter's track, and one sampler thread reads snapshot_pools() every
// sample period into counter events per pool (workers running, searching,
// sleeping, parked; spares; suspended fiber tasks; queued jobs). Nothing is
// added to any fast path.
//
// A program linked with knot::instrumentation also records when the
// environment says KNOT_TRACE=<file>: recording starts before main() and
// the file is written when the program exits (std::exit or a return from
// main). KNOT_TRACE_PERIOD_US and KNOT_TRACE_MAX_EVENTS set the options.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace knot::instr {

// kDefaultMaxTraceEvents is the default cap on recorded events: about
// 0.5 GB of JSON at most, which the trace viewers still open.
inline constexpr std::size_t kDefaultMaxTraceEvents = 4'000'000;

struct TraceOptions {
  // The file written at stop (its folder must exist); replaced if present.
  std::string path{};
  // How often the sampler reads the pools' occupancy. Must be positive.
  std::chrono::microseconds sample_period{1000};
  // The most wait and counter events kept; later ones are counted as
  // dropped (TraceSummary::num_dropped, and "dropped_events" in the file).
  std::size_t max_events = kDefaultMaxTraceEvents;
};

// TraceSummary says what a written trace file holds.
struct TraceSummary {
  std::string path{};
  std::size_t num_wait_events = 0;     // complete ("X") events, unfinished waits included
  std::size_t num_counter_events = 0;  // counter ("C") events
  std::uint64_t num_dropped = 0;       // events not kept: the cap was reached
};

// trace_options_from_environment() is TraceOptions with KNOT_TRACE (the
// path), KNOT_TRACE_PERIOD_US and KNOT_TRACE_MAX_EVENTS applied. Throws
// knot::Error (kInvalidOption) for a value that is not a positive number.
TraceOptions trace_options_from_environment();

// start_trace() starts recording: it installs the trace's observer
// (chained in front of any observer already installed, which keeps
// getting every call) and starts the sampler thread. Events of an earlier,
// stopped trace are discarded. Throws knot::Error (kInvalidOption) when a
// trace is already running, the path is empty or the period is not
// positive; (kThreadCreation) when the sampler cannot start. Any thread.
void start_trace(const TraceOptions& options);

// stop_trace() stops recording and writes the file, atomically and with
// mode 0600 (a temporary file in the same folder, renamed). Waits still in
// progress are written as events that end at the stop, with
// "unfinished": true. Returns nullopt when no trace is running. When the
// file cannot be written it throws knot::Error, whose code is the OS's
// reason and whose message names the file; the recording is kept, and
// write_last_trace() can write it elsewhere. Any thread; not from an
// Observer callback.
std::optional<TraceSummary> stop_trace();

// write_last_trace() writes the trace that the last stop_trace() ended to
// `path`, the same way; throws knot::Error (kInvalidOption) when there is
// none, or as stop_trace() does when writing fails.
TraceSummary write_last_trace(const std::string& path);

// stop_trace_before_exit() stops a running trace and writes it, with one
// line on stderr saying where ("knot: trace: <file> (...)") or why it could
// not; nothing when no trace runs. For code that ends the process without
// running exit handlers (std::_Exit, std::abort), as the watchdog's exit
// and abort actions do; KNOT_TRACE's own exit handler calls it too. Any
// thread; not from an Observer callback; never throws.
void stop_trace_before_exit() noexcept;

// trace_running() is true between start_trace() and stop_trace().
bool trace_running() noexcept;

// TraceSession records for its lifetime: the constructor calls
// start_trace(), stop() or the destructor stop_trace(). The destructor
// cannot throw: a write failure there is printed on stderr ("knot: trace:
// ..."), and the recording stays available to write_last_trace().
class [[nodiscard]] TraceSession {
 public:
  explicit TraceSession(const TraceOptions& options);
  ~TraceSession();
  TraceSession(const TraceSession&) = delete;
  TraceSession& operator=(const TraceSession&) = delete;

  // stop() stops and writes now (as stop_trace(), and throws as it does);
  // the destructor then does nothing.
  TraceSummary stop();

 private:
  bool is_stopped_ = false;
};

}  // namespace knot::instr
