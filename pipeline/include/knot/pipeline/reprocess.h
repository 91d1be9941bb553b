// reprocess(): the seed's four-stage pipeline on knot.
//
//   PoolMode            shared (the seed's design, which can deadlock) or separate (its fix)
//   ReprocessOptions    pools, policy, force, channel capacity, threads, batch sizes, progress
//   ReprocessProgress   what the progress callback sees
//   ReprocessResult     counts, bytes, each stage's busy time
//   reprocess()         runs the pipeline to the end
//
// The stages and the named bounded channels between them:
//
//   thread 'reader'      --"items"-->      stage 'reprocess'     --"processed"-->
//   (stage 'read')        batches           extract_article() in parallel_for on
//                                           pool 'global' (shared) or 'extract' (separate)
//
//   thread 'embed'       --"embedded"-->   thread 'writer'
//   (stage 'embed')       result batches    (stage 'write')
//   tokenize + embed changed items in batches   one transaction per batch
//   of 64, parallel_for on pool 'global'
//
// With PoolMode::kShared the extraction and the embed stage's tokenizer share
// pool 'global'. When "processed" fills, every worker of 'global' blocks
// sending into it while thread 'embed' waits for tokenizer tasks queued in
// 'global': the seed's deadlock, which knot's watchdog reports. With
// PoolMode::kSeparate stage 'reprocess' runs inside pool 'extract' through
// install(), and the pipeline completes.
//
// Shutdown and errors: each stage owns its channel handles and drops them
// when it ends, so a failing stage (a StoreError in the writer, say) closes
// its channels and the others wind down; reprocess() then rethrows the first
// error. Results are written in transactions, items are updated in place by
// id: a rerun after a crash or kill neither loses nor duplicates items.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "knot/pipeline/store.h"
#include "knot/runtime/options.h"
#include "knot/text/embedder.h"

namespace knot::pipeline {

enum class PoolMode {
  kShared,    // stage 'reprocess' and the tokenizer share pool 'global' (the seed)
  kSeparate,  // stage 'reprocess' runs on its own pool 'extract' (the seed's fix)
};

// ChannelFill is one channel's name, messages in it and capacity.
struct ChannelFill {
  std::string name;
  std::size_t size = 0;
  std::size_t capacity = 0;
};

// PoolOccupancy is one pool's workers by state, from its snapshot.
struct PoolOccupancy {
  std::string name;
  std::size_t num_threads = 0;
  std::size_t running = 0;
  std::size_t parked = 0;
  std::size_t idle = 0;  // searching or sleeping
  std::size_t queued = 0;
  std::size_t spares = 0;     // --policy compensate or fiber: spare threads among the above
  std::size_t suspended = 0;  // --policy fiber: tasks suspended in a wait
};

struct ReprocessProgress {
  std::int64_t total = 0;  // items in the database when the run started
  std::int64_t read = 0;
  std::int64_t extracted = 0;
  std::int64_t embedded = 0;
  std::int64_t written = 0;
  std::chrono::duration<double> elapsed{0};
  std::vector<ChannelFill> channels;
  std::vector<PoolOccupancy> pools;
};

struct ReprocessOptions {
  PoolMode pools = PoolMode::kSeparate;
  BlockingPolicy policy = BlockingPolicy::kBlock;
  // Re-embed every item, even those whose text and model did not change.
  bool force = false;
  // Capacity of channel "processed" (stage 'reprocess' -> stage 'embed').
  std::size_t channel_capacity = 64;
  // Capacity of channels "items" and "embedded" (batches).
  std::size_t batch_channel_capacity = 4;
  // Workers per pool; 0: knot's default (KNOT_NUM_THREADS or the core count).
  std::size_t threads = 0;
  // Items per batch read from the database. Larger than embed_batch, as in
  // the seed: stage 'embed' starts a batch while stage 'reprocess' is in the
  // middle of one, which is what lets the shared pools deadlock.
  std::size_t batch = 256;
  // Items per embedding batch (the seed's 64).
  std::size_t embed_batch = 64;
  // How the stages open the database.
  OpenOptions store;
  // Called with the id of the runs row this run inserted, before any stage starts.
  std::function<void(std::int64_t run_id)> on_run_started;
  // Called every progress_interval from a separate thread, and once at the end.
  std::function<void(const ReprocessProgress&)> on_progress;
  std::chrono::milliseconds progress_interval{500};
  // Called once on the calling thread after every stage has ended (or
  // failed) and before the pools stop: their workers are still alive, idle.
  // knot-embed asks the watchdog for its --final-report here, so that the
  // report shows the pools and their threads rather than an empty process.
  std::function<void()> on_stages_done;
};

// StageTime is how long a stage spent working (not waiting), summed over
// the threads that ran it.
struct StageTime {
  std::string stage;
  double seconds = 0;
};

struct ReprocessResult {
  std::int64_t run_id = 0;
  std::int64_t items = 0;      // items read, extracted and written back
  std::int64_t embedded = 0;   // items (re-)embedded
  std::int64_t unchanged = 0;  // items whose text and model were unchanged (not re-embedded)
  std::int64_t warnings = 0;   // items whose extraction left a warning (broken HTML, ...)
  std::int64_t bytes = 0;      // raw HTML bytes processed
  double seconds = 0;
  std::string mode;
  std::string model_id;
  std::vector<StageTime> stages;
};

// reprocess() runs the pipeline over every item of the database at
// `db_path` with `embedder`, records the run in the runs table and returns
// what it did. Throws StoreError (database trouble), knot::Error (a pool
// policy this runtime does not support, before anything runs). In shared
// mode it can deadlock by design: that is what the watchdog is for.
ReprocessResult reprocess(const std::filesystem::path& db_path, const text::Embedder& embedder,
                          const ReprocessOptions& options);

// to_string() of a PoolMode: "shared" or "separate".
std::string_view to_string(PoolMode mode) noexcept;

}  // namespace knot::pipeline
