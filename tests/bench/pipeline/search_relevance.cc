// knot_search_relevance: how well knot-embed's search finds the right page,
// and how fast (issue #18).
//
// Reads a relevance set (tests/pipeline/data/python_docs_relevance.json by
// default, or sqlite_docs_relevance.json: the corpus's Debian package and
// folder, and queries, each with the pages that answer it), runs every
// query through knot::pipeline::search() in each mode, and prints per mode:
//
//   recall@3, recall@10  the share of queries with at least one relevant
//                        page in the top 3 (top 10): "is the right page on
//                        the first screen"
//   MRR@10               the mean over queries of 1 / (rank of the first
//                        relevant page), 0 when none is in the top 10
//   p50, p99             query latency over every run of every query
//                        (the library call `knot-embed search` makes,
//                        without process start-up), in milliseconds
//
// for each model (--models): the hashed model, and the LSA model learned
// from the corpus. A hit is relevant when its stored path ends with "/" + a
// listed path. A database is made in a temporary folder (or at --db, which
// must not exist yet): ingest of --corpus (default: the set's folder),
// reprocess with the hashed model, the rows of "hash", then the LSA model
// learned and installed as `knot-embed reprocess --model lsa` does, the
// rows of "lsa".
//
// Usage: knot_search_relevance [--relevance FILE] [--corpus DIR] [--db FILE]
//          [--models hash,lsa] [--modes hybrid,bm25,vector] [--repeat N]
//          [--misses] [--quick] [--meaning-depth N] [--lsa-seed N]
//          [--lsa-iterations N] [--min-recall3 X] [--min-mrr10 X]
//
// --meaning-depth: how many of BM25's best passages hybrid search ranks
// again by meaning (SearchRequest::meaning_depth; 0 leaves that list out).
// --lsa-seed, --lsa-iterations: the LSA model's random seed and subspace
// iterations (LsaOptions), to see how much the figures owe to the
// randomized decomposition's draw.
//
// Exit codes: 0, 1 (an error), 2 (no corpus, or --db exists), 3 (hybrid
// recall@3 of the last model below --min-recall3, or its MRR@10 below
// --min-mrr10).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "knot/pipeline/hybrid_search.h"
#include "knot/pipeline/ingest.h"
#include "knot/pipeline/models.h"
#include "knot/pipeline/reprocess.h"
#include "knot/pipeline/store.h"
#include "knot/text/embedder.h"

#ifndef KNOT_RELEVANCE_SET
#define KNOT_RELEVANCE_SET ""
#endif

namespace fs = std::filesystem;
using knot::pipeline::SearchMode;

namespace {

struct Query {
  std::string text;
  std::vector<std::string> relevant;  // paths relative to the corpus root
};

struct RelevanceSet {
  std::string package;  // the Debian package of the corpus ("python3.11-doc")
  std::string folder;   // where it installs the pages, the root of `relevant`
  std::vector<Query> queries;
};

RelevanceSet read_set(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read the relevance set " + path.string());
  }
  const nlohmann::json j = nlohmann::json::parse(in);
  RelevanceSet set;
  set.package = j.at("corpus").get<std::string>();
  set.folder = j.at("folder").get<std::string>();
  for (const nlohmann::json& q : j.at("queries")) {
    set.queries.push_back(
        Query{q.at("query").get<std::string>(), q.at("relevant").get<std::vector<std::string>>()});
  }
  return set;
}

bool is_relevant(const std::string& hit_path, const Query& q) {
  return std::any_of(q.relevant.begin(), q.relevant.end(), [&](const std::string& r) {
    const std::string suffix = "/" + r;
    return hit_path.size() >= suffix.size() &&
           hit_path.compare(hit_path.size() - suffix.size(), suffix.size(), suffix) == 0;
  });
}

