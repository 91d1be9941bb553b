// The trace recorder's public API (knot/instrumentation/trace.h) and its
// start from the environment (KNOT_TRACE=<file>); the recorder itself is
// trace_recorder.cc.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "env_number.h"
#include "knot/instrumentation/trace.h"
#include "knot/runtime/error.h"
#include "trace_recorder.h"

// Referenced by the link option that knot::instrumentation carries, so that
// this object (and the KNOT_TRACE start below) is always linked in.
extern "C" {
int knot_trace_anchor = 0;
}

namespace knot::instr {

namespace {

using detail::Recorder;

// ============================================================================
// The environment: KNOT_TRACE=<file>
// ============================================================================

// KNOT_TRACE=<file> starts recording before main() and writes at exit.
struct AutoStart {
  AutoStart() {
    const char* v = std::getenv("KNOT_TRACE");
    if (v == nullptr || *v == '\0')
      return;
    try {
      start_trace(trace_options_from_environment());
      std::atexit(&stop_trace_before_exit);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "knot: KNOT_TRACE is set but the trace cannot start: %s\n", e.what());
    }
  }
};
const AutoStart g_auto_start;

}  // namespace

TraceOptions trace_options_from_environment() {
  TraceOptions o;
  if (const char* path = std::getenv("KNOT_TRACE"))
    o.path = path;
  o.sample_period = std::chrono::microseconds(
      detail::env_number("KNOT_TRACE_PERIOD_US", o.sample_period.count(), 1));
  o.max_events = static_cast<std::size_t>(
      detail::env_number("KNOT_TRACE_MAX_EVENTS", static_cast<long>(o.max_events), 1));
  return o;
}

void start_trace(const TraceOptions& options) {
  Recorder::instance().start(options);
}

std::optional<TraceSummary> stop_trace() {
  return Recorder::instance().stop();
}

TraceSummary write_last_trace(const std::string& path) {
  return Recorder::instance().write_last(path);
}

void stop_trace_before_exit() noexcept {
  try {
    if (auto s = stop_trace()) {
      const std::string dropped =
          s->num_dropped != 0 ? ", " + std::to_string(s->num_dropped) + " dropped" : "";
      std::fprintf(stderr, "knot: trace: %s (%zu waits, %zu counter events%s)\n", s->path.c_str(),
                   s->num_wait_events, s->num_counter_events, dropped.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knot: trace: %s\n", e.what());
  }
}

bool trace_running() noexcept {
  return Recorder::instance().is_recording();
}

TraceSession::TraceSession(const TraceOptions& options) {
  start_trace(options);
}

TraceSession::~TraceSession() {
  if (is_stopped_)
    return;
  try {
    stop_trace();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knot: trace: %s\n", e.what());
  }
}

TraceSummary TraceSession::stop() {
  is_stopped_ = true;
  std::optional<TraceSummary> s = stop_trace();
  if (!s)
    throw Error(Errc::kInvalidOption, "knot trace: not recording");
  return *s;
}

}  // namespace knot::instr
