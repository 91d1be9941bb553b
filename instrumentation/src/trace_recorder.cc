// The trace recorder (knot/instrumentation/trace.h).
//
// Waits: an Observer, chained in front of whatever observer was installed,
// sees every wait that parks; it runs on the parking path only, where the
// waiter is about to sleep for microseconds at least. Each OS thread
// records into a buffer of its own (a vector behind a mutex that only the
// thread itself and stop_trace() ever take, so it is uncontended): no
// global lock on the parking path. A fiber task's wait begins on one
// worker and may end on another, so its open waits live in one map behind
// a mutex of its own, taken only by suspending and resuming fiber tasks
// (which pay for a context switch and a queue anyway). Buffers belong to
// the recording, not to the threads: a thread that exits keeps nothing the
// trace needs. The cap is one relaxed counter of events kept; past it,
// events are counted as dropped.
//
// Occupancy: one sampler thread reads snapshot_pools() every period (it
// takes the pool-list lock, which no worker takes, and only relaxed loads
// of the workers' fields) and keeps the series that changed.
//
// Costs on the parking path while recording: two clock reads, a copy of
// the thread's stage and of the resource's name (an allocation each when
// longer than the small-string buffer), and an uncontended lock and unlock
// per wait begin and end. Nothing at all when not recording beyond the
// observer call and one atomic load.

#include "trace_recorder.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <unordered_set>

#include "knot/report/report_file.h"
#include "knot/runtime/error.h"
#include "knot/runtime/mutex.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/this_thread.h"

