// knot-view's command line, run as a separate process (the executable that
// CMake built): exit codes, usage errors, every kind of bad input (empty,
// truncated, malformed, huge, deeply nested, wrong schema, missing fields,
// hostile, not a file), lists of reports, and the output modes. In-process
// run_cli() covers NO_COLOR against a terminal, which a child cannot fake.
#include "knot/view/cli.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "knot/report/report_json.h"

extern char** environ;

namespace knot::view {
namespace {

namespace fs = std::filesystem;

struct RunResult {
  int code = -1;  // exit code; -1 if killed
  std::string out;
  std::string err;
};

// run_view() runs knot-view with `args` and the extra environment `env`
// ("NAME=value"), with stdout and stderr in files, and kills it after
// `timeout` (a hang fails the test instead of blocking it).
RunResult run_view(const std::vector<std::string>& args, const fs::path& scratch,
                   const std::vector<std::string>& env = {},
                   std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const std::string out_path = (scratch / "stdout").string();
  const std::string err_path = (scratch / "stderr").string();
  std::vector<std::string> argv_strings = {KNOT_VIEW_EXE};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings)
    argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    // The tests set these themselves: the caller's must not leak in.
    if (std::string_view(*e).starts_with("NO_COLOR=") ||
        std::string_view(*e).starts_with("COLUMNS="))
      continue;
    env_strings.emplace_back(*e);
  }
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  RunResult result;
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "knot-view hung; killed after " << timeout.count() << " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) {
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    ADD_FAILURE() << "knot-view died of signal " << WTERMSIG(status);
  }
  result.out = testing::read_file(out_path);
  result.err = testing::read_file(err_path);
  return result;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("knot-view-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "scratch");
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult run(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    return run_view(args, dir_ / "scratch", env);
  }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  std::string seed_path() const { return testing::test_data_path("seed_deadlock.json"); }
  std::string seed_text() const { return testing::read_file(seed_path()); }

  fs::path dir_;
};