struct ModeResult {
  std::string model;
  SearchMode mode{};
  double recall3 = 0;
  double recall10 = 0;
  double mrr10 = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

ModeResult measure(knot::pipeline::Store& store, const knot::text::Embedder& embedder,
                   const RelevanceSet& set, SearchMode mode, std::size_t meaning_depth, int repeat,
                   bool show_misses) {
  ModeResult r;
  r.model = embedder.model_id();
  r.mode = mode;
  std::vector<double> latencies;
  for (const Query& q : set.queries) {
    knot::pipeline::SearchRequest request;
    request.query = q.text;
    request.mode = mode;
    request.k = 10;
    request.meaning_depth = meaning_depth;
    knot::pipeline::SearchOutcome outcome;
    for (int i = 0; i < repeat; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      outcome = knot::pipeline::search(store, embedder, request);
      const auto t1 = std::chrono::steady_clock::now();
      latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::size_t first = 0;  // 1-based rank of the first relevant hit
    for (std::size_t i = 0; i < outcome.hits.size() && first == 0; ++i) {
      if (is_relevant(outcome.hits[i].source_path, q)) {
        first = i + 1;
      }
    }
    r.recall3 += first != 0 && first <= 3 ? 1 : 0;
    r.recall10 += first != 0 ? 1 : 0;
    r.mrr10 += first != 0 ? 1.0 / static_cast<double>(first) : 0;
    if (show_misses && (first == 0 || first > 3)) {
      std::printf("  %s %-6s miss  \"%s\" (wanted %s, rank %s):", embedder.model_id().c_str(),
                  std::string(to_string(mode)).c_str(), q.text.c_str(), q.relevant.front().c_str(),
                  first == 0 ? "-" : std::to_string(first).c_str());
      for (std::size_t i = 0; i < std::min<std::size_t>(3, outcome.hits.size()); ++i) {
        std::printf(" %s", fs::path(outcome.hits[i].source_path).filename().c_str());
      }
      std::printf("\n");
    }
  }
  const auto n = static_cast<double>(set.queries.size());
  r.recall3 /= n;
  r.recall10 /= n;
  r.mrr10 /= n;
  r.p50_ms = percentile(latencies, 0.50);
  r.p99_ms = percentile(latencies, 0.99);
  return r;
}

// make_database() ingests `corpus` into `db` and reprocesses it with the
// hashed model.
void make_database(const fs::path& db, const fs::path& corpus,
                   const knot::text::Embedder& embedder) {
  {
    knot::pipeline::OpenOptions open;
    open.create = true;
    knot::pipeline::Store store = knot::pipeline::Store::open(db, open);
    const knot::pipeline::IngestReport report = knot::pipeline::ingest(store, {corpus});
    std::fprintf(stderr, "ingested %zu files from %s\n", report.added + report.updated,
                 corpus.c_str());
  }
  const knot::pipeline::ReprocessResult result =
      knot::pipeline::reprocess(db, embedder, knot::pipeline::ReprocessOptions{});
  knot::pipeline::Store store = knot::pipeline::Store::open(db);
  knot::pipeline::use_hash_model(store);
  std::fprintf(stderr, "reprocessed: model %s\n", result.model_id.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"knot-embed search relevance and latency over a judged query set"};
  std::string relevance = KNOT_RELEVANCE_SET;
  std::string corpus;
  std::string db;
  std::vector<std::string> models = {"hash", "lsa"};
  std::vector<std::string> modes = {"hybrid", "bm25", "vector"};
  int repeat = 5;
  bool misses = false;
  bool quick = false;
  double min_recall3 = 0;
  double min_mrr10 = 0;
  std::size_t meaning_depth = knot::pipeline::kMeaningDepth;
  knot::text::LsaOptions lsa_options;
  app.add_option("--relevance", relevance, "the relevance set (JSON)");
  app.add_option("--min-recall3", min_recall3,
                 "fail (exit 3) when hybrid search over the last model finds less")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--min-mrr10", min_mrr10,
                 "fail (exit 3) when hybrid search over the last model ranks lower")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--corpus", corpus, "the HTML folder to ingest (default: the set's folder)");
  app.add_option("--db", db, "where to make the database (default: a temporary folder)");
  app.add_option("--models", models, "embedding models to measure")
      ->delimiter(',')
      ->check(CLI::IsMember({"hash", "lsa"}));
  app.add_option("--modes", modes, "search modes to measure")
      ->delimiter(',')
      ->check(CLI::IsMember({"hybrid", "bm25", "vector"}));
  app.add_option("--repeat", repeat, "runs of each query for the latency")
      ->check(CLI::PositiveNumber);
  app.add_flag("--misses", misses, "list the queries whose top 3 has no relevant page");
  app.add_option("--meaning-depth", meaning_depth,
                 "BM25's best passages hybrid search ranks again by meaning (0: none)");
  app.add_option("--lsa-seed", lsa_options.seed, "the LSA model's random seed");
  app.add_option("--lsa-iterations", lsa_options.power_iterations,
                 "the LSA model's subspace iterations")
      ->check(CLI::Range(0, 100));
  app.add_flag("--quick", quick, "the first 10 queries, one run each (a smoke test)");
  CLI11_PARSE(app, argc, argv);
  fs::path temp_dir;
  int status = 0;
  try {
    RelevanceSet set = read_set(relevance);
    if (quick) {
      set.queries.resize(std::min<std::size_t>(10, set.queries.size()));
      repeat = 1;
    }
    if (corpus.empty()) {
      corpus = set.folder;
    }
    if (!fs::is_directory(corpus)) {
      std::fprintf(stderr, "knot_search_relevance: no corpus at %s (Debian: %s)\n", corpus.c_str(),
                   set.package.c_str());
      return 2;
    }
    if (db.empty()) {
      temp_dir = fs::temp_directory_path() /
                 ("knot-relevance-" + std::to_string(static_cast<long>(::getpid())));
      fs::create_directories(temp_dir);
      db = (temp_dir / "corpus.db").string();
    } else if (fs::exists(db)) {
      std::fprintf(stderr, "knot_search_relevance: %s exists; name a new file\n", db.c_str());
      return 2;
    }
    std::unique_ptr<knot::text::Embedder> hashed = knot::text::make_default_embedder();
    make_database(db, corpus, *hashed);
    knot::pipeline::Store store = knot::pipeline::Store::open(db);
    std::printf("%zu queries, %d run%s each\n\n", set.queries.size(), repeat,
                repeat == 1 ? "" : "s");
    std::vector<ModeResult> results;
    for (const std::string& model : models) {
      if (model == "lsa") {
        const knot::pipeline::LsaUpdate u = knot::pipeline::update_lsa_model(store, lsa_options);
        std::fprintf(stderr,
                     "learned %s: %zu words from %zu texts and %zu passages in %.2f s, embedded "
                     "in %.2f s\n",
                     u.model_id.c_str(), u.words, u.texts, u.passages, u.train_seconds,
                     u.embed_seconds);
      } else {
        knot::pipeline::use_hash_model(store);
      }
      const std::unique_ptr<knot::text::Embedder> embedder =
          knot::pipeline::open_search_model(store);
      for (const std::string& name : modes) {
        results.push_back(measure(store, *embedder, set, *knot::pipeline::parse_search_mode(name),
                                  meaning_depth, repeat, misses));
      }
    }
    std::printf("\n| model | mode | recall@3 | recall@10 | MRR@10 | p50 ms | p99 ms |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|\n");
    for (const ModeResult& r : results) {
      std::string mode(to_string(r.mode));
      if (r.mode == SearchMode::kHybrid && meaning_depth != knot::pipeline::kMeaningDepth) {
        mode += ", meaning depth " + std::to_string(meaning_depth);
      }
      std::printf("| %s | %s | %.3f | %.3f | %.3f | %.2f | %.2f |\n", r.model.c_str(), mode.c_str(),
                  r.recall3, r.recall10, r.mrr10, r.p50_ms, r.p99_ms);
    }
    // A quality floor, for ctest: hybrid search with the last model measured.
    for (auto it = results.rbegin(); it != results.rend(); ++it) {
      if (it->mode == SearchMode::kHybrid) {
        if (it->recall3 < min_recall3) {
          std::fprintf(stderr, "knot_search_relevance: hybrid recall@3 %.3f is below %.3f\n",
                       it->recall3, min_recall3);
          status = 3;
        }
        if (it->mrr10 < min_mrr10) {
          std::fprintf(stderr, "knot_search_relevance: hybrid MRR@10 %.3f is below %.3f\n",
                       it->mrr10, min_mrr10);
          status = 3;
        }
        break;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knot_search_relevance: %s\n", e.what());
    status = 1;
  }
  if (!temp_dir.empty()) {
    std::error_code ignored;
    fs::remove_all(temp_dir, ignored);
  }
  return status;
}
