// knot-dump, end to end: the real binary against processes this test starts
// (fake_watchdog, sleep) and ends by their pids. Each test has its own
// XDG_RUNTIME_DIR and report folder under a fresh temporary folder, so it
// never meets a real watchdog's advertisement.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <list>
#include <sstream>
#include <string>
#include <vector>

#include "common/child_process.h"
#include "common/deadline.h"
#include "knot/report/report_json.h"

namespace knot::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

struct DumpResult {
  int code = -1;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

class KnotDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/knot-dump-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    xdg_ = root_ + "/xdg";
    reports_ = root_ + "/reports";
    ASSERT_EQ(::mkdir(xdg_.c_str(), 0700), 0);
    env_ = {"XDG_RUNTIME_DIR=" + xdg_, "PATH=/usr/bin:/bin", "LC_ALL=C"};
  }

  void TearDown() override {
    children_.clear();  // ends them, by pid, before their folders go
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // start_fake() starts fake_watchdog with `args` and waits for "ready".
  ChildProcess& start_fake(std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {FAKE_WATCHDOG_BINARY, "--report-dir", reports_, "--lifetime",
                                     "30"};
    argv.insert(argv.end(), args.begin(), args.end());
    children_.push_back(ChildProcess::start(argv, env_));
    ChildProcess& fake = children_.back();
    EXPECT_GT(fake.pid(), 0);
    const auto line = fake.read_line(5s);
    EXPECT_EQ(line, std::optional<std::string>("ready"))
        << "fake_watchdog did not start: " << fake.err();
    return fake;
  }

  // dump() runs knot-dump with `args` and waits for it (at most 20 s).
  DumpResult dump(std::vector<std::string> args, std::optional<uid_t> as_uid = std::nullopt) {
    std::vector<std::string> argv = {KNOT_DUMP_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto start = std::chrono::steady_clock::now();
    ChildProcess child = ChildProcess::start(argv, env_, as_uid);
    EXPECT_GT(child.pid(), 0);
    DumpResult result;
    result.code = child.wait(20s).value_or(-1);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    result.out = child.out();
    result.err = child.err();
    return result;
  }

  // num_reports() counts the report files in the report folder.
  std::size_t num_reports() const {
    std::error_code ec;
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(reports_, ec))
      n += entry.path().extension() == ".json" ? 1 : 0;
    return n;
  }

  std::string root_, xdg_, reports_;
  std::vector<std::string> env_;
  std::list<ChildProcess> children_;  // a list: start_fake() hands out references
};

std::string describe(const DumpResult& r) {
  return "exit " + std::to_string(r.code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// ============================================================================
// Errors before any signal is sent
// ============================================================================

// A pid that belonged to a process now gone: exit 3, "no such process".
TEST_F(KnotDumpTest, NoSuchProcessExits3) {
  Deadline deadline(30s);
  ChildProcess gone = ChildProcess::start({"/bin/true"}, env_);
  ASSERT_EQ(gone.wait(10s), std::optional<int>(0));
  const DumpResult r = dump({std::to_string(gone.pid())});
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_NE(r.err.find("knot-dump: no such process: " + std::to_string(gone.pid())),
            std::string::npos)
      << describe(r);
}

// A live process that does not use knot: exit 4 with the hint, and it is not
// signalled (it is still alive afterwards).
TEST_F(KnotDumpTest, ProcessWithoutWatchdogExits4) {
  Deadline deadline(30s);
  children_.push_back(ChildProcess::start({"/bin/sleep", "30"}, env_));
  const pid_t pid = children_.back().pid();
  ASSERT_GT(pid, 0);
  const DumpResult r = dump({std::to_string(pid)});
  EXPECT_EQ(r.code, 4) << describe(r);
  EXPECT_NE(r.err.find("process " + std::to_string(pid) +
                       " does not run a knot watchdog (start it with KNOT_WATCHDOG=1)"),
            std::string::npos)
      << describe(r);
  EXPECT_EQ(::kill(pid, 0), 0) << "the process was disturbed";
}

// A stale advertisement (older than the process), one naming another pid,
// and one of another schema major are all refused with exit 4, and say why.
TEST_F(KnotDumpTest, UnusableAdvertisementsExit4) {
  Deadline deadline(60s);
  struct Case {
    const char* name;
    std::vector<std::string> fake_args;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"stale", {"--advert-age", "3600"}, "stale: written before the process started"},
      {"other_pid", {"--advert-pid", "1"}, "it names pid 1, not"},
      {"other_schema", {"--advert-schema", "knot.watchdog/2"}, "schema \"knot.watchdog/2\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ChildProcess& fake = start_fake(c.fake_args);
    const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "2"});
    EXPECT_EQ(r.code, 4) << describe(r);
    EXPECT_NE(r.err.find("does not run a knot watchdog"), std::string::npos) << describe(r);
    EXPECT_NE(r.err.find(c.reason), std::string::npos) << describe(r);
    EXPECT_EQ(num_reports(), 0u) << "the process was asked anyway";
    children_.clear();
  }
}

