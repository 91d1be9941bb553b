// knot-embed's commands: run each one, print its outcome, and turn failures
// into clear messages and exit codes (cli.h).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli_commands.h"
#include "knot/escape/escape.h"
#include "knot/pipeline/hnsw_index.h"
#include "knot/pipeline/hybrid_search.h"
#include "knot/pipeline/ingest.h"
#include "knot/pipeline/models.h"
#include "knot/pipeline/reprocess.h"
#include "knot/pipeline/search.h"
#include "knot/pipeline/store.h"
#include "knot/runtime/error.h"
#include "knot/text/embedder.h"
#include "knot/text/extract.h"
#include "progress.h"
#include "terminal_width.h"
#include "watchdog_hook.h"

namespace knot::pipeline::detail {

namespace {

// safe() is untrusted text (a file or folder name met while ingesting, a
// page's title, an error naming either) made fit for a terminal: control
// characters shown as escapes (knot::escape, every program's sanitizer).
std::string safe(std::string_view text) {
  return knot::escape::terminal_safe(text);
}

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

OpenOptions open_options(const CommonArgs& common, bool create) {
  OpenOptions options;
  options.create = create;
  options.busy_timeout = std::chrono::milliseconds(common.busy_timeout_ms);
  return options;
}

// Json keeps keys in the order they were set: the summaries read as written.
using Json = nlohmann::ordered_json;

// print_json() writes `json` as one line on stdout. A path that is not
// valid UTF-8 has its bad bytes replaced by U+FFFD: JSON is UTF-8.
void print_json(const Json& json) {
  std::printf("%s\n", json.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
}

// fail() prints `e` for `command` and returns the exit code it deserves.
int fail(std::string_view command, const CommonArgs& common, const std::exception& e) {
  std::string cmd(command);
  if (const auto* store_error = dynamic_cast<const StoreError*>(&e)) {
    if (store_error->code() == StoreErrc::kMissing) {
      std::fprintf(stderr,
                   "knot-embed %s: %s; create it with `knot-embed ingest PATH... --db %s`\n",
                   cmd.c_str(), safe(e.what()).c_str(), safe(common.db).c_str());
      return kExitUsage;
    }
    std::fprintf(stderr, "knot-embed %s: %s\n", cmd.c_str(), safe(e.what()).c_str());
    return kExitFailure;
  }
  if (const auto* knot_error = dynamic_cast<const knot::Error*>(&e)) {
    std::fprintf(stderr, "knot-embed %s: %s\n", cmd.c_str(), safe(knot_error->what()).c_str());
    return knot_error->code() == knot::make_error_code(knot::Errc::kNotSupported) ||
                   knot_error->code() == knot::make_error_code(knot::Errc::kInvalidOption)
               ? kExitUsage
               : kExitFailure;
  }
  if (dynamic_cast<const std::invalid_argument*>(&e) != nullptr) {
    std::fprintf(stderr, "knot-embed %s: %s\n", cmd.c_str(), safe(e.what()).c_str());
    return kExitUsage;
  }
  std::fprintf(stderr, "knot-embed %s: error: %s\n", cmd.c_str(), safe(e.what()).c_str());
  return kExitFailure;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

BlockingPolicy parse_policy(const std::string& policy) {
  if (policy == "compensate") {
    return BlockingPolicy::kCompensate;
  }
  if (policy == "fiber") {
    return BlockingPolicy::kFiber;
  }
  return BlockingPolicy::kBlock;
}

}  // namespace

// ---- ingest -------------------------------------------------------------------

namespace {

// print_ingest_report() names every path that was not stored as asked (on
// stderr) and prints the summary: a line, or JSON with --json.
void print_ingest_report(const IngestArgs& args, const IngestReport& report) {
  for (const std::string& missing : report.missing) {
    std::fprintf(stderr, "knot-embed ingest: %s: no such file or folder\n", safe(missing).c_str());
  }
  for (const SkippedFile& s : report.unusable) {
    std::fprintf(stderr, "knot-embed ingest: %s: %s\n", safe(s.path).c_str(),
                 safe(s.reason).c_str());
  }
  for (const SkippedFile& s : report.unreadable_folders) {
    std::fprintf(stderr, "knot-embed ingest: cannot read folder %s: %s\n", safe(s.path).c_str(),
                 safe(s.reason).c_str());
  }
  for (const SkippedFile& s : report.skipped) {
    std::fprintf(stderr, "knot-embed ingest: skipped %s: %s\n", safe(s.path).c_str(),
                 safe(s.reason).c_str());
  }
  for (const SkippedFile& s : report.same_file) {
    std::fprintf(stderr, "knot-embed ingest: not stored twice: %s is the %s (a hard link)\n",
                 safe(s.path).c_str(), safe(s.reason).c_str());
  }
  for (const SkippedFile& s : report.warnings) {
    std::fprintf(stderr, "knot-embed ingest: warning: %s: %s\n", safe(s.path).c_str(),
                 safe(s.reason).c_str());
  }
  if (args.common.json) {
    Json json;
    json["command"] = "ingest";
    json["db"] = args.common.db;
    json["files"] = report.files_seen;
    json["added"] = report.added;
    json["updated"] = report.updated;
    json["unchanged"] = report.unchanged;
    json["skipped"] = report.skipped.size();
    json["same_file"] = report.same_file.size();
    json["warnings"] = report.warnings.size();
    json["missing"] = report.missing.size();
    json["unusable"] = report.unusable.size();
    json["unreadable_folders"] = report.unreadable_folders.size();
    print_json(json);
  } else {
    std::printf(
        "ingest: %zu files (%s) into %s: %zu added, %zu updated, %zu unchanged, %zu skipped, "
        "%zu with warnings%s\n",
        report.files_seen, human_bytes(static_cast<double>(report.bytes_read)).c_str(),
        args.common.db.c_str(), report.added, report.updated, report.unchanged,
        report.skipped.size(), report.warnings.size(),
        report.same_file.empty()
            ? ""
            : (", " + std::to_string(report.same_file.size()) + " other names of stored files")
                  .c_str());
  }
}

}  // namespace

int run_ingest(const IngestArgs& args) {
  try {
    // When none of the paths exists there is nothing to ingest: fail before
    // the database is opened, so that none is created.
    const bool has_input = std::any_of(args.paths.begin(), args.paths.end(),
                                       [](const auto& p) { return argument_problem(p).empty(); });
    if (!has_input) {
      for (const std::string& path : args.paths) {
        std::fprintf(stderr, "knot-embed ingest: %s: %s\n", safe(path).c_str(),
                     argument_problem(path).c_str());
      }
      std::error_code ec;
      std::fprintf(
          stderr, "knot-embed ingest: nothing to ingest; %s %s\n", args.common.db.c_str(),
          std::filesystem::exists(args.common.db, ec) ? "is unchanged" : "was not created");
      return kExitFailure;
    }
    Store store = Store::open(args.common.db, open_options(args.common, /*create=*/true));
    std::vector<std::filesystem::path> paths(args.paths.begin(), args.paths.end());
    IngestOptions options;
    options.max_file_bytes = static_cast<std::uintmax_t>(args.max_file_bytes);
    IngestReport report = ingest(store, paths, options);
    print_ingest_report(args, report);
    // A bad argument fails the command; unreadable folders fail it only
    // when nothing at all could be read.
    const bool read_nothing = report.files_seen == 0 && !report.unreadable_folders.empty();
    return report.missing.empty() && report.unusable.empty() && !read_nothing ? kExitOk
                                                                              : kExitFailure;
  } catch (const std::exception& e) {
    return fail("ingest", args.common, e);
  }
}

// ---- reprocess --------------------------------------------------------------------

namespace {

// What one reprocess did, for its printers.
struct ReprocessOutcome {
  ReprocessResult result;
  std::optional<LsaUpdate> lsa;  // the learned model, when --model lsa
  std::string search_model;
  std::optional<std::string> final_report;
  bool hazards = false;
  std::vector<std::string> hazard_reports;
};

ReprocessOptions reprocess_options(const ReprocessArgs& args) {
  ReprocessOptions options;
  options.pools = args.pools == "shared" ? PoolMode::kShared : PoolMode::kSeparate;
  options.policy = parse_policy(args.policy);
  options.force = args.force;
  options.channel_capacity = args.channel_capacity;
  options.threads = args.threads;
  options.batch = args.batch;
  options.embed_batch = args.embed_batch;
  options.store = open_options(args.common, /*create=*/false);
  return options;
}

// progress_printer() draws on stderr: a line redrawn in place on a
// terminal, else a line every few seconds. The terminal's width is asked
// before each redraw (the window may be resized meanwhile); $COLUMNS is
// read once, here.
ProgressPrinter progress_printer(bool is_terminal) {
  const char* columns_env = std::getenv("COLUMNS");
  const std::optional<std::string> columns_text =
      columns_env != nullptr ? std::optional<std::string>(columns_env) : std::nullopt;
  return ProgressPrinter(stderr, is_terminal, std::chrono::seconds(2), [columns_text] {
    return terminal_width(STDERR_FILENO, columns_text ? columns_text->c_str() : nullptr)
        .value_or(ProgressPrinter::kDefaultColumns);
  });
}

// The first line: how the run is set up. With --json, stdout carries the
// JSON summary alone, so this line goes to stderr.
void print_reprocess_start(const ReprocessArgs& args, bool watchdog, bool hazards) {
  std::FILE* info = args.common.json ? stderr : stdout;
  std::fprintf(info,
               "reprocess: %s pools (%s), policy %s, channel \"processed\" capacity %zu%s%s%s\n",
               args.pools.c_str(), args.pools == "shared" ? "'global'" : "'extract' + 'global'",
               args.policy.c_str(), args.channel_capacity, args.force ? ", --force" : "",
               watchdog ? ", watchdog on" : ", watchdog off", hazards ? ", hazards on" : "");
  std::fflush(info);
}

// update_search_model() sets the search model after the run: the hashed
// one, or an LSA model learned anew when the texts changed.
void update_search_model(const ReprocessArgs& args, ModelChoice choice, ReprocessOutcome& out) {
  Store store = Store::open(args.common.db, open_options(args.common, /*create=*/false));
  if (choice == ModelChoice::kLsa) {
    out.lsa = update_lsa_model(store, text::LsaOptions{}, args.force);
  } else {
    use_hash_model(store);
  }
  out.search_model = out.lsa ? out.lsa->model_id : out.result.model_id;
}

// The JSON outputs (reprocess here, stats and search below) are one line
// per field, the output's schema written out (docs/pipeline.md): runs of
// `json["..."] = ...` that a duplicate finder pairs by shape alone.
void print_reprocess_json(const ReprocessArgs& args, const ReprocessOutcome& out, double rate,
                          double mb_rate) {
  const ReprocessResult& result = out.result;
  Json json;
  json["command"] = "reprocess";
  json["db"] = args.common.db;
  json["mode"] = result.mode;
  json["policy"] = args.policy;
  json["model"] = result.model_id;
  json["run_id"] = result.run_id;
  json["items"] = result.items;
  json["embedded"] = result.embedded;
  json["unchanged"] = result.unchanged;
  json["warnings"] = result.warnings;
  json["bytes"] = result.bytes;
  json["seconds"] = result.seconds;
  json["items_per_second"] = rate;
  json["mb_per_second"] = mb_rate;
  json["search_model"] = out.search_model;
  if (out.lsa) {
    json["lsa"] = Json{{"trained", out.lsa->trained},
                       {"reason", out.lsa->reason},
                       {"texts", out.lsa->texts},
                       {"passages", out.lsa->passages},
                       {"words", out.lsa->words},
                       {"train_seconds", out.lsa->train_seconds},
                       {"embed_seconds", out.lsa->embed_seconds}};
  }
  Json stages = Json::object();
  for (const StageTime& s : result.stages) {
    stages[s.stage] = s.seconds;
  }
  json["stage_seconds"] = stages;
  if (out.final_report) {
    json["final_report"] = *out.final_report;
  }
  if (out.hazards) {
    json["hazard_reports"] = out.hazard_reports;
  }
  print_json(json);
}

void print_reprocess_text(const ReprocessOutcome& out, double rate, double mb_rate) {
  const ReprocessResult& result = out.result;
  std::printf(
      "reprocess: %lld items in %.2f s (%.1f items/s, %.2f MB/s): %lld embedded, %lld "
      "unchanged, %lld with warnings; model %s\n",
      static_cast<long long>(result.items), result.seconds, rate, mb_rate,
      static_cast<long long>(result.embedded), static_cast<long long>(result.unchanged),
      static_cast<long long>(result.warnings), result.model_id.c_str());
  std::string stages;
  for (const StageTime& s : result.stages) {
    char part[64];
    std::snprintf(part, sizeof part, "%s%s %.2f s", stages.empty() ? "" : ", ", s.stage.c_str(),
                  s.seconds);
    stages += part;
  }
  std::printf("reprocess: stage busy time: %s\n", stages.c_str());
  if (out.lsa && out.lsa->trained) {
    std::printf(
        "reprocess: learned model %s from %zu texts and %zu passages of them (%zu words; %s) in "
        "%.2f s, embedded the texts in %.2f s\n",
        out.lsa->model_id.c_str(), out.lsa->texts, out.lsa->passages, out.lsa->words,
        out.lsa->reason.c_str(), out.lsa->train_seconds, out.lsa->embed_seconds);
  }
  std::printf("reprocess: search model %s\n", out.search_model.c_str());
  if (out.final_report) {
    std::printf("final report: %s\n", out.final_report->c_str());
  }
  if (out.hazards) {
    std::printf("reprocess: %zu potential deadlock%s\n", out.hazard_reports.size(),
                out.hazard_reports.size() == 1 ? "" : "s");
    for (const std::string& path : out.hazard_reports)
      std::printf("potential deadlock report: %s\n", path.c_str());
  }
}

}  // namespace

int run_reprocess(const ReprocessArgs& args) {
  try {
    // Check the database before the watchdog and pools start, so that a
    // missing file is reported as such.
    {
      Store check = Store::open(args.common.db, open_options(args.common, /*create=*/false));
      check.require_writable("reprocess");
    }
    const ModelChoice model_choice = parse_model_choice(args.model).value_or(ModelChoice::kLsa);
    std::unique_ptr<text::Embedder> embedder;
    {
      Store store = Store::open(args.common.db, open_options(args.common, /*create=*/false));
      embedder = pipeline_embedder(store, model_choice);
    }
    ReprocessOptions options = reprocess_options(args);
    const bool is_terminal = ::isatty(STDERR_FILENO) == 1;
    ProgressPrinter printer = progress_printer(is_terminal);
    if (!args.no_progress) {
      options.on_progress = [&printer](const ReprocessProgress& p) { printer(p); };
      options.progress_interval =
          is_terminal ? std::chrono::milliseconds(250) : std::chrono::milliseconds(1000);
    }
    const bool use_watchdog = !args.no_watchdog;
    ReprocessOutcome out;
    out.hazards = args.hazards || hazards_requested_by_environment();
    if (out.hazards)
      start_hazards(args.report_dir);
    if (use_watchdog) {
      WatchdogHookOptions wd;
      wd.report_dir = args.report_dir;
      wd.db_path = args.common.db;
      wd.exhaustion_threshold = std::chrono::milliseconds(args.exhaustion_threshold_ms);
      start_pipeline_watchdog(wd);
      options.on_run_started = [](std::int64_t id) { set_current_run(id); };
    }
    print_reprocess_start(args, use_watchdog, out.hazards);

    // The final report is taken while the pools still run (their workers
    // idle), so that it shows them; after reprocess() returns they are gone.
    if (use_watchdog && args.final_report) {
      options.on_stages_done = [&out] {
        out.final_report = request_final_report("knot-embed reprocess finished");
      };
    }
    out.result = reprocess(args.common.db, *embedder, options);
    printer.finish();
    update_search_model(args, model_choice, out);
    if (use_watchdog) {
      stop_pipeline_watchdog();
    }
    // Potential deadlocks: the cycles this run's waits formed, though it
    // completed (each also one line on stderr).
    if (out.hazards)
      out.hazard_reports = write_hazards();

    const double seconds = out.result.seconds;
    const double rate = seconds > 0 ? static_cast<double>(out.result.items) / seconds : 0;
    const double mb_rate = seconds > 0 ? static_cast<double>(out.result.bytes) / 1e6 / seconds : 0;
    if (args.common.json) {
      print_reprocess_json(args, out, rate, mb_rate);
    } else {
      print_reprocess_text(out, rate, mb_rate);
    }
    if (use_watchdog && args.final_report && !out.final_report) {
      std::fprintf(stderr, "knot-embed reprocess: the watchdog gave no final report\n");
    }
    return kExitOk;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    return fail("reprocess", args.common, e);
  }
}

// ---- search ---------------------------------------------------------------------

namespace {

// print_search_notices() says on stderr what a search had to repair or
// leave out.
void print_search_notices(const SearchOutcome& outcome) {
  if (!outcome.text_skipped.empty()) {
    std::fprintf(stderr, "knot-embed search: vectors only: %s\n",
                 safe(outcome.text_skipped).c_str());
  }
  if (!outcome.passages_skipped.empty()) {
    std::fprintf(stderr, "knot-embed search: whole pages only: %s\n",
                 safe(outcome.passages_skipped).c_str());
  }
  if (outcome.text_repair.was_rebuilt) {
    std::fprintf(stderr, "knot-embed search: rebuilt the full-text index: %s\n",
                 safe(outcome.text_repair.reason).c_str());
  }
  if (outcome.passage_repair.was_rebuilt) {
    std::fprintf(stderr, "knot-embed search: rebuilt the passages: %s\n",
                 safe(outcome.passage_repair.reason).c_str());
  }
  if (const std::optional<HnswIndexInfo>& info = outcome.hnsw_info; info && info->was_rebuilt) {
    std::fprintf(stderr, "knot-embed search: rebuilt the HNSW index %s (%zu vectors): %s%s\n",
                 safe(info->path.string()).c_str(), info->size, safe(info->rebuild_reason).c_str(),
                 info->is_persisted ? "" : " (database read-only: not saved)");
  }
}

void print_search_json(const SearchArgs& args, const SearchOutcome& outcome,
                       const std::string& model_id) {
  Json results = Json::array();
  for (const SearchHit& h : outcome.hits) {
    Json hit{{"id", h.id},
             {"score", static_cast<double>(h.score)},
             {"title", h.title},
             {"path", h.source_path}};
    if (outcome.used_text) {
      // Ranks in each list (null: not in it).
      auto rank = [](std::size_t r) { return r != 0 ? Json(r) : Json(nullptr); };
      hit["vector_rank"] = rank(h.vector_rank);
      hit["bm25_rank"] = rank(h.text_rank);
      hit["passage_rank"] = rank(h.passage_rank);
      if (outcome.used_vectors) {
        hit["passage_vector_rank"] = rank(h.passage_vector_rank);
      }
      hit["section"] = h.passage_rank != 0 ? Json(h.section) : Json(nullptr);
    }
    results.push_back(std::move(hit));
  }
  Json json;
  json["command"] = "search";
  json["query"] = args.query;
  json["mode"] = args.mode;
  json["index"] = args.index;
  json["model"] = model_id;
  json["results"] = std::move(results);
  print_json(json);
}

void print_search_text(const SearchArgs& args, const SearchOutcome& outcome,
                       const std::string& model_id) {
  const bool uses_text = outcome.used_text;
  const bool uses_vectors = outcome.used_vectors;
  const std::vector<SearchHit>& hits = outcome.hits;
  const std::string how = !uses_text      ? args.index
                          : !uses_vectors ? std::string("bm25")
                                          : "hybrid: bm25 + " + args.index;
  std::printf("search \"%s\" (%s, model %s): %zu results\n", safe(args.query).c_str(), how.c_str(),
              model_id.c_str(), hits.size());
  if (hits.empty()) {
    std::printf("  (nothing found; an empty database needs `knot-embed reprocess --db %s` first)\n",
                args.common.db.c_str());
  }
  int rank = 1;
  auto at = [](std::size_t r) { return r != 0 ? "#" + std::to_string(r) : std::string("-"); };
  for (const SearchHit& h : hits) {
    std::string ranks;
    if (uses_text) {
      ranks = "  [" + (uses_vectors ? "vector " + at(h.vector_rank) + ", " : std::string()) +
              "bm25 " + at(h.text_rank) + ", passage " + at(h.passage_rank) +
              (uses_vectors ? ", passage vector " + at(h.passage_vector_rank) : std::string()) +
              "]";
    }
    std::printf("%3d. %.4f  %s%s\n       %s\n", rank++, static_cast<double>(h.score),
                h.title.empty() ? "(untitled)" : safe(h.title).c_str(), ranks.c_str(),
                safe(h.source_path).c_str());
    if (!h.section.empty()) {
      std::printf("       section: %s\n", safe(h.section).c_str());
    }
  }
}

}  // namespace

int run_search(const SearchArgs& args) {
  try {
    Store store = Store::open(args.common.db, open_options(args.common, /*create=*/false));
    std::unique_ptr<text::Embedder> embedder = open_search_model(store);
    SearchRequest request;
    request.query = args.query;
    request.mode = parse_search_mode(args.mode).value_or(SearchMode::kHybrid);
    request.index = args.index == "hnsw" ? VectorIndex::kHnsw : VectorIndex::kExact;
    request.k = args.k;
    const SearchOutcome outcome = search(store, *embedder, request);
    print_search_notices(outcome);
    if (args.common.json) {
      print_search_json(args, outcome, embedder->model_id());
    } else {
      print_search_text(args, outcome, embedder->model_id());
    }
    return kExitOk;
  } catch (const std::exception& e) {
    return fail("search", args.common, e);
  }
}

// ---- stats ------------------------------------------------------------------------

int run_stats(const StatsArgs& args) {
  try {
    Store store = Store::open(args.common.db, open_options(args.common, /*create=*/false));
    // The search model, as named (stats still runs when it is damaged).
    const std::string current = store.search_model().value_or(std::string(text::kDefaultModelId));
    StoreStats s = store.stats(current, text::kExtractorVersion);
    if (args.common.json) {
      Json json;
      json["command"] = "stats";
      json["db"] = args.common.db;
      json["total"] = s.total;
      json["with_text"] = s.with_text;
      json["embedded"] = s.embedded;
      json["stale"] = s.stale;
      json["with_warnings"] = s.with_warnings;
      json["raw_bytes"] = s.raw_bytes;
      json["current_model"] = current;
      Json models = Json::object();
      for (const auto& [model, count] : s.models) {
        models[model] = count;
      }
      json["models"] = std::move(models);
      if (s.last_run) {
        const RunRecord& r = *s.last_run;
        json["last_run"] = Json{{"id", r.id},
                                {"command", r.command},
                                {"mode", r.mode},
                                {"started_at", r.started_at},
                                {"finished_at", r.finished_at},
                                {"status", r.status},
                                {"items", r.items},
                                {"embedded", r.embedded},
                                {"warnings", r.warnings},
                                {"duration_seconds", r.duration_seconds}};
      }
      print_json(json);
      return kExitOk;
    }
    std::printf("database: %s (schema %d%s), %s of raw HTML\n", args.common.db.c_str(),
                kSchemaVersion, store.is_read_only() ? ", read-only" : "",
                human_bytes(static_cast<double>(s.raw_bytes)).c_str());
    std::printf(
        "items:    %lld total, %lld with text, %lld embedded, %lld stale, %lld with "
        "warnings\n",
        static_cast<long long>(s.total), static_cast<long long>(s.with_text),
        static_cast<long long>(s.embedded), static_cast<long long>(s.stale),
        static_cast<long long>(s.with_warnings));
    std::printf("model:    %s (current), extractor version %d\n", current.c_str(),
                text::kExtractorVersion);
    for (const auto& [model, count] : s.models) {
      std::printf("models:   %s: %lld items\n", model.c_str(), static_cast<long long>(count));
    }
    if (s.last_run) {
      const RunRecord& r = *s.last_run;
      std::printf(
          "last run: #%lld %s (%s pools) started %s, %s: %lld items, %lld embedded, %lld "
          "warnings, %.2f s\n",
          static_cast<long long>(r.id), r.command.c_str(), r.mode.c_str(), r.started_at.c_str(),
          r.status.c_str(), static_cast<long long>(r.items), static_cast<long long>(r.embedded),
          static_cast<long long>(r.warnings), r.duration_seconds);
    } else {
      std::printf("last run: none\n");
    }
    return kExitOk;
  } catch (const std::exception& e) {
    return fail("stats", args.common, e);
  }
}

}  // namespace knot::pipeline::detail
