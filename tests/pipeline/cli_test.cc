// Tests of the knot-embed executable (run as a child process, killed by its
// PID if it overstays): the whole flow on the fixture corpus, exit codes and
// messages for a missing database, an unsupported policy, a usage error, a
// corrupted file, and --json output.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "knot/report/report_file.h"
#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using std::chrono::seconds;
using testing::run_child;
using testing::TempDir;
using Json = nlohmann::json;

// parse() reads a command's --json output (one line), or fails the test.
Json parse(const std::string& out) {
  Json j = Json::parse(out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j;
}

const std::string kEmbed = KNOT_EMBED_PATH;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ingest, reprocess (separate, watchdog on, final report), search (exact and
// hnsw), stats: each exits 0 and says what it did.
TEST(CliTest, WholeFlowOnTheCorpus) {
  TempDir dir;
  std::string db = (dir / "cli.db").string();
  std::string reports = (dir / "reports").string();
  auto r = run_child({kEmbed, "ingest", testing::corpus_dir().string(), "--db", db}, dir.path(),
                     seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "30 added")) << r.out;

  r = run_child({kEmbed, "reprocess", "--db", db, "--threads", "2", "--report-dir", reports,
                 "--final-report"},
                dir.path(), seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "30 items")) << r.out;
  EXPECT_TRUE(contains(r.out, "30 embedded")) << r.out;
  EXPECT_TRUE(contains(r.out, "final report: " + reports)) << r.out;
  EXPECT_TRUE(contains(r.err, "progress:")) << r.err;  // plain lines: stderr is not a terminal
  // The default model is learned from the corpus (LSA) and searched with.
  EXPECT_TRUE(contains(r.out, "learned model knot-lsa-")) << r.out;
  EXPECT_TRUE(contains(r.out, "from 30 texts")) << r.out;
  EXPECT_TRUE(contains(r.out, "search model knot-lsa-")) << r.out;

  for (const char* index : {"exact", "hnsw"}) {
    r = run_child({kEmbed, "search", "moons of Jupiter through a telescope", "--db", db, "-k", "3",
                   "--index", index},
                  dir.path(), seconds(60));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::size_t first = r.out.find("  1. ");
    ASSERT_NE(first, std::string::npos) << r.out;
    std::string first_hit = r.out.substr(first, r.out.find("  2. ") - first);
    EXPECT_TRUE(contains(first_hit, "01-astronomy.html")) << index << "\n" << r.out;
    EXPECT_TRUE(contains(first_hit, "Jupiter")) << r.out;
  }

  // Full-text search alone, and the hybrid default with each hit's ranks.
  r = run_child({kEmbed, "search", "moons of Jupiter through a telescope", "--db", db, "-k", "3",
                 "--mode", "bm25"},
                dir.path(), seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "(bm25, model")) << r.out;
  EXPECT_TRUE(contains(r.out, "[bm25 #1, passage #")) << r.out;
  EXPECT_TRUE(contains(r.out.substr(0, r.out.find("  2. ")), "01-astronomy.html")) << r.out;
  r = run_child(
      {kEmbed, "search", "moons of Jupiter through a telescope", "--db", db, "-k", "3", "--json"},
      dir.path(), seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse(r.out);
  EXPECT_EQ(j["mode"], "hybrid") << r.out;
  ASSERT_FALSE(j["results"].empty()) << r.out;
  EXPECT_EQ(j["results"][0]["vector_rank"], 1) << r.out;
  EXPECT_EQ(j["results"][0]["bm25_rank"], 1) << r.out;
  EXPECT_EQ(j["results"][0]["passage_rank"], 1) << r.out;
  EXPECT_TRUE(j["results"][0]["section"].is_string()) << r.out;

  EXPECT_TRUE(j["model"].get<std::string>().starts_with("knot-lsa-")) << r.out;

  r = run_child({kEmbed, "stats", "--db", db}, dir.path(), seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "30 total, 30 with text, 30 embedded, 0 stale")) << r.out;
  EXPECT_TRUE(contains(r.out, "reprocess (separate pools)")) << r.out;

  r = run_child({kEmbed, "stats", "--db", db, "--json"}, dir.path(), seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse(r.out);
  EXPECT_EQ(j["total"], 30) << r.out;
  EXPECT_EQ(j["last_run"]["status"], "ok") << r.out;

  // With --json, stdout is the JSON summary alone (the settings line goes to stderr).
  r = run_child({kEmbed, "reprocess", "--db", db, "--no-watchdog", "--no-progress", "--json"},
                dir.path(), seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse(r.out);
  EXPECT_EQ(j["command"], "reprocess") << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  EXPECT_TRUE(contains(r.err, "reprocess: separate pools")) << r.err;
  // Nothing changed: the model stays.
  EXPECT_EQ(j["lsa"]["trained"], false) << r.out;
  EXPECT_TRUE(j["search_model"].get<std::string>().starts_with("knot-lsa-")) << r.out;

  // --model hash: the hashed model is the search model, and is searched with.
  r = run_child(
      {kEmbed, "reprocess", "--db", db, "--no-watchdog", "--no-progress", "--model", "hash"},
      dir.path(), seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "30 embedded")) << r.out;
  EXPECT_TRUE(contains(r.out, "search model knot-hash-384-v1")) << r.out;
  r = run_child({kEmbed, "search", "moons of Jupiter through a telescope", "--db", db, "-k", "1",
                 "--mode", "vector"},
                dir.path(), seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "model knot-hash-384-v1")) << r.out;
  EXPECT_TRUE(contains(r.out, "01-astronomy.html")) << r.out;

  // Re-ingesting the same corpus changes nothing.
  r = run_child({kEmbed, "ingest", testing::corpus_dir().string(), "--db", db}, dir.path(),
                seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 added, 0 updated, 30 unchanged")) << r.out;
}