namespace knot::instr::detail {

namespace {

// is_fiber_wait() says whether the wait at `site`, seen on the calling
// thread, suspends a fiber task rather than blocking the thread: on a fiber
// task, untimed waits suspend, while timed waits and blocking regions
// block the thread (a spare takes its place; docs/policies.md).
bool is_fiber_wait(const WaitSite& site, std::optional<std::uint32_t>& fiber) noexcept {
  if (site.is_timed || site.kind == WaitKind::kBlockingRegion)
    return false;
  fiber = this_thread::fiber_index();
  return fiber.has_value();
}

// The calling thread's buffer, kept alive by the thread and by the
// recording it belongs to (whichever lets go last frees it).
thread_local std::shared_ptr<ThreadBuffer> t_buffer;

}  // namespace

ThreadBuffer* Recorder::this_thread_buffer(std::uint64_t generation) noexcept {
  if (t_buffer && t_buffer->generation == generation)
    return t_buffer.get();
  try {
    auto buffer = std::make_shared<ThreadBuffer>();
    buffer->generation = generation;
    buffer->tid = this_thread_id();
    buffer->name = this_thread::name();
    knot::base::InternalLock guard(buffers_mutex_);
    // A recording that ended meanwhile takes no new buffers.
    if (generation_.load(std::memory_order_relaxed) != generation || !is_recording())
      return nullptr;
    buffers_.push_back(buffer);
    t_buffer = std::move(buffer);
    return t_buffer.get();
  } catch (...) {
    num_dropped_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
}

// take_slot() reserves room for one event under the cap; false (and one
// more dropped) when the cap is reached.
bool Recorder::take_slot() noexcept {
  if (num_kept_.fetch_add(1, std::memory_order_relaxed) <
      max_events_.load(std::memory_order_relaxed))
    return true;
  num_kept_.fetch_sub(1, std::memory_order_relaxed);
  num_dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void Recorder::begin_wait(const WaitSite& site) noexcept {
  if (!is_recording())
    return;
  const auto now = TraceClock::now();
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed);
  try {
    WaitRecord w;
    w.begin = now;
    w.begin_tid = this_thread_id();
    w.resource = reinterpret_cast<std::uintptr_t>(site.resource);
    w.kind = site.kind;
    w.is_timed = site.is_timed;
    w.name = std::string(site.name);
    w.stage = this_thread::stage();
    std::optional<std::uint32_t> fiber;
    if (is_fiber_wait(site, fiber)) {
      w.is_fiber = true;
      w.track = detail::kFiberTrackBase + static_cast<std::int64_t>(*fiber);
      knot::base::InternalLock guard(fibers_mutex_);
      fiber_waits_[&site] = FiberWait{generation, std::move(w)};
      return;
    }
    w.track = w.begin_tid;
    ThreadBuffer* buffer = this_thread_buffer(generation);
    if (buffer == nullptr)
      return;
    knot::base::InternalLock guard(buffer->mutex);
    buffer->open.push_back(std::move(w));
    buffer->open_sites.push_back(&site);
  } catch (...) {
    num_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Recorder::end_wait(const WaitSite& site) noexcept {
  // Waits that began while recording end here even after a stop: their
  // open record must go, though the event is no longer kept.
  const auto now = TraceClock::now();
  std::optional<std::uint32_t> fiber;
  try {
    if (is_fiber_wait(site, fiber)) {
      knot::base::InternalLock guard(fibers_mutex_);
      auto it = fiber_waits_.find(&site);
      if (it == fiber_waits_.end())
        return;
      WaitRecord w = std::move(it->second.record);
      const bool is_current = it->second.generation == generation_.load(std::memory_order_relaxed);
      fiber_waits_.erase(it);
      if (!is_current || !is_recording() || !take_slot())
        return;
      w.end = now;
      w.end_tid = this_thread_id();
      fiber_done_.push_back(std::move(w));
      return;
    }
    ThreadBuffer* buffer = t_buffer.get();
    if (buffer == nullptr)
      return;
    knot::base::InternalLock guard(buffer->mutex);
    // The innermost open wait is last; search from there for this site.
    std::size_t i = buffer->open_sites.size();
    while (i > 0 && buffer->open_sites[i - 1] != &site)
      --i;
    if (i == 0)
      return;  // began before this recording
    WaitRecord w = std::move(buffer->open[i - 1]);
    buffer->open.erase(buffer->open.begin() + static_cast<std::ptrdiff_t>(i - 1));
    buffer->open_sites.erase(buffer->open_sites.begin() + static_cast<std::ptrdiff_t>(i - 1));
    // Read under the buffer's lock: stop() clears `recording_` before it
    // collects this buffer under the same lock, so a wait is either
    // collected here as done or there as unfinished, never both. A buffer
    // of an earlier recording is collected by nobody.
    if (!is_recording() || buffer->generation != generation_.load(std::memory_order_relaxed) ||
        !take_slot())
      return;
    w.end = now;
    w.end_tid = w.begin_tid;
    buffer->done.push_back(std::move(w));
  } catch (...) {
    num_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

// ============================================================================
// The sampler
// ============================================================================

void Recorder::sampler_main(TraceClock::duration period) {
  this_thread::set_name("knot-trace");
  std::unique_lock<std::mutex> lock(sampler_mutex_);
  auto next = TraceClock::now();
  while (!stop_requested_) {
    lock.unlock();
    sample(/*is_final=*/false);
    lock.lock();
    next += period;
    const auto now = TraceClock::now();
    if (next < now)
      next = now;  // fell behind (a slow snapshot): no burst of catch-up samples
    sampler_cv_.wait_until(lock, next, [this] { return stop_requested_; });
  }
}

// sample() reads every pool once and keeps what changed; with `is_final`,
// every series of every pool (so each counter track reaches the stop).
void Recorder::sample(bool is_final) {
  const auto now = TraceClock::now();
  std::vector<PoolSnapshot> pools = snapshot_pools();
  std::unordered_set<std::uint64_t> present;
  auto keep = [&](PoolSample s) {
    const int n = detail::num_counter_events(s);
    for (int i = 0; i < n; ++i) {
      if (!take_slot())
        return;  // all or nothing: the cap leaves no partial sample
    }
    num_counter_events_ += static_cast<std::size_t>(n);
    samples_.push_back(s);
  };
  for (const PoolSnapshot& p : pools) {
    present.insert(p.id);
    pool_names_.emplace(p.id, p.name);
    PoolSample s;
    s.time = now;
    s.pool_id = p.id;
    s.running = p.count(WorkerState::kRunning);
    s.searching = p.count(WorkerState::kSearching);
    s.sleeping = p.count(WorkerState::kSleeping);
    s.parked = p.count(WorkerState::kParked);
    s.spares = p.num_spares;
    s.suspended = p.num_suspended;
    s.queued = p.queued_jobs();
    auto it = last_sample_.find(p.id);
    if (it == last_sample_.end() || is_final) {
      s.changed = detail::kAllSeries;
    } else {
      const PoolSample& l = it->second;
      if (s.running != l.running || s.searching != l.searching || s.sleeping != l.sleeping ||
          s.parked != l.parked) {
        s.changed |= detail::kSeriesWorkers;
      }
      s.changed |= s.spares != l.spares ? detail::kSeriesSpares : 0u;
      s.changed |= s.suspended != l.suspended ? detail::kSeriesSuspended : 0u;
      s.changed |= s.queued != l.queued ? detail::kSeriesQueued : 0u;
    }
    last_sample_[p.id] = s;
    if (s.changed != 0)
      keep(s);
  }
  // A pool that ended: its tracks drop to zero instead of holding on.
  for (auto it = last_sample_.begin(); it != last_sample_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    PoolSample gone;
    gone.time = now;
    gone.pool_id = it->first;
    gone.changed = detail::kAllSeries;
    keep(gone);
    it = last_sample_.erase(it);
  }
}

// ============================================================================
// Start, stop, write
// ============================================================================

namespace {

// process_name() is the program's file name (glibc keeps it whole; the
// kernel's comm is cut to 15 characters).
std::string process_name() {
  const char* name = program_invocation_short_name;
  return name != nullptr && *name != '\0' ? name : "knot process";
}

}  // namespace

void Recorder::start(const TraceOptions& options) {
  if (options.path.empty())
    throw Error(Errc::kInvalidOption, "knot trace: no file to write the trace to");
  if (options.sample_period.count() <= 0)
    throw Error(Errc::kInvalidOption, "knot trace: the sample period must be positive");
  if (options.max_events == 0)
    throw Error(Errc::kInvalidOption, "knot trace: max_events must be positive");
  knot::base::InternalLock lock(lifecycle_);
  if (is_recording())
    throw Error(Errc::kInvalidOption, "knot trace: already recording");
  // Touch the runtime's thread and pool lists now, so that they are
  // constructed before any exit handler that stops this trace is
  // registered (and so destroyed after it runs).
  (void)snapshot_threads();
  (void)snapshot_pools();

  data_ = TraceData{};
  has_last_ = false;
  data_.options = options;
  data_.pid = static_cast<std::int64_t>(::getpid());
  data_.process_name = process_name();
  {
    knot::base::InternalLock guard(buffers_mutex_);
    buffers_.clear();
  }
  {
    knot::base::InternalLock guard(fibers_mutex_);
    fiber_waits_.clear();
    fiber_done_.clear();
  }
  samples_.clear();
  last_sample_.clear();
  pool_names_.clear();
  num_counter_events_ = 0;
  num_kept_.store(0, std::memory_order_relaxed);
  num_dropped_.store(0, std::memory_order_relaxed);
  max_events_.store(options.max_events, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_relaxed);
  stop_requested_ = false;

  data_.wall_start = std::chrono::system_clock::now();
  data_.start = TraceClock::now();
  recording_.store(true, std::memory_order_release);
  try {
    sampler_ = std::thread([this, period = options.sample_period] { sampler_main(period); });
  } catch (const std::system_error& e) {
    recording_.store(false, std::memory_order_release);
    throw Error(Errc::kThreadCreation,
                std::string("knot trace: cannot start the sampler thread: ") + e.what());
  }
  // Chain in front of the installed observer. If another observer is
  // installed between here and stop(), it replaces this one (set_observer
  // has no compare-and-swap); stop() then leaves it in place.
  Observer* previous = set_observer(&observer_);
  next_.store(previous != &observer_ ? previous : nullptr, std::memory_order_release);
}

// Finished waits, then the open ones as unfinished, by start time.
void Recorder::collect_waits(TraceClock::time_point stop_time) {
  TraceData& d = data_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  {
    knot::base::InternalLock guard(buffers_mutex_);
    buffers.swap(buffers_);
  }
  for (const auto& b : buffers) {
    d.track_names[b->tid] = b->name;
    knot::base::InternalLock guard(b->mutex);
    for (WaitRecord& w : b->done)
      d.waits.push_back(std::move(w));
    for (WaitRecord& w : b->open) {
      w.end = std::max(stop_time, w.begin);
      w.is_finished = false;
      d.waits.push_back(std::move(w));
    }
    b->done.clear();
    b->open.clear();
    b->open_sites.clear();
  }
  {
    knot::base::InternalLock guard(fibers_mutex_);
    for (WaitRecord& w : fiber_done_)
      d.waits.push_back(std::move(w));
    fiber_done_.clear();
    for (auto& [site, f] : fiber_waits_) {
      (void)site;
      WaitRecord w = std::move(f.record);
      w.end = std::max(stop_time, w.begin);
      w.is_finished = false;
      d.waits.push_back(std::move(w));
    }
    fiber_waits_.clear();
  }
  std::sort(d.waits.begin(), d.waits.end(),
            [](const WaitRecord& a, const WaitRecord& b) { return a.begin < b.begin; });
}

void Recorder::name_tracks() {
  TraceData& d = data_;
  // Track names: what each thread was called when it first recorded, then
  // its current name if it still runs; fiber tasks by their records' names
  // where they still wait, else by index.
  for (const WaitRecord& w : d.waits) {
    if (w.is_fiber && d.track_names.count(w.track) == 0) {
      d.track_names[w.track] = "fiber task " + std::to_string(w.track - detail::kFiberTrackBase);
    }
  }
  for (const ThreadView& t : snapshot_threads()) {
    const std::int64_t track = t.is_fiber ? detail::kFiberTrackBase + t.index : t.os_thread_id;
    if (t.is_fiber && d.track_names.count(track) == 0)
      continue;  // a task with no wait in the trace
    d.track_names[track] = t.name;
  }
}

std::optional<TraceSummary> Recorder::stop() {
  knot::base::InternalLock lock(lifecycle_);
  if (!is_recording())
    return std::nullopt;
  recording_.store(false, std::memory_order_release);
  const auto stop_time = TraceClock::now();
  {
    std::lock_guard<std::mutex> sampler_lock(sampler_mutex_);
    stop_requested_ = true;
  }
  sampler_cv_.notify_all();
  sampler_.join();
  sample(/*is_final=*/true);
  // Unhook. Threads parked now still call this observer when they wake
  // (the runtime keeps the observer a wait began with), which is why it
  // lives as long as the process and keeps forwarding to `next_`.
  Observer* current = set_observer(next_.load(std::memory_order_acquire));
  if (current != &observer_)
    set_observer(current);  // someone installed theirs meanwhile: keep it

  data_.stop = stop_time;
  collect_waits(stop_time);
  name_tracks();
  TraceData& d = data_;
  d.samples = std::move(samples_);
  d.pool_names = pool_names_;
  d.num_counter_events = num_counter_events_;
  d.num_dropped = num_dropped_.load(std::memory_order_relaxed);
  has_last_ = true;

  TraceSummary summary;
  write(d, d.options.path, summary);
  return summary;
}

void Recorder::write(TraceData& data, const std::string& path, TraceSummary& summary) {
  summary.path = path;
  summary.num_wait_events = data.waits.size();
  summary.num_counter_events = data.num_counter_events;
  summary.num_dropped = data.num_dropped;
  std::string text;
  try {
    text = detail::trace_to_json(data);
  } catch (const std::bad_alloc&) {
    throw Error(std::make_error_code(std::errc::not_enough_memory),
                "knot trace: " + path + ": not enough memory to format the trace");
  }
  try {
    report::write_private_file(path, text);
  } catch (const report::ReportFileError& e) {
    const int os_error = e.os_error() != 0 ? e.os_error() : EINVAL;
    throw Error(std::error_code(os_error, std::generic_category()),
                std::string("knot trace: cannot write the trace: ") + e.what());
  }
}

TraceSummary Recorder::write_last(const std::string& path) {
  knot::base::InternalLock lock(lifecycle_);
  if (!has_last_)
    throw Error(Errc::kInvalidOption, "knot trace: no stopped trace to write");
  TraceSummary summary;
  write(data_, path, summary);
  return summary;
}

}  // namespace knot::instr::detail