// Bad arguments: exit 2 (a usage error, as in knot-view and knot-embed)
// before anything is looked up or signalled. A pid of 0 or below would name
// a process group for kill(): refused.
TEST_F(KnotDumpTest, BadArgumentsExit2) {
  Deadline deadline(60s);
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"abc"},
      {"0"},
      {"-1"},
      {"12x"},
      {"99999999"},
      {"1", "--timeout", "0"},
      {"1", "--timeout", "-2"},
      {"1", "--timeout", "soon"},
      {"1", "--color=sometimes"},
      {"1", "--json", "--dot"},
      {"1", "--html", "x.html", "--json"},
      {"1", "--similarity", "nearby"},
      {"1", "--binaries", "/tmp"},
      {"1", "--width", "0"},
      {"--frobnicate"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args)
      joined += a + " ";
    SCOPED_TRACE(joined);
    const DumpResult r = dump(args);
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_EQ(r.err.rfind("knot-dump: ", 0), 0u) << describe(r);
  }
}

// --version prints the project's version, and is not an error.
TEST_F(KnotDumpTest, Version) {
  Deadline deadline(30s);
  const DumpResult r = dump({"--version"});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(r.out, "knot-dump " KNOT_VERSION "\n");
}

// ============================================================================
// Asking and answering
// ============================================================================

// The default output is knot-view's text rendering of the new report, and
// stderr names the report file.
TEST_F(KnotDumpTest, AnswersWithTextRendering) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake();
  const DumpResult r = dump({std::to_string(fake.pid()), "--color=never"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("on-demand report #1 of fake_watchdog"), std::string::npos) << describe(r);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "colour with --color=never";
  EXPECT_NE(r.err.find("wrote " + reports_ + "/knot-on_demand-"), std::string::npos) << describe(r);

  // knot-view's rendering options pass through: --full shows the knot frame
  // that the default folds away.
  EXPECT_EQ(r.out.find("knot::Latch::wait"), std::string::npos) << describe(r);
  const DumpResult full =
      dump({std::to_string(fake.pid()), "--color=never", "--similarity", "top", "--full"});
  ASSERT_EQ(full.code, 0) << describe(full);
  EXPECT_NE(full.out.find("knot::Latch::wait"), std::string::npos) << describe(full);
}

// The text fits $COLUMNS (no terminal here), or --width above it.
TEST_F(KnotDumpTest, TextFitsTheWidth) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake();
  auto widest = [](const std::string& text) {
    std::size_t widest_line = 0;
    for (std::size_t start = 0, end = 0; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      std::size_t n = 0;
      for (std::size_t i = start; i < end; ++i)
        n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 ? 1 : 0;
      widest_line = std::max(widest_line, n);
    }
    return widest_line;
  };
  env_.push_back("COLUMNS=50");
  const DumpResult narrow = dump({std::to_string(fake.pid()), "--color=never", "--full"});
  ASSERT_EQ(narrow.code, 0) << describe(narrow);
  EXPECT_LE(widest(narrow.out), 50u) << describe(narrow);
  const DumpResult wider =
      dump({std::to_string(fake.pid()), "--color=never", "--full", "--width", "70"});
  ASSERT_EQ(wider.code, 0) << describe(wider);
  EXPECT_LE(widest(wider.out), 70u) << describe(wider);
  EXPECT_GT(widest(wider.out), 50u) << describe(wider);
}

