// run_cli(): knot-embed's argument parsing with CLI11 (cli.h).
#include "knot/pipeline/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli_commands.h"

namespace knot::pipeline {

namespace {

constexpr int kExitUsage = 2;

void add_common(CLI::App* cmd, detail::CommonArgs& common) {
  cmd->add_option("--db", common.db, "the database file")->required();
  cmd->add_option("--busy-timeout-ms", common.busy_timeout_ms,
                  "how long to wait for another process's lock on the database")
      ->capture_default_str()
      ->check(CLI::Range(0LL, 3600000LL));
  cmd->add_flag("--json", common.json, "print a machine-readable summary on stdout");
}

// unknown_subcommand() is the first argument when it names no subcommand
// of `app` (knot-embed has no top-level option that takes a value, so the
// first word that is not an option is the subcommand); empty otherwise.
std::string unknown_subcommand(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.starts_with("-")) {
      continue;
    }
    const auto named =
        app.get_subcommands([&word](CLI::App* sub) { return sub->check_name(word); });
    return named.empty() ? word : std::string();
  }
  return {};
}

}  // namespace

// run_cli() is long on purpose: it is the command line's declaration, one
// block per subcommand with its options and their help, read top to bottom
// like the --help it produces; each command's work is a run_*() function.
int run_cli(int argc, char** argv) {
  CLI::App app{
      "knot-embed: keep HTML articles in SQLite, extract and embed them on knot's pipeline, "
      "and search them",
      "knot-embed"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "knot-embed " KNOT_VERSION);
  // Usage errors read "knot-embed: <what>", like every other message.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "knot-embed: " + std::string(e.what()) +
           "\nRun 'knot-embed --help' (or 'knot-embed COMMAND --help') for more.\n";
  });

  detail::IngestArgs ingest;
  CLI::App* ingest_cmd =
      app.add_subcommand("ingest", "walk files and folders of HTML into the database");
  ingest_cmd->add_option("paths", ingest.paths, "HTML files or folders")->required();
  add_common(ingest_cmd, ingest.common);
  ingest_cmd->add_option("--max-file-bytes", ingest.max_file_bytes, "skip larger files")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  detail::ReprocessArgs reprocess;
  CLI::App* reprocess_cmd = app.add_subcommand(
      "reprocess", "re-extract every item's text and embed what changed (the four-stage pipeline)");
  add_common(reprocess_cmd, reprocess.common);
  reprocess_cmd
      ->add_option("--pools", reprocess.pools,
                   "shared: extraction and tokenizer share pool 'global' (the stalled design; can "
                   "deadlock); separate: extraction on its own pool 'extract'")
      ->capture_default_str()
      ->check(CLI::IsMember({"shared", "separate"}));
  reprocess_cmd->add_option("--policy", reprocess.policy, "the pools' blocking policy")
      ->capture_default_str()
      ->check(CLI::IsMember({"block", "compensate", "fiber"}));
  reprocess_cmd->add_flag("--force", reprocess.force,
                          "re-embed every item (and learn the LSA model anew)");
  reprocess_cmd
      ->add_option("--model", reprocess.model,
                   "lsa: a model learned from the corpus (latent semantic analysis); hash: the "
                   "built-in hashed model")
      ->capture_default_str()
      ->check(CLI::IsMember({"lsa", "hash"}));
  reprocess_cmd
      ->add_option("--channel-capacity", reprocess.channel_capacity,
                   "capacity of channel \"processed\"")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  reprocess_cmd->add_option("--threads", reprocess.threads, "workers per pool (0: default)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1024}));
  reprocess_cmd->add_option("--batch", reprocess.batch, "items per batch read from the database")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  reprocess_cmd->add_option("--embed-batch", reprocess.embed_batch, "items per embedding batch")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  reprocess_cmd->add_flag("--no-watchdog", reprocess.no_watchdog,
                          "run without knot's watchdog (a deadlock then just hangs)");
  reprocess_cmd->add_option("--report-dir", reprocess.report_dir,
                            "where the watchdog writes reports (default: $KNOT_REPORT_DIR or "
                            "./knot-reports)");
  reprocess_cmd->add_flag("--final-report", reprocess.final_report,
                          "ask the watchdog for an on-demand report when the run ends");
  reprocess_cmd->add_flag("--hazards", reprocess.hazards,
                          "record the waits and report potential deadlocks (cycles that another "
                          "timing would close) when the run ends; KNOT_HAZARDS=1 does the same");
  reprocess_cmd
      ->add_option("--exhaustion-threshold-ms", reprocess.exhaustion_threshold_ms,
                   "pool exhaustion (fatal) after every worker is parked this long")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 3600000LL));
  reprocess_cmd->add_flag("--no-progress", reprocess.no_progress, "print no progress lines");

  detail::SearchArgs search;
  CLI::App* search_cmd = app.add_subcommand("search", "the articles most similar to a query");
  search_cmd->add_option("query", search.query, "what to search for")->required();
  add_common(search_cmd, search.common);
  search_cmd->add_option("-k", search.k, "how many results")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  search_cmd->add_option("--index", search.index, "exact: score every vector; hnsw: HNSW index")
      ->capture_default_str()
      ->check(CLI::IsMember({"exact", "hnsw"}));
  search_cmd
      ->add_option("--mode", search.mode,
                   "hybrid: BM25 and vectors fused; bm25: words only; vector: the model only")
      ->capture_default_str()
      ->check(CLI::IsMember({"hybrid", "bm25", "vector"}));

  detail::StatsArgs stats;
  CLI::App* stats_cmd = app.add_subcommand("stats", "counts, models and the last run");
  add_common(stats_cmd, stats.common);

  if (const std::string word = unknown_subcommand(app, argc, argv); !word.empty()) {
    std::fprintf(stderr,
                 "knot-embed: unknown subcommand '%s' (the commands: ingest, reprocess, search, "
                 "stats)\nRun 'knot-embed --help' for more.\n",
                 word.c_str());
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (ingest_cmd->parsed()) {
    return detail::run_ingest(ingest);
  }
  if (reprocess_cmd->parsed()) {
    return detail::run_reprocess(reprocess);
  }
  if (search_cmd->parsed()) {
    return detail::run_search(search);
  }
  return detail::run_stats(stats);
}

}  // namespace knot::pipeline