// Regression: --final-report was taken after the pools had stopped and
// said "on-demand report: 0 threads, 0 parked, 0 pools". It is now taken
// while they still run: both pools and their workers are in it.
TEST(CliTest, FinalReportShowsTheRunningPools) {
  TempDir dir;
  std::string db = (dir / "final.db").string();
  std::string reports = (dir / "reports").string();
  auto r = run_child({kEmbed, "ingest", testing::corpus_dir().string(), "--db", db}, dir.path(),
                     seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_child({kEmbed, "reprocess", "--db", db, "--threads", "2", "--report-dir", reports,
                 "--final-report", "--no-progress"},
                dir.path(), seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string prefix = "final report: ";
  const std::size_t at = r.out.find(prefix);
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::size_t end = r.out.find('\n', at);
  const std::string path = r.out.substr(at + prefix.size(), end - at - prefix.size());

  const knot::report::ParseResult parsed = knot::report::read_report_file(path);
  ASSERT_TRUE(parsed.report) << path;
  const knot::report::Report& report = *parsed.report;
  std::vector<std::string> pools;
  for (const auto& pool : report.pools) {
    pools.push_back(pool.name);
    EXPECT_EQ(pool.num_threads, 2u) << pool.name;
  }
  std::sort(pools.begin(), pools.end());
  EXPECT_EQ(pools, (std::vector<std::string>{"extract", "global"})) << report.summary;
  const auto workers = std::count_if(report.threads.begin(), report.threads.end(),
                                     [](const auto& t) { return t.role == "worker"; });
  EXPECT_GE(workers, 4) << report.summary;
  EXPECT_FALSE(contains(report.summary, "0 threads")) << report.summary;
  EXPECT_FALSE(contains(report.summary, " 0 pools")) << report.summary;
}

// reprocess, search and stats on a missing database: exit 2, a message that
// names the file and says how to create it; nothing is created.
TEST(CliTest, MissingDatabaseExitsTwo) {
  TempDir dir;
  std::string db = (dir / "missing.db").string();
  const std::vector<std::vector<std::string>> commands = {
      {kEmbed, "reprocess", "--db", db, "--no-watchdog"},
      {kEmbed, "search", "anything", "--db", db},
      {kEmbed, "stats", "--db", db}};
  for (const auto& argv : commands) {
    auto r = run_child(argv, dir.path(), seconds(30));
    EXPECT_EQ(r.exit_code, 2) << argv[1] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "missing.db' does not exist")) << r.err;
    EXPECT_TRUE(contains(r.err, "knot-embed ingest")) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(db));
}