// --symbolize resolves what the process left as an address only (the fake's
// innermost frame points into its own binary with no function, as a
// stripped build leaves it); without it the frame stays an address.
TEST_F(KnotDumpTest, SymbolizeResolvesAddressOnlyFrames) {
  Deadline deadline(60s);
  ChildProcess& fake = start_fake();
  const DumpResult plain = dump({std::to_string(fake.pid()), "--color=never", "--full"});
  ASSERT_EQ(plain.code, 0) << describe(plain);
  EXPECT_EQ(plain.out.find("knot_fake_symbol_target"), std::string::npos) << describe(plain);
  const DumpResult r = dump({std::to_string(fake.pid()), "--color=never", "--full", "--symbolize"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("knot_fake_symbol_target"), std::string::npos) << describe(r);
  const DumpResult json = dump({std::to_string(fake.pid()), "--json", "--symbolize"});
  ASSERT_EQ(json.code, 0) << describe(json);
  EXPECT_NE(json.out.find("\"function\": \"knot_fake_symbol_target\""), std::string::npos)
      << describe(json);
}

// --json prints the report itself: the one written after the request, by
// this process, of kind on_demand, not an older one, another process's, or
// a report of another kind that appeared meanwhile.
TEST_F(KnotDumpTest, JsonIsTheNewOnDemandReportOfThisProcess) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--preexisting", "--decoys"});
  ASSERT_EQ(num_reports(), 1u);
  const DumpResult r = dump({std::to_string(fake.pid()), "--json"});
  ASSERT_EQ(r.code, 0) << describe(r);
  const auto parsed = knot::report::parse(r.out);
  ASSERT_TRUE(parsed.report.has_value()) << describe(r);
  EXPECT_EQ(parsed.report->process.pid, fake.pid());
  ASSERT_TRUE(parsed.report->verdict.has_value());
  EXPECT_EQ(parsed.report->verdict->kind, "on_demand");
  EXPECT_EQ(parsed.report->trigger, "signal");
  EXPECT_EQ(parsed.report->narrative, "answer 1");
  EXPECT_EQ(num_reports(), 4u);  // the preexisting one, two decoys, the answer
}

// Each run asks anew and shows the newest answer, not a previous run's.
TEST_F(KnotDumpTest, SecondRequestGetsSecondAnswer) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake();
  for (const char* expected : {"answer 1", "answer 2"}) {
    const DumpResult r = dump({std::to_string(fake.pid()), "--json"});
    ASSERT_EQ(r.code, 0) << describe(r);
    const auto parsed = knot::report::parse(r.out);
    ASSERT_TRUE(parsed.report.has_value()) << describe(r);
    EXPECT_EQ(parsed.report->narrative, expected);
  }
}

