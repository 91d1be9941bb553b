// The four stages of reprocess() (reprocess.h) and what they share: the
// message types of the channels, the counters the progress line reads, the
// first error. reprocess.cc builds the pools and channels, starts one thread
// per stage and joins them; each run_* function below is one thread's body.
//
// Each run_* takes its channel handles by value and drops them when it
// returns: that is how an ending (or failing) stage tells its neighbours.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/pipeline/reprocess.h"
#include "knot/pipeline/store.h"
#include "knot/runtime/channel.h"
#include "knot/runtime/thread_pool.h"
#include "knot/text/embedder.h"

namespace knot::pipeline::detail {

// Processed is one message of channel "processed": an item's extraction,
// and whether stage 'embed' must (re-)embed it.
struct Processed {
  ItemResult result;
  bool needs_embedding = false;
};

using ItemBatch = std::vector<ItemInput>;
using ResultBatch = std::vector<ItemResult>;

// Counters are relaxed atomics: the progress thread reads them as a racy
// snapshot; the final numbers are read after every stage thread was joined
// (join synchronizes).
struct Counters {
  std::atomic<std::int64_t> read{0};
  std::atomic<std::int64_t> extracted{0};
  std::atomic<std::int64_t> embedded{0};
  std::atomic<std::int64_t> unchanged{0};
  std::atomic<std::int64_t> written{0};
  std::atomic<std::int64_t> warnings{0};
  std::atomic<std::int64_t> bytes{0};
  // Messages through each channel (sent, received), for the fill display.
  std::atomic<std::int64_t> items_sent{0};
  std::atomic<std::int64_t> items_received{0};
  std::atomic<std::int64_t> processed_sent{0};
  std::atomic<std::int64_t> processed_received{0};
  std::atomic<std::int64_t> embedded_sent{0};
  std::atomic<std::int64_t> embedded_received{0};
  // Busy wall time per stage, in nanoseconds.
  std::atomic<std::int64_t> read_ns{0};
  std::atomic<std::int64_t> extract_ns{0};
  std::atomic<std::int64_t> embed_ns{0};
  std::atomic<std::int64_t> write_ns{0};
};

// FirstError keeps the first exception any stage threw.
class FirstError {
 public:
  void record(std::exception_ptr error) {
    knot::base::InternalLock lock(mutex_);
    if (!error_) {
      error_ = std::move(error);
    }
  }
  std::exception_ptr get() {
    knot::base::InternalLock lock(mutex_);
    return error_;
  }

 private:
  knot::base::InternalMutex mutex_;
  std::exception_ptr error_ KNOT_GUARDED_BY(mutex_);
};

// StageContext is what every stage reads. `cancelled` is set (relaxed is
// enough: it only makes stages stop early) when a stage failed.
struct StageContext {
  std::filesystem::path db_path;
  const ReprocessOptions* options = nullptr;
  const text::Embedder* embedder = nullptr;
  std::string model_id;
  Counters counters;
  FirstError error;
  std::atomic<bool> cancelled{false};

  void fail(std::exception_ptr e) {
    error.record(std::move(e));
    cancelled.store(true, std::memory_order_relaxed);
  }
};

// extract_one() is stage 'reprocess' for one item: extract title and text
// (broken HTML gives empty text and a warning, never an exception), hash the
// text, decide whether it needs embedding.
Processed extract_one(const ItemInput& item, const std::string& model_id, bool force);

// Stage 1, thread 'reader': read the items in batches into "items".
void run_reader(StageContext& ctx, Sender<ItemBatch> items_tx);

// Stage 2, stage 'reprocess': extract each batch with parallel_for on
// `pool` and send every item into "processed". kShared: the calling thread
// installs each batch's loop into `pool`, as the seed's par_iter does on the
// global pool. kSeparate: the whole receive loop runs inside `pool` (the
// seed's fix, pool.install).
void run_extract(StageContext& ctx, Receiver<ItemBatch> items_rx, Sender<Processed> processed_tx,
                 ThreadPool& pool, PoolMode mode);

// Stage 3, thread 'embed': drain "processed"; batch the items that need
// embedding, tokenize and embed each batch with parallel_for on `pool`, and
// send results into "embedded".
void run_embed(StageContext& ctx, Receiver<Processed> processed_rx, Sender<ResultBatch> results_tx,
               ThreadPool& pool);

// Stage 4, thread 'writer': write each batch from "embedded" in one transaction.
void run_writer(StageContext& ctx, Receiver<ResultBatch> results_rx);

// elapsed_ns() since `start`, for the busy-time counters.
inline std::int64_t elapsed_ns(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start)
      .count();
}

}  // namespace knot::pipeline::detail