// A --policy or --pools value outside the choices is a usage error: exit 2.
TEST(CliTest, UnknownPolicyOrPoolsExitsTwo) {
  TempDir dir;
  std::string db = (dir / "p.db").string();
  auto r = run_child({kEmbed, "ingest", testing::corpus_dir().string(), "--db", db}, dir.path(),
                     seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_child({kEmbed, "reprocess", "--db", db, "--policy", "spin"}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_child({kEmbed, "reprocess", "--db", db, "--pools", "many"}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// Usage errors exit 2 with one "knot-embed: ..." message; an unknown
// subcommand is named as such; --version prints the project's version.
TEST(CliTest, UsageErrorsExitTwoAndVersion) {
  TempDir dir;
  auto r = run_child({kEmbed, "frob"}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("knot-embed: unknown subcommand 'frob'", 0), 0u) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{kEmbed},
        {kEmbed, "ingest"},
        {kEmbed, "stats", "--frob"},
        {kEmbed, "search", "q", "--db", "x.db", "-k", "0"}}) {
    r = run_child(argv, dir.path(), seconds(30));
    EXPECT_EQ(r.exit_code, 2) << argv.size() << ": " << r.err;
    EXPECT_EQ(r.err.rfind("knot-embed: ", 0), 0u) << r.err;
  }

  r = run_child({kEmbed, "--version"}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "knot-embed " KNOT_VERSION "\n");
}

// Regression: `knot-embed ingest /nonexistent` created an empty database.
// With no existing path it now fails (exit 1) and creates nothing; an
// existing database is left as it was.
TEST(CliTest, IngestOfNothingCreatesNoDatabase) {
  TempDir dir;
  const std::string db = (dir / "never.db").string();
  const std::string missing = (dir / "nonexistent").string();
  auto r = run_child({kEmbed, "ingest", missing, "--db", db}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, missing + ": no such file or folder")) << r.err;
  EXPECT_TRUE(contains(r.err, "was not created")) << r.err;
  for (const std::string suffix : {"", "-wal", "-shm", "-journal"}) {
    EXPECT_FALSE(std::filesystem::exists(db + suffix)) << suffix;
  }

  r = run_child({kEmbed, "ingest", testing::corpus_dir().string(), "--db", db}, dir.path(),
                seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto size = std::filesystem::file_size(db);
  r = run_child({kEmbed, "ingest", missing, "--db", db}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "is unchanged")) << r.err;
  ASSERT_TRUE(std::filesystem::exists(db));
  EXPECT_EQ(std::filesystem::file_size(db), size);
}

// Regression (#16 item 7): a symbolic link loop named on the command line
// was reported as "no such file or folder"; a folder that cannot be listed
// was skipped silently with "0 files" and exit 0. Now the loop is named, each
// unreadable folder is named, and reading nothing at all exits 1. Root's
// permission bypass is dropped in the child (run_child's obey_permissions).
TEST(CliTest, IngestNamesLoopsAndUnreadableFolders) {
  TempDir dir;
  const std::string db = (dir / "a.db").string();
  std::filesystem::create_symlink(dir / "loop", dir / "loop");
  const std::string loop = (dir / "loop").string();
  auto r = run_child({kEmbed, "ingest", loop, "--db", db}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, loop + ": symlink loop")) << r.err;
  EXPECT_FALSE(contains(r.err, "no such file")) << r.err;

  testing::write_file(dir / "closed" / "a.html", "<p>a</p>");
  const std::string closed = (dir / "closed").string();
  ::chmod(closed.c_str(), 0);
  r = run_child({kEmbed, "ingest", closed, "--db", db}, dir.path(), seconds(30), {},
                /*obey_permissions=*/true);
  ::chmod(closed.c_str(), 0700);
  if (r.exit_code == testing::kCannotObeyPermissions) {
    GTEST_SKIP() << "root's permission bypass cannot be dropped here";
  }
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "cannot read folder " + closed)) << r.err;

  // Something readable beside it: the folder is still named, the exit is 0.
  testing::write_file(dir / "open" / "b.html", "<html><body><p>b</p></body></html>");
  ::chmod(closed.c_str(), 0);
  r = run_child({kEmbed, "ingest", closed, (dir / "open").string(), "--db", db}, dir.path(),
                seconds(30), {}, /*obey_permissions=*/true);
  ::chmod(closed.c_str(), 0700);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot read folder " + closed)) << r.err;
  EXPECT_TRUE(contains(r.out, "1 added")) << r.out;
}

