// The bodies of reprocess()'s four stage threads (reprocess_stages.h).
#include "reprocess_stages.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "knot/pipeline/hash.h"
#include "knot/pipeline/utf8.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/this_thread.h"
#include "knot/text/extract.h"

namespace knot::pipeline::detail {

namespace {

using Clock = std::chrono::steady_clock;

void add(std::atomic<std::int64_t>& counter, std::int64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

// extract_batch() runs stage 'reprocess' over one batch on the current pool:
// parallel_for with automatic pieces, like the seed's into_par_iter() (a
// piece is split further whenever it is stolen, which balances items of very
// different sizes), each result sent into "processed" by the worker that made
// it. A worker blocks in send while "processed" is full.
// page_stage() is the stage name of one page's extraction: "extract " and
// its path, control characters shown as '?' (file names are untrusted and
// reports reach terminals).
std::string page_stage(const std::string& path) {
  std::string name = "extract " + path;
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  }
  return name;
}

void extract_batch(StageContext& ctx, const ItemBatch& batch,
                   const Sender<Processed>& processed_tx) {
  const bool force = ctx.options->force;
  auto start = Clock::now();
  knot::parallel_for(std::size_t{0}, batch.size(), [&](std::size_t lo, std::size_t hi) {
    auto stage = knot::stage_scope("reprocess");
    Sender<Processed> tx = processed_tx;  // one handle per piece: handles are per thread
    for (std::size_t i = lo; i < hi; ++i) {
      if (ctx.cancelled.load(std::memory_order_relaxed)) {
        return;
      }
      Processed p;
      {
        // The page is the stage while it is extracted: a long-task report
        // names it (docs/pipeline.md, "Failure behaviour").
        auto page = knot::stage_scope(page_stage(batch[i].source_path));
        p = extract_one(batch[i], ctx.model_id, force);
      }
      add(ctx.counters.extracted, 1);
      add(ctx.counters.bytes, static_cast<std::int64_t>(batch[i].raw_html.size()));
      if (!p.result.warning.empty()) {
        add(ctx.counters.warnings, 1);
      }
      if (!tx.send(std::move(p))) {
        // Stage 'embed' is gone (it failed): stop.
        ctx.cancelled.store(true, std::memory_order_relaxed);
        return;
      }
      add(ctx.counters.processed_sent, 1);
    }
  });
  add(ctx.counters.extract_ns, elapsed_ns(start));
}

}  // namespace

Processed extract_one(const ItemInput& item, const std::string& model_id, bool force) {
  Processed p;
  ItemResult& r = p.result;
  r.id = item.id;
  r.extracted_content_hash = item.content_hash;
  r.extractor_version = text::kExtractorVersion;
  try {
    text::Article article = text::extract_article(item.raw_html);
    r.title = sanitize_utf8(article.title);
    r.text = sanitize_utf8(article.text);
    r.headings = sanitize_utf8(article.headings);
    if (r.text.empty()) {
      r.warning = "no article text found (broken or empty HTML)";
    }
  } catch (const std::exception& e) {
    r.title.clear();
    r.text.clear();
    r.headings.clear();
    r.warning = std::string("extraction failed: ") + e.what();
  }
  // The hash covers all a page's vector is made from (embed_article():
  // title, headings, text), so that a new title alone embeds it again.
  r.text_hash = content_hash({r.title, r.headings, r.text});
  p.needs_embedding = force || !item.model_id || *item.model_id != model_id ||
                      !item.embedded_text_hash || *item.embedded_text_hash != r.text_hash;
  return p;
}

void run_reader(StageContext& ctx, Sender<ItemBatch> items_tx) {
  knot::this_thread::set_name("reader");
  auto stage = knot::stage_scope("read");
  try {
    Store store = Store::open(ctx.db_path, ctx.options->store);
    std::int64_t after = 0;
    const std::size_t batch_size = std::max<std::size_t>(ctx.options->batch, 1);
    while (!ctx.cancelled.load(std::memory_order_relaxed)) {
      auto start = Clock::now();
      ItemBatch batch = store.read_batch(after, batch_size);
      add(ctx.counters.read_ns, elapsed_ns(start));
      if (batch.empty()) {
        break;
      }
      after = batch.back().id;
      add(ctx.counters.read, static_cast<std::int64_t>(batch.size()));
      if (!items_tx.send(std::move(batch))) {
        break;  // stage 'reprocess' is gone
      }
      add(ctx.counters.items_sent, 1);
    }
  } catch (...) {
    ctx.fail(std::current_exception());
  }
}

void run_extract(StageContext& ctx, Receiver<ItemBatch> items_rx, Sender<Processed> processed_tx,
                 ThreadPool& pool, PoolMode mode) {
  knot::this_thread::set_name("reprocess");
  auto stage = knot::stage_scope("reprocess");
  auto receive_loop = [&] {
    for (ItemBatch batch : items_rx) {
      add(ctx.counters.items_received, 1);
      if (ctx.cancelled.load(std::memory_order_relaxed)) {
        break;
      }
      if (mode == PoolMode::kShared) {
        // The seed: par_iter from this thread on the pool that the
        // tokenizer also uses.
        pool.install([&] { extract_batch(ctx, batch, processed_tx); });
      } else {
        extract_batch(ctx, batch, processed_tx);
      }
    }
  };
  try {
    if (mode == PoolMode::kShared) {
      receive_loop();
    } else {
      // The seed's fix: the whole stage runs inside its own pool.
      pool.install([&] {
        auto worker_stage = knot::stage_scope("reprocess");
        receive_loop();
      });
    }
  } catch (...) {
    ctx.fail(std::current_exception());
  }
}

namespace {

// EmbedStage is thread 'embed''s state: the batch waiting to be embedded and
// the batch of unchanged items waiting to be passed on to the writer.
class EmbedStage {
 public:
  EmbedStage(StageContext& ctx, Sender<ResultBatch>& tx, ThreadPool& pool)
      : ctx_(ctx),
        tx_(tx),
        pool_(pool),
        batch_size_(std::max<std::size_t>(ctx.options->embed_batch, 1)) {}