// --html writes one page (private, like the report), and nothing to stdout.
TEST_F(KnotDumpTest, HtmlWritesAPrivatePage) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake();
  const std::string page = root_ + "/page.html";
  const DumpResult r = dump({std::to_string(fake.pid()), "--html", page});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.out.empty()) << describe(r);
  std::ifstream in(page);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("<html"), std::string::npos);
  EXPECT_NE(text.str().find("fake_watchdog"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(page.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// A link planted at the --html path is replaced, never followed: the file
// it points to is untouched (#16 item 10, as for knot-view).
TEST_F(KnotDumpTest, HtmlDoesNotFollowALinkAtThePath) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake();
  const std::string victim = root_ + "/victim.txt";
  std::ofstream(victim) << "keep";
  const std::string page = root_ + "/page.html";
  fs::create_symlink(victim, page);
  const DumpResult r = dump({std::to_string(fake.pid()), "--html", page});
  ASSERT_EQ(r.code, 0) << describe(r);
  std::ifstream in(victim);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "keep");
  EXPECT_FALSE(fs::is_symlink(page));
}

// --dot prints the wait-for graph.
TEST_F(KnotDumpTest, DotPrintsTheGraph) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake();
  const DumpResult r = dump({std::to_string(fake.pid()), "--dot"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("digraph"), std::string::npos) << describe(r);
  EXPECT_NE(r.out.find("batches done"), std::string::npos) << describe(r);
}

// A process that advertises but never answers: exit 6 after the timeout,
// not before and not much later.
TEST_F(KnotDumpTest, SilentProcessTimesOut) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--mode", "ignore"});
  const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "0.5"});
  EXPECT_EQ(r.code, 6) << describe(r);
  EXPECT_NE(r.err.find("did not answer within 0.5 s"), std::string::npos) << describe(r);
  EXPECT_GE(r.elapsed, 500ms);
  EXPECT_LT(r.elapsed, 5s);
}

// ============================================================================
// Hostile report folders (#16 item 3) and hostile names (#16 item 4)
// ============================================================================

// A report folder anyone may write to is refused before the signal: a
// report there could be another user's forgery. Exit 1, nothing sent.
TEST_F(KnotDumpTest, ReportFolderOthersCanWriteIsRefused) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--report-dir-mode", "0777"});
  const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "5"});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_NE(r.err.find("refusing the report folder " + reports_ +
                       ": others may write to it (mode 0777, not sticky)"),
            std::string::npos)
      << describe(r);
  EXPECT_EQ(num_reports(), 0u);  // the fake was never asked
}

// A sticky folder of the target's own (others may add files, but not
// replace its files) is accepted.
TEST_F(KnotDumpTest, StickyReportFolderOfTheOwnerIsAccepted) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--report-dir-mode", "01777"});
  const DumpResult r = dump({std::to_string(fake.pid()), "--json"});
  EXPECT_EQ(r.code, 0) << describe(r);
}

// A new on-demand report of the right pid that another user owns (a
// forgery planted after the request) is skipped: the request times out
// and says why.
TEST_F(KnotDumpTest, ReportOwnedByAnotherUserIsSkipped) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root, to give a report to another user";
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--answer-owner", std::to_string(kNobody)});
  const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "1"});
  EXPECT_EQ(r.code, 6) << describe(r);
  EXPECT_NE(r.err.find("owned by uid 65534, not by the process's owner"), std::string::npos)
      << describe(r);
  EXPECT_EQ(r.out, "");
}

// A report dated before the request is not its answer.
TEST_F(KnotDumpTest, ReportWrittenBeforeTheRequestIsSkipped) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--answer-age", "3600"});
  const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "1"});
  EXPECT_EQ(r.code, 6) << describe(r);
  EXPECT_NE(r.err.find("written before the request"), std::string::npos) << describe(r);
}

// Terminal escapes in an advertised report folder's name are shown as
// escapes, never sent to the terminal.
TEST_F(KnotDumpTest, EscapesInTheReportFolderAreNotPrinted) {
  Deadline deadline(30s);
  reports_ = root_ + "/r\x1b]0;pwned\x07\x1b[2J";
  ChildProcess& fake = start_fake({"--mode", "ignore"});
  const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "0.3"});
  EXPECT_EQ(r.code, 6) << describe(r);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << describe(r);
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("r\\x1b]0;pwned\\x07\\x1b[2J"), std::string::npos) << describe(r);
}

// A process that exits when asked: exit 3 as soon as it is gone, well
// before the timeout.
TEST_F(KnotDumpTest, ProcessExitingInsteadOfAnsweringExits3) {
  Deadline deadline(30s);
  ChildProcess& fake = start_fake({"--mode", "exit"});
  const DumpResult r = dump({std::to_string(fake.pid()), "--timeout", "10"});
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_NE(r.err.find("exited before it answered"), std::string::npos) << describe(r);
  EXPECT_LT(r.elapsed, 5s);
}