// File names and titles are untrusted: terminal escapes in them reach
// neither stderr (ingest's skipped and missing files) nor stdout (search
// hits), only their visible escapes do (#16 item 4).
TEST(CliTest, ControlCharactersInNamesAreNotPrinted) {
  TempDir dir;
  const std::string db = (dir / "esc.db").string();
  const std::string hostile = "\x1b]0;pwned\x07\x1b[2J";
  const std::filesystem::path pages = dir / "pages";
  std::filesystem::create_directory(pages);
  testing::write_file(pages / ("moons" + hostile + ".html"),
                      "<html><head><title>Moons" + hostile +
                          "</title></head><body><article><p>The moons of Jupiter seen through a "
                          "small telescope: Io, Europa, Ganymede and Callisto.</p></article>"
                          "</body></html>");
  testing::write_file(pages / ("big" + hostile + ".html"), std::string(4096, 'x'));
  auto no_raw_controls = [&](const std::string& text) {
    return text.find('\x1b') == std::string::npos && text.find('\x07') == std::string::npos;
  };
  auto r = run_child({kEmbed, "ingest", pages.string(), (dir / ("gone" + hostile)).string(), "--db",
                      db, "--max-file-bytes", "1024"},
                     dir.path(), seconds(60));
  EXPECT_TRUE(contains(r.err, "skipped")) << r.err;
  EXPECT_TRUE(contains(r.err, "big\\x1b]0;pwned\\x07\\x1b[2J.html")) << r.err;
  EXPECT_TRUE(contains(r.err, "gone\\x1b]0;pwned")) << r.err;
  EXPECT_TRUE(no_raw_controls(r.err)) << r.err;
  EXPECT_TRUE(no_raw_controls(r.out)) << r.out;

  r = run_child({kEmbed, "reprocess", "--db", db, "--threads", "2", "--report-dir",
                 (dir / "reports").string()},
                dir.path(), seconds(90));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_child({kEmbed, "search", "moons of Jupiter", "--db", db, "-k", "3"}, dir.path(),
                seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "moons\\x1b]0;pwned\\x07\\x1b[2J.html")) << r.out;
  EXPECT_TRUE(no_raw_controls(r.out)) << r.out;
  EXPECT_TRUE(no_raw_controls(r.err)) << r.err;
}

// A file that is not a database: exit 1 and a message naming it.
TEST(CliTest, CorruptedDatabaseIsReported) {
  TempDir dir;
  std::string db = (dir / "bad.db").string();
  testing::write_file(db, std::string(4096, 'x'));
  auto r = run_child({kEmbed, "stats", "--db", db}, dir.path(), seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "bad.db")) << r.err;
  EXPECT_TRUE(contains(r.err, "not a knot-embed database or is damaged")) << r.err;
}

// A killed reprocess loses and duplicates nothing: the rerun completes with
// every item embedded once.
TEST(CliTest, KilledReprocessResumes) {
  TempDir dir;
  testing::generate_corpus(dir / "gen", 400);
  std::string db = (dir / "k.db").string();
  auto r =
      run_child({kEmbed, "ingest", (dir / "gen").string(), "--db", db}, dir.path(), seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Killed (SIGKILL by PID) after a moment, wherever it is.
  r = run_child(
      {kEmbed, "reprocess", "--db", db, "--threads", "2", "--no-watchdog", "--batch", "16"},
      dir.path(), std::chrono::milliseconds(300));
  r = run_child({kEmbed, "reprocess", "--db", db, "--threads", "2", "--no-watchdog"}, dir.path(),
                seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_child({kEmbed, "stats", "--db", db, "--json"}, dir.path(), seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse(r.out);
  EXPECT_EQ(j["total"], 400) << r.out;
  EXPECT_EQ(j["embedded"], 400) << r.out;
  EXPECT_EQ(j["stale"], 0) << r.out;
}

}  // namespace
}  // namespace knot::pipeline