  // add() takes one message; false once the writer is gone.
  bool add(Processed p) {
    if (p.needs_embedding) {
      pending_.push_back(std::move(p.result));
      return pending_.size() < batch_size_ || embed_pending();
    }
    add_to(ctx_.counters.unchanged, 1);
    unchanged_.push_back(std::move(p.result));
    return unchanged_.size() < batch_size_ || send(unchanged_);
  }

  // finish() flushes both batches.
  bool finish() { return embed_pending() && send(unchanged_); }

 private:
  static void add_to(std::atomic<std::int64_t>& counter, std::int64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  // embed_pending() embeds the pending batch on the pool, then sends it to
  // the writer. Each text is tokenized and embedded in one stream
  // (Embedder::embed_text), so no text's token list is ever built: a page's
  // tokens would take about 40 bytes per byte of its text.
  bool embed_pending() {
    if (pending_.empty()) {
      return true;
    }
    const std::size_t n = pending_.size();
    std::vector<std::optional<std::vector<float>>> vectors(n);
    const text::Embedder& embedder = *ctx_.embedder;
    std::int64_t embed_ns = 0;
    // The seed's stage 3: a thread outside the pool that needs the pool's
    // workers. In shared mode they may all be blocked sending into
    // "processed", which only this thread drains.
    pool_.install([&] {
      const auto start = Clock::now();
      knot::parallel_for(
          std::size_t{0}, n,
          [&](std::size_t lo, std::size_t hi) {
            auto stage = knot::stage_scope("embed");
            for (std::size_t i = lo; i < hi; ++i) {
              const ItemResult& r = pending_[i];
              std::vector<float> v = embedder.embed_article(r.title, r.headings, r.text);
              // All zeros: the text has no words, so no vector.
              if (std::any_of(v.begin(), v.end(), [](float x) { return x != 0.0F; })) {
                vectors[i] = std::move(v);
              }
            }
          },
          knot::Grain{1});
      embed_ns = elapsed_ns(start);
    });
    add_to(ctx_.counters.embed_ns, embed_ns);
    std::int64_t num_vectors = 0;
    for (std::size_t i = 0; i < n; ++i) {
      ItemResult& r = pending_[i];
      r.updates_embedding = true;
      r.model_id = ctx_.model_id;
      r.embedding = std::move(vectors[i]);
      num_vectors += r.embedding.has_value() ? 1 : 0;
    }
    add_to(ctx_.counters.embedded, num_vectors);
    return send(pending_);
  }

  bool send(ResultBatch& batch) {
    if (batch.empty()) {
      return true;
    }
    ResultBatch out;
    out.swap(batch);
    batch.reserve(batch_size_);
    if (!tx_.send(std::move(out))) {
      return false;
    }
    add_to(ctx_.counters.embedded_sent, 1);
    return true;
  }

  StageContext& ctx_;
  Sender<ResultBatch>& tx_;
  ThreadPool& pool_;
  std::size_t batch_size_;
  ResultBatch pending_;
  ResultBatch unchanged_;
};

}  // namespace

void run_embed(StageContext& ctx, Receiver<Processed> processed_rx, Sender<ResultBatch> results_tx,
               ThreadPool& pool) {
  knot::this_thread::set_name("embed");
  auto stage = knot::stage_scope("embed");
  try {
    EmbedStage embed(ctx, results_tx, pool);
    bool is_writer_alive = true;
    for (Processed p : processed_rx) {
      add(ctx.counters.processed_received, 1);
      if (!embed.add(std::move(p))) {
        is_writer_alive = false;
        break;
      }
    }
    if (is_writer_alive && !ctx.cancelled.load(std::memory_order_relaxed)) {
      embed.finish();
    }
  } catch (...) {
    ctx.fail(std::current_exception());
  }
}

void run_writer(StageContext& ctx, Receiver<ResultBatch> results_rx) {
  knot::this_thread::set_name("writer");
  auto stage = knot::stage_scope("write");
  try {
    Store store = Store::open(ctx.db_path, ctx.options->store);
    for (ResultBatch batch : results_rx) {
      add(ctx.counters.embedded_received, 1);
      auto start = Clock::now();
      store.write_results(batch);
      add(ctx.counters.write_ns, elapsed_ns(start));
      add(ctx.counters.written, static_cast<std::int64_t>(batch.size()));
    }
  } catch (...) {
    ctx.fail(std::current_exception());
  }
}

}  // namespace knot::pipeline::detail