#ifdef LIVE_WATCHDOG_BINARY
// The real watchdog (knot::instrumentation) answers knot-dump: the protocol
// as the watchdog implements it is the one knot-dump reads, the report is
// the program's, and it validates against docs/report.schema.json. Ended
// by SIGTERM, the watchdog withdraws its advertisement.
TEST_F(KnotDumpTest, RealWatchdogAnswers) {
  Deadline deadline(60s);
  children_.push_back(ChildProcess::start({LIVE_WATCHDOG_BINARY, reports_}, env_));
  ChildProcess& live = children_.back();
  ASSERT_EQ(live.read_line(20s), std::optional<std::string>("ready")) << live.err();
  const std::string advert = xdg_ + "/knot/" + std::to_string(live.pid()) + ".json";
  EXPECT_TRUE(fs::exists(advert));

  const DumpResult r = dump({std::to_string(live.pid()), "--json"});
  ASSERT_EQ(r.code, 0) << describe(r);
  const auto parsed = knot::report::parse(r.out);
  ASSERT_TRUE(parsed.report.has_value()) << describe(r);
  const knot::report::Report& report = *parsed.report;
  EXPECT_EQ(report.process.pid, live.pid());
  ASSERT_TRUE(report.verdict.has_value());
  EXPECT_EQ(report.verdict->kind, "on_demand");
  EXPECT_EQ(report.trigger, "signal");
  bool has_pool = false;
  for (const auto& pool : report.pools)
    has_pool = has_pool || (pool.name == "live" && pool.workers.size() == 2);
  EXPECT_TRUE(has_pool) << r.out;
  bool has_gate_wait = false;
  for (const auto& thread : report.threads)
    has_gate_wait = has_gate_wait || (thread.wait && thread.wait->name == "gate");
  EXPECT_TRUE(has_gate_wait) << r.out;

  ChildProcess validate = ChildProcess::start(
      {KNOT_REPORT_PYTHON, KNOT_REPORT_VALIDATOR, "--schema", KNOT_REPORT_SCHEMA, reports_}, env_);
  EXPECT_EQ(validate.wait(30s), std::optional<int>(0)) << validate.out() << validate.err();

  live.stop();
  EXPECT_FALSE(fs::exists(advert)) << "advertisement left behind";
}
#endif

// ============================================================================
// Permissions (need root to set up: the test drops knot-dump to 'nobody')
// ============================================================================

// A process we may not signal, whose advertisement we may read: exit 5, and
// it received nothing.
TEST_F(KnotDumpTest, ProcessOfAnotherUserIsPermissionDenied) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root, to run knot-dump as another user";
  Deadline deadline(30s);
  ASSERT_EQ(::chmod(root_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(xdg_.c_str(), 0755), 0);
  ChildProcess& fake = start_fake({"--public"});
  const DumpResult r = dump({std::to_string(fake.pid())}, kNobody);
  EXPECT_EQ(r.code, 5) << describe(r);
  EXPECT_NE(r.err.find("permission denied: cannot send signal"), std::string::npos) << describe(r);
  EXPECT_EQ(num_reports(), 0u);
}

// An advertisement we may not read (mode 0600, another owner): exit 5.
TEST_F(KnotDumpTest, UnreadableAdvertisementIsPermissionDenied) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root, to run knot-dump as another user";
  Deadline deadline(30s);
  ASSERT_EQ(::chmod(root_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(xdg_.c_str(), 0755), 0);
  ChildProcess& fake = start_fake();
  const DumpResult r = dump({std::to_string(fake.pid())}, kNobody);
  EXPECT_EQ(r.code, 5) << describe(r);
  EXPECT_NE(r.err.find("permission denied: advertisement"), std::string::npos) << describe(r);
  EXPECT_EQ(num_reports(), 0u);
}

}  // namespace
}  // namespace knot::testing