// expect_unreadable() checks an exit 1 with one clear line on stderr
// naming the file, and nothing on stdout.
void expect_unreadable(const RunResult& r, const std::string& path, const std::string& what) {
  EXPECT_EQ(r.code, kExitFailure) << r.err;
  EXPECT_EQ(r.err.rfind("knot-view: " + path + ": ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// ---------------------------------------------------------------------------
// One good report
// ---------------------------------------------------------------------------

// Into a file (no terminal): the plain diagnosis, exit 0, nothing on stderr.
TEST_F(CliTest, ShowsDiagnosis) {
  const RunResult r = run({seed_path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, testing::read_file(testing::test_data_path("seed_deadlock.golden.txt")));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// --color=always colours even into a file and even with NO_COLOR.
TEST_F(CliTest, ColorAlways) {
  const RunResult r = run({"--color=always", seed_path()}, {"NO_COLOR=1"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out.rfind("\x1b[1;31mDEADLOCK", 0), 0u);
}

// Under --color=auto a terminal gets colour unless NO_COLOR is set (and not empty).
TEST_F(CliTest, NoColorOnTerminal) {
  const std::string path = seed_path();
  const char* argv[] = {"knot-view", path.c_str()};
  for (const auto& [no_color, expect_color] :
       std::vector<std::pair<const char*, bool>>{{nullptr, true}, {"1", false}, {"", true}}) {
    std::ostringstream out, err;
    EXPECT_EQ(run_cli(2, argv, out, err, /*out_is_terminal=*/true, no_color), kExitOk);
    EXPECT_EQ(out.str().find('\x1b') != std::string::npos, expect_color)
        << "NO_COLOR=" << (no_color ? no_color : "(unset)");
  }
  const char* never[] = {"knot-view", "--color", "never", path.c_str()};
  std::ostringstream out, err;
  EXPECT_EQ(run_cli(4, never, out, err, true, nullptr), kExitOk);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
}

// --full and --similarity reach the renderer.
TEST_F(CliTest, FullAndSimilarity) {
  const RunResult full = run({"--full", "--similarity", "top", seed_path()});
  EXPECT_EQ(full.code, kExitOk);
  EXPECT_NE(full.out.find("knot::detail::Parker::park()"), std::string::npos);
  EXPECT_NE(full.out.find("(grouped by same top frame)"), std::string::npos);
}

// --dot prints Graphviz text, --json the normalized report.
TEST_F(CliTest, DotAndJson) {
  const RunResult dot = run({"--dot", seed_path()});
  EXPECT_EQ(dot.code, kExitOk);
  EXPECT_EQ(dot.out.rfind("// knot wait-for graph", 0), 0u);
  EXPECT_NE(dot.out.find("\"thread:101\" -> \"pool:1\""), std::string::npos);

  const RunResult json = run({"--json", seed_path()});
  EXPECT_EQ(json.code, kExitOk);
  auto parsed = knot::report::parse(json.out);
  ASSERT_TRUE(parsed.report);
  EXPECT_EQ(json.out, knot::report::to_json(testing::seed_report()) + "\n");
}

// --html writes a page to the file and says so on stderr; "-" is stdout;
// an unwritable path is exit 1 (a failure, not a usage error).
TEST_F(CliTest, Html) {
  const std::string page = (dir_ / "page.html").string();
  const RunResult r = run({seed_path(), "--html", page});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "knot-view: wrote " + page + "\n");
  const std::string html = testing::read_file(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);

  const RunResult to_stdout = run({"--html", "-", seed_path()});
  EXPECT_EQ(to_stdout.code, kExitOk);
  EXPECT_EQ(to_stdout.out.rfind("<!DOCTYPE html>", 0), 0u);

  const RunResult unwritable = run({"--html", "/nonexistent/dir/page.html", seed_path()});
  EXPECT_EQ(unwritable.code, kExitFailure);
  EXPECT_NE(unwritable.err.find("knot-view: /nonexistent/dir/page.html: cannot write the page"),
            std::string::npos);
}

// --html -o FILE keeps the report's privacy (0600) and does not follow a
// link planted at FILE: the link is replaced, its target untouched (#16
// item 10: the page was written through the link, mode 0644).
TEST_F(CliTest, HtmlIsPrivateAndDoesNotFollowALink) {
  const fs::path victim = dir_ / "victim.txt";
  std::ofstream(victim) << "keep";
  const fs::path page = dir_ / "linked.html";
  fs::create_symlink(victim, page);
  const mode_t old_umask = ::umask(022);
  const RunResult r = run({seed_path(), "--html", page.string()});
  ::umask(old_umask);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(testing::read_file(victim.string()), "keep");
  EXPECT_FALSE(fs::is_symlink(page));
  struct stat st {};
  ASSERT_EQ(::stat(page.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(testing::read_file(page.string()).rfind("<!DOCTYPE html>", 0), 0u);
}

// ---------------------------------------------------------------------------
// Usage errors: exit 2
// ---------------------------------------------------------------------------

struct UsageCase {
  const char* name;
  std::vector<std::string> args;
  const char* expected_in_stderr;
};

class CliUsageTest : public CliTest, public ::testing::WithParamInterface<UsageCase> {};

// A bad command line is exit 2 with a "knot-view: " message, never a
// report error.
TEST_P(CliUsageTest, ExitsTwo) {
  std::vector<std::string> args = GetParam().args;
  for (auto& arg : args) {
    if (arg == "SEED")
      arg = seed_path();
  }
  const RunResult r = run(args);
  EXPECT_EQ(r.code, kExitUsage) << r.out << r.err;
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("knot-view: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(GetParam().expected_in_stderr), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliUsageTest,
    ::testing::Values(
        UsageCase{"NoReport", {}, "reports is required"},
        UsageCase{"UnknownOption", {"--frobnicate", "SEED"}, "frobnicate"},
        UsageCase{"BadSimilarity", {"--similarity", "lines", "SEED"}, "lines"},
        UsageCase{"BadColor", {"--color=sometimes", "SEED"}, "sometimes"},
        UsageCase{"BinariesWithoutSymbolize", {"--binaries", "/tmp", "SEED"}, "--symbolize"},
        UsageCase{"BinariesNotAFolder",
                  {"--symbolize", "--binaries", "/nonexistent", "SEED"},
                  "/nonexistent"},
        UsageCase{"DotAndJson", {"--dot", "--json", "SEED"}, "excludes"},
        UsageCase{"HtmlOfSeveral", {"--html", "x.html", "SEED", "SEED"}, "show one report"},
        UsageCase{"WidthNotANumber", {"--width", "wide", "SEED"}, "wide"},
        UsageCase{"WidthZero", {"--width", "0", "SEED"}, "--width"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

// --version prints the project's version, and is not an error.
TEST_F(CliTest, Version) {
  const RunResult r = run({"--version"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "knot-view " KNOT_VERSION "\n");
}

// The width: 100 into a file, $COLUMNS when set, --width above both; a
// terminal's own width comes through run_cli() (main() asks the terminal).
TEST_F(CliTest, Width) {
  auto widest = [](const std::string& text) {
    std::size_t widest_line = 0;
    std::size_t columns = 0;
    for (const char c : text) {
      if (c == '\n') {
        widest_line = std::max(widest_line, columns);
        columns = 0;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++columns;  // one column per code point: the text holds "…" but no wide characters
      }
    }
    return widest_line;
  };
  const RunResult file = run({seed_path()});
  EXPECT_EQ(file.out, testing::read_file(testing::test_data_path("seed_deadlock.golden.txt")));
  EXPECT_LE(widest(file.out), kDefaultWidth);

  const RunResult columns = run({seed_path()}, {"COLUMNS=60"});
  EXPECT_EQ(columns.code, kExitOk) << columns.err;
  EXPECT_LE(widest(columns.out), 60u) << columns.out;
  EXPECT_GT(widest(columns.out), 50u) << columns.out;

  const RunResult flag = run({"--width", "72", seed_path()}, {"COLUMNS=60"});
  EXPECT_LE(widest(flag.out), 72u) << flag.out;
  EXPECT_GT(widest(flag.out), 60u) << flag.out;

  const std::string path = seed_path();
  const char* argv[] = {"knot-view", path.c_str()};
  std::ostringstream out, err;
  EXPECT_EQ(run_cli(2, argv, out, err, /*out_is_terminal=*/true, "1", /*width=*/50), kExitOk);
  EXPECT_LE(widest(out.str()), 50u) << out.str();
}

// --help is not an error.
TEST_F(CliTest, Help) {
  const RunResult r = run({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("--similarity"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Bad input: exit 1 with a clear message, or a safe rendering
// ---------------------------------------------------------------------------

TEST_F(CliTest, MissingFile) {
  const std::string path = (dir_ / "knot-missing.json").string();
  expect_unreadable(run({path}), path, "cannot open the report: No such file or directory");
}

TEST_F(CliTest, EmptyFile) {
  const std::string path = write("empty.json", "");
  expect_unreadable(run({path}), path, "not valid JSON");
}

TEST_F(CliTest, TruncatedFile) {
  const std::string text = seed_text();
  const std::string path = write("truncated.json", text.substr(0, text.size() / 2));
  expect_unreadable(run({path}), path, "not valid JSON (truncated or malformed)");
}

TEST_F(CliTest, MalformedFile) {
  const std::string path = write("malformed.json", "{\"schema\": \"knot.report/1\", oops}");
  expect_unreadable(run({path}), path, "not valid JSON");
}

TEST_F(CliTest, BinaryGarbage) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i)
    garbage += static_cast<char>((i * 7919) % 256);
  const std::string path = write("garbage.json", garbage);
  expect_unreadable(run({path}), path, "not valid JSON");
}

TEST_F(CliTest, NotAnObject) {
  const std::string path = write("array.json", "[1, 2, 3]");
  expect_unreadable(run({path}), path, "not a JSON object");
}

TEST_F(CliTest, WrongSchemaVersion) {
  std::string text = seed_text();
  text.replace(text.find("knot.report/1"), 13, "knot.report/2");
  const std::string path = write("v2.json", text);
  expect_unreadable(run({path}), path, "unsupported schema version knot.report/2");
}

TEST_F(CliTest, NotAKnotReport) {
  const std::string path = write("other.json", "{\"schema\": \"other/1\", \"threads\": []}");
  expect_unreadable(run({path}), path, "not a knot report: other/1");
  const std::string none = write("none.json", "{\"threads\": []}");
  expect_unreadable(run({none}), none, "no \"schema\" field");
}

// 100 000 nested arrays: refused before any parser recurses into them.
TEST_F(CliTest, DeeplyNested) {
  const std::string path = write(
      "nested.json", "{\"schema\": \"knot.report/1\", \"threads\": " + std::string(100000, '[') +
                         std::string(100000, ']') + "}");
  expect_unreadable(run({path}), path, "nested deeper than");
}

// A FIFO is not read (it would block): not a regular file.
TEST_F(CliTest, NotARegularFile) {
  const std::string path = (dir_ / "knot-fifo.json").string();
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  expect_unreadable(run({path}), path, "not a regular file");
  expect_unreadable(run({"/dev/zero"}), "/dev/zero", "not a regular file");
}

// Larger than the reader's cap (a sparse file, no disk used): refused.
TEST_F(CliTest, OverTheSizeCap) {
  const std::string path = (dir_ / "knot-sparse.json").string();
  fs::resize_file(write("knot-sparse.json", "{"), (300ull << 20));
  expect_unreadable(run({path}), path, "larger than");
}

// Only the schema: every section missing; rendered as a snapshot.
TEST_F(CliTest, MissingFields) {
  const RunResult r = run({write("minimal.json", "{\"schema\": \"knot.report/1\"}")});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.rfind("SNAPSHOT\n", 0), 0u) << r.out;
  EXPECT_TRUE(r.err.empty());
}

// Wrong types are warnings with their JSON path on stderr; the rest renders.
TEST_F(CliTest, WrongTypesAreWarnings) {
  const std::string path = write(
      "types.json",
      "{\"schema\": \"knot.report/1\", \"verdict\": {\"kind\": 5, \"is_proven\": true}, "
      "\"pools\": \"many\", \"threads\": [7, {\"tid\": \"x\", \"name\": \"t\"}], \"cycle\": [1]}");
  const RunResult r = run({path});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("knot-view: warning: " + path + ": /verdict/kind: expected a string"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("/pools: expected an array"), std::string::npos);
  EXPECT_NE(r.err.find("/threads/0: skipped"), std::string::npos);
  EXPECT_NE(r.out.find("VERDICT (proven)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 thread: 't'"), std::string::npos) << r.out;
}

// Hostile strings everywhere: rendered, with no control byte reaching the
// terminal on either stream, in every output mode.
TEST_F(CliTest, HostileReport) {
  const std::string path =
      write("knot-hostile.json", knot::report::to_json(testing::hostile_report()));
  for (const auto& mode : std::vector<std::vector<std::string>>{
           {}, {"--full"}, {"--dot"}, {"--json"}, {"--html", "-"}}) {
    std::vector<std::string> args = mode;
    args.push_back(path);
    const RunResult r = run(args);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    if (mode.empty() || mode[0] == "--full") {
      for (char c : r.out + r.err) {
        const auto byte = static_cast<unsigned char>(c);
        ASSERT_TRUE(byte == '\n' || (byte >= 0x20 && byte != 0x7f)) << "byte " << int{byte};
      }
    }
  }
}

// A 100 MB report (2000 threads of 100 frames with long names, made here at
// run time) is read and rendered within the time limit.
TEST_F(CliTest, HugeReport) {
  knot::report::Report report = testing::seed_report();
  report.threads.clear();
  const std::string padding(420, 'x');
  for (int t = 0; t < 2000; ++t) {
    std::vector<knot::report::Frame> stack;
    for (int f = 0; f < 100; ++f)
      stack.push_back(testing::frame("fn_" + std::to_string(f % 7) + "_" + padding + "()",
                                     "src/file.cc", f + (t % 3)));
    report.threads.push_back(
        testing::thread(1000 + t, "worker-" + std::to_string(t), std::move(stack), 0.1 * (t % 10)));
  }
  const std::string path = (dir_ / "knot-huge.json").string();
  std::ofstream(path, std::ios::binary) << knot::report::to_json(report, -1);
  ASSERT_GT(fs::file_size(path), 100u << 20);
  // How long it takes is a benchmark's question; the limit only turns a
  // hang into a failure, with room for a sanitizer build on a busy machine
  // (ThreadSanitizer beside two other builds took over 60 s).
  const RunResult r = run_view({path}, dir_ / "scratch", {}, std::chrono::seconds(600));
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("Threads: 2000 in 3 groups"), std::string::npos);
  EXPECT_NE(r.out.find("and 657 more"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Several reports
// ---------------------------------------------------------------------------

// copy_seed() writes the seed with another verdict time and summary, and
// sets the file's modification time.
std::string copy_seed(const fs::path& path, const std::string& time, const std::string& summary,
                      std::int64_t mtime_s) {
  knot::report::Report report = testing::seed_report();
  report.verdict->time = time;
  report.summary = summary;
  std::ofstream(path) << knot::report::to_json(report);
  const timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
  EXPECT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  return path.string();
}

// A folder is a list, newest first; --latest shows only the newest file.
TEST_F(CliTest, FolderListAndLatest) {
  const fs::path reports = dir_ / "reports";
  fs::create_directories(reports);
  copy_seed(reports / "knot-deadlock-1.json", "2024-05-01T12:00:00Z", "oldest report", 1000);
  copy_seed(reports / "knot-deadlock-3.json", "2024-05-01T14:00:00Z", "newest report", 3000);
  copy_seed(reports / "knot-deadlock-2.json", "2024-05-01T13:00:00Z", "middle report", 2000);
  std::ofstream(reports / "notes.txt") << "not a report";

  const RunResult list = run({reports.string()});
  EXPECT_EQ(list.code, kExitOk) << list.err;
  EXPECT_EQ(list.out.rfind("TIME", 0), 0u);
  const std::size_t newest = list.out.find("newest report");
  const std::size_t middle = list.out.find("middle report");
  const std::size_t oldest = list.out.find("oldest report");
  ASSERT_NE(oldest, std::string::npos) << list.out;
  EXPECT_LT(newest, middle);
  EXPECT_LT(middle, oldest);
  EXPECT_EQ(list.out.find("notes.txt"), std::string::npos);

  const RunResult latest = run({reports.string(), "--latest"});
  EXPECT_EQ(latest.code, kExitOk);
  EXPECT_EQ(latest.out.rfind("DEADLOCK (proven) at 2024-05-01T14:00:00Z", 0), 0u) << latest.out;

  const RunResult latest_dot = run({"--latest", "--dot", reports.string()});
  EXPECT_EQ(latest_dot.code, kExitOk);
}

// Several files named: a list; one unreadable file is listed, reported on
// stderr, and makes the exit code 2.
TEST_F(CliTest, FilesListWithUnreadable) {
  const std::string a = copy_seed(dir_ / "a.json", "2024-05-01T12:00:00Z", "report a", 1000);
  const std::string b = write("b.json", "{");
  const RunResult r = run({a, b});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.out.find("report a"), std::string::npos);
  EXPECT_NE(r.out.find("unreadable"), std::string::npos);
  // The error, without the path that the FILE column already shows.
  EXPECT_NE(r.out.find("  not valid JSON (truncated or malformed)  b.json\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("knot-view: " + b + ": not valid JSON"), std::string::npos) << r.err;
}

// A folder without reports is exit 1 with a message.
TEST_F(CliTest, EmptyFolder) {
  fs::create_directories(dir_ / "empty");
  const RunResult r = run({(dir_ / "empty").string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("no knot-*.json reports in this folder"), std::string::npos);
}

}  // namespace
}  // namespace knot::view
