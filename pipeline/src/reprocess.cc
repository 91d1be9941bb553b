// reprocess(): builds the pools and the named channels, starts one thread
// per stage (reprocess_stages.cc), reports progress, joins, and records the
// run in the runs table.
#include "knot/pipeline/reprocess.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "knot/runtime/this_thread.h"
#include "reprocess_stages.h"

namespace knot::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t load(const std::atomic<std::int64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

// fill() is a channel's length from its stage counters, which each side
// bumps after its send or receive returned: at most `capacity`, although a
// receiver that has not counted yet can make the difference one more.
std::size_t fill(std::int64_t sent, std::int64_t received, std::size_t capacity) {
  const std::size_t n = sent > received ? static_cast<std::size_t>(sent - received) : 0;
  return n < capacity ? n : capacity;
}

PoolOccupancy occupancy(const ThreadPool& pool) {
  PoolSnapshot snap = pool.snapshot();
  PoolOccupancy o;
  o.name = snap.name;
  o.num_threads = snap.num_threads;
  o.running = snap.count(WorkerState::kRunning);
  o.parked = snap.count(WorkerState::kParked);
  o.idle = snap.count(WorkerState::kSearching) + snap.count(WorkerState::kSleeping);
  o.queued = snap.queued_jobs();
  o.spares = snap.num_spares;
  o.suspended = snap.num_suspended;
  return o;
}

// ProgressThread calls options.on_progress every interval until stopped.
class ProgressThread {
 public:
  ProgressThread(const ReprocessOptions& options, std::function<ReprocessProgress()> sample)
      : options_(options), sample_(std::move(sample)) {
    if (options_.on_progress) {
      thread_ = std::thread([this] { loop(); });
    }
  }
  ~ProgressThread() { stop(); }
  ProgressThread(const ProgressThread&) = delete;
  ProgressThread& operator=(const ProgressThread&) = delete;

  void stop() {
    if (!thread_.joinable()) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      is_stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  void loop() {
    knot::this_thread::set_name("progress");
    std::unique_lock<std::mutex> lock(mutex_);
    while (!cv_.wait_for(lock, options_.progress_interval, [this] { return is_stopping_; })) {
      lock.unlock();
      options_.on_progress(sample_());
      lock.lock();
    }
  }

  const ReprocessOptions& options_;
  std::function<ReprocessProgress()> sample_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool is_stopping_ = false;
  std::thread thread_;
};

}  // namespace

std::string_view to_string(PoolMode mode) noexcept {
  return mode == PoolMode::kShared ? "shared" : "separate";
}

ReprocessResult reprocess(const std::filesystem::path& db_path, const text::Embedder& embedder,
                          const ReprocessOptions& options) {
  // Pools first: a pool that cannot start throws before anything is recorded.
  PoolOptions global_options{
      .num_threads = options.threads, .name = "global", .policy = options.policy};
  ThreadPool global(global_options);
  std::optional<ThreadPool> extract;
  if (options.pools == PoolMode::kSeparate) {
    extract.emplace(
        PoolOptions{.num_threads = options.threads, .name = "extract", .policy = options.policy});
  }
  ThreadPool& extract_pool = extract ? *extract : global;

  Store store = Store::open(db_path, options.store);
  store.require_writable("reprocess");

  detail::StageContext ctx;
  ctx.db_path = db_path;
  ctx.options = &options;
  ctx.embedder = &embedder;
  ctx.model_id = embedder.model_id();

  ReprocessResult result;
  result.mode = std::string(to_string(options.pools));
  result.model_id = ctx.model_id;
  const std::int64_t total = store.count_items();

  RunRecord run;
  run.command = "reprocess";
  run.mode = result.mode;
  run.started_at = now_iso8601();
  run.status = "running";
  run.id = store.begin_run(run);
  result.run_id = run.id;
  if (options.on_run_started) {
    options.on_run_started(run.id);
  }

  const std::size_t batch_capacity = std::max<std::size_t>(options.batch_channel_capacity, 1);
  const std::size_t processed_capacity = std::max<std::size_t>(options.channel_capacity, 1);
  auto [items_tx, items_rx] = knot::channel<detail::ItemBatch>(batch_capacity, "items");
  auto [processed_tx, processed_rx] =
      knot::channel<detail::Processed>(processed_capacity, "processed");
  auto [results_tx, results_rx] = knot::channel<detail::ResultBatch>(batch_capacity, "embedded");

  const auto start = Clock::now();
  auto sample = [&] {
    const detail::Counters& c = ctx.counters;
    ReprocessProgress p;
    p.total = total;
    p.read = load(c.read);
    p.extracted = load(c.extracted);
    p.embedded = load(c.embedded);
    p.written = load(c.written);
    p.elapsed = Clock::now() - start;
    p.channels = {
        {"items", fill(load(c.items_sent), load(c.items_received), batch_capacity), batch_capacity},
        {"processed", fill(load(c.processed_sent), load(c.processed_received), processed_capacity),
         processed_capacity},
        {"embedded", fill(load(c.embedded_sent), load(c.embedded_received), batch_capacity),
         batch_capacity},
    };
    p.pools.push_back(occupancy(extract_pool));
    if (extract) {
      p.pools.push_back(occupancy(global));
    }
    return p;
  };

  {
    ProgressThread progress(options, sample);
    // Each thread receives its handles by move: when a stage ends, its
    // handles go with it and the channel closes for its neighbours.
    std::thread writer(
        [&ctx, rx = std::move(results_rx)]() mutable { detail::run_writer(ctx, std::move(rx)); });
    std::thread embed(
        [&ctx, &global, rx = std::move(processed_rx), tx = std::move(results_tx)]() mutable {
          detail::run_embed(ctx, std::move(rx), std::move(tx), global);
        });
    std::thread extractor([&ctx, &extract_pool, mode = options.pools, rx = std::move(items_rx),
                           tx = std::move(processed_tx)]() mutable {
      detail::run_extract(ctx, std::move(rx), std::move(tx), extract_pool, mode);
    });
    std::thread reader(
        [&ctx, tx = std::move(items_tx)]() mutable { detail::run_reader(ctx, std::move(tx)); });
    reader.join();
    extractor.join();
    embed.join();
    writer.join();
    progress.stop();
  }
  if (options.on_progress) {
    options.on_progress(sample());
  }
  if (options.on_stages_done) {
    options.on_stages_done();  // the pools still run until this function returns
  }

  const detail::Counters& c = ctx.counters;
  result.items = load(c.written);
  result.embedded = load(c.embedded);
  result.unchanged = load(c.unchanged);
  result.warnings = load(c.warnings);
  result.bytes = load(c.bytes);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  auto seconds = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
  result.stages = {{"read", seconds(load(c.read_ns))},
                   {"reprocess", seconds(load(c.extract_ns))},
                   {"embed", seconds(load(c.embed_ns))},
                   {"write", seconds(load(c.write_ns))}};

  std::exception_ptr error = ctx.error.get();
  run.finished_at = now_iso8601();
  run.status = error ? "failed" : "ok";
  run.items = result.items;
  run.embedded = result.embedded;
  run.warnings = result.warnings;
  run.duration_seconds = result.seconds;
  try {
    store.finish_run(run);
  } catch (const StoreError&) {
    if (!error) {
      throw;
    }
    // The stage's error says more than this one.
  }
  if (error) {
    std::rethrow_exception(error);
  }
  return result;
}

}  // namespace knot::pipeline
