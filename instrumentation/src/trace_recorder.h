// The trace recorder's state (trace_recorder.cc has the protocol; the
// public API is knot/instrumentation/trace.h, implemented in trace_api.cc).
//
//   ThreadBuffer  one OS thread's waits in one recording
//   FiberWait     an open wait of a suspended fiber task
//   Recorder      the process's one recorder: observer, buffers, sampler
//
// Not here: the file format (trace_data.h, trace_json.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/instrumentation/trace.h"
#include "knot/runtime/observer.h"
#include "trace_data.h"

namespace knot::instr::detail {

// ThreadBuffer is one OS thread's part of one recording.
struct ThreadBuffer {
  std::uint64_t generation = 0;
  std::int64_t tid = 0;
  std::string name;  // the thread's name when it first recorded
  knot::base::InternalMutex mutex;
  std::vector<WaitRecord> open KNOT_GUARDED_BY(mutex);  // begun, not ended (nested: a stack)
  std::vector<WaitRecord> done KNOT_GUARDED_BY(mutex);
  std::vector<const WaitSite*> open_sites KNOT_GUARDED_BY(mutex);  // parallel to `open`
};

// FiberWait is an open wait of a suspended fiber task.
struct FiberWait {
  std::uint64_t generation = 0;
  WaitRecord record;
};

// Recorder is the process's one trace recorder (instance()). begin_wait()
// and end_wait() run on the parking path of any thread (through the
// chained observer); start(), stop() and write_last() on any thread, one
// at a time (lifecycle_); the sampler thread runs sampler_main().
class Recorder {
 public:
  static Recorder& instance() {
    // Never destroyed: a thread may still leave a wait during static
    // destruction, and the observer it captured must stay valid.
    static Recorder* const r = new Recorder;
    return *r;
  }

  void begin_wait(const WaitSite& site) noexcept;
  void end_wait(const WaitSite& site) noexcept;

  void start(const TraceOptions& options);
  std::optional<TraceSummary> stop();
  TraceSummary write_last(const std::string& path);
  bool is_recording() const noexcept { return recording_.load(std::memory_order_acquire); }

  Observer* next_observer() const noexcept { return next_.load(std::memory_order_acquire); }

 private:
  class ChainedObserver final : public Observer {
   public:
    explicit ChainedObserver(Recorder& r) : r_(r) {}
    void on_wait_begin(const WaitSite& site) noexcept override {
      if (Observer* next = r_.next_observer())
        next->on_wait_begin(site);
      r_.begin_wait(site);
    }
    void on_wait_end(const WaitSite& site) noexcept override {
      r_.end_wait(site);
      if (Observer* next = r_.next_observer())
        next->on_wait_end(site);
    }
    void on_worker_start(std::string_view pool_name, std::size_t index) noexcept override {
      if (Observer* next = r_.next_observer())
        next->on_worker_start(pool_name, index);
    }
    void on_worker_stop(std::string_view pool_name, std::size_t index) noexcept override {
      if (Observer* next = r_.next_observer())
        next->on_worker_stop(pool_name, index);
    }

   private:
    Recorder& r_;
  };

  Recorder() : observer_(*this) {}

  ThreadBuffer* this_thread_buffer(std::uint64_t generation) noexcept;
  bool take_slot() noexcept;
  void sampler_main(TraceClock::duration period);
  void sample(bool is_final);
  void write(TraceData& data, const std::string& path, TraceSummary& summary);
  // stop()'s steps: every thread's and fiber's waits into data_ (the open
  // ones ended at `stop_time`, unfinished), then the tracks' names.
  void collect_waits(TraceClock::time_point stop_time) KNOT_REQUIRES(lifecycle_);
  void name_tracks() KNOT_REQUIRES(lifecycle_);

  ChainedObserver observer_;
  std::atomic<Observer*> next_{nullptr};

  // Recording state. `recording_` and `generation_` are written by
  // start() and stop() (under lifecycle_) and read on the parking path:
  // the acquire load of `recording_` sees the generation and options
  // start() set before its release store.
  std::atomic<bool> recording_{false};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> num_kept_{0};
  std::atomic<std::uint64_t> num_dropped_{0};
  std::atomic<std::size_t> max_events_{0};

  // Serializes start(), stop() and write_last().
  knot::base::InternalMutex lifecycle_;
  // The recording being made, then the last one.
  TraceData data_ KNOT_GUARDED_BY(lifecycle_);
  bool has_last_ KNOT_GUARDED_BY(lifecycle_) = false;  // data_ holds a stopped recording

  knot::base::InternalMutex buffers_mutex_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_ KNOT_GUARDED_BY(buffers_mutex_);

  knot::base::InternalMutex fibers_mutex_;
  std::unordered_map<const WaitSite*, FiberWait> fiber_waits_ KNOT_GUARDED_BY(fibers_mutex_);
  std::vector<WaitRecord> fiber_done_ KNOT_GUARDED_BY(fibers_mutex_);

  // The sampler thread and its stop request (std::mutex: the condition
  // variable needs it; `stop_requested_` is only touched under it).
  std::thread sampler_;
  std::mutex sampler_mutex_;
  std::condition_variable sampler_cv_;
  bool stop_requested_ = false;
  // The sampler's own output: written by the sampler thread only, read by
  // stop() after joining it.
  std::vector<PoolSample> samples_;
  std::unordered_map<std::uint64_t, PoolSample> last_sample_;
  std::map<std::uint64_t, std::string> pool_names_;
  std::size_t num_counter_events_ = 0;
};

}  // namespace knot::instr::detail
