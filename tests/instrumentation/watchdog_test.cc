// The watchdog's API: start and stop, on-demand reports by call and by
// signal, the knot-dump advertisement, options from the environment, and
// (in a child process) KNOT_WATCHDOG=1 with the exit and abort actions.
#include "knot/instrumentation/watchdog.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/deadline.h"
#include "knot/report/advertisement.h"
#include "knot/report/report_file.h"
#include "knot/runtime.h"

extern char** environ;

namespace knot::instr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class WatchdogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/knot-watchdog-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    stop_watchdog();
    fs::remove_all(dir_);
  }
  WatchdogOptions options() const {
    WatchdogOptions o;
    o.interval = 20ms;
    o.report_dir = dir_ + "/reports";
    return o;
  }
  std::string dir_;
};

TEST_F(WatchdogTest, StartsOnceAndStops) {
  EXPECT_FALSE(watchdog_running());
  EXPECT_FALSE(request_report().has_value());
  start_watchdog(options());
  EXPECT_TRUE(watchdog_running());
  EXPECT_THROW(start_watchdog(options()), knot::Error);
  stop_watchdog();
  EXPECT_FALSE(watchdog_running());
  stop_watchdog();            // no-op
  start_watchdog(options());  // again after a stop
  EXPECT_TRUE(watchdog_running());
}

TEST_F(WatchdogTest, OnDemandReportDescribesTheProcess) {
  start_watchdog(options());
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "demand"});
  auto tx_and_rx = knot::channel<int>(1, "waiting");
  auto tx = std::move(tx_and_rx.first);
  auto rx = std::move(tx_and_rx.second);
  std::thread waiter([rx = std::move(rx)]() mutable {
    knot::this_thread::set_name("waiter");
    rx.recv();
  });
  // Let the waiter park, so that the report shows its wait.
  while (true) {
    bool parked = false;
    for (const auto& t : knot::snapshot_threads())
      parked = parked || (t.name == "waiter" && t.wait.has_value());
    if (parked)
      break;
    std::this_thread::sleep_for(1ms);
  }
  auto path = request_report("test");
  ASSERT_TRUE(path.has_value());
  struct stat st {};
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto parsed = knot::report::read_report_file(*path);
  ASSERT_TRUE(parsed.report.has_value());
  const auto& r = *parsed.report;
  EXPECT_EQ(r.verdict->kind, "on_demand");
  EXPECT_EQ(r.trigger, "api");
  EXPECT_EQ(r.process.pid, ::getpid());
  EXPECT_FALSE(r.process.executable.empty());
  EXPECT_FALSE(r.process.start_time.empty());
  EXPECT_NE(r.narrative.find("test"), std::string::npos);
  bool found_pool = false;
  for (const auto& p : r.pools)
    found_pool = found_pool || (p.name == "demand" && p.workers.size() == 2);
  EXPECT_TRUE(found_pool);
  bool found_waiter = false;
  for (const auto& t : r.threads) {
    if (t.name != "waiter")
      continue;
    found_waiter = true;
    EXPECT_EQ(t.state, "parked");
    ASSERT_TRUE(t.wait.has_value());
    EXPECT_EQ(t.wait->kind, "channel_recv");
    EXPECT_EQ(t.wait->name, "waiting");
    EXPECT_EQ(t.stack_source, "wait_site");
  }
  EXPECT_TRUE(found_waiter);
  { auto drop = std::move(tx); }
  waiter.join();
}

TEST_F(WatchdogTest, DumpSignalWritesAReportAndTheAdvertisementNamesTheFolder) {
  start_watchdog(options());
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  const std::string advert =
      (xdg != nullptr && *xdg != '\0' ? std::string(xdg) + "/knot"
                                      : "/tmp/knot-" + std::to_string(::getuid())) +
      "/" + std::to_string(::getpid()) + ".json";
  std::ifstream in(advert);
  ASSERT_TRUE(in.good()) << advert;
  std::stringstream text;
  text << in.rdbuf();
  std::string why;
  const auto ad = knot::report::parse_advertisement(text.str(), why);
  ASSERT_TRUE(ad.has_value()) << why << "\n" << text.str();
  EXPECT_EQ(ad->report_dir, dir_ + "/reports");
  EXPECT_EQ(ad->signal, SIGRTMIN + 4);
  EXPECT_EQ(ad->pid, ::getpid());

  ASSERT_EQ(::kill(::getpid(), SIGRTMIN + 4), 0);
  knot::testing::Deadline deadline(20s);
  std::vector<knot::report::ReportFileEntry> reports;
  while (reports.empty()) {
    std::this_thread::sleep_for(5ms);
    reports = knot::report::list_report_files(dir_ + "/reports");
  }
  auto parsed = knot::report::read_report_file(reports.front().path);
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_EQ(parsed.report->trigger, "signal");
  stop_watchdog();
  EXPECT_FALSE(fs::exists(advert));
}

// A tab in the report folder's name (#16 item 5: the hand-written JSON
// escaped only quote and backslash) still gives an advertisement that
// parses, naming that folder.
TEST_F(WatchdogTest, AdvertisementOfAFolderNameWithATabParses) {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved_xdg = xdg != nullptr ? xdg : "";
  ASSERT_EQ(::mkdir((dir_ + "/xdg").c_str(), 0700), 0);
  ::setenv("XDG_RUNTIME_DIR", (dir_ + "/xdg").c_str(), 1);
  WatchdogOptions o = options();
  o.report_dir = dir_ + "/tab\there";
  start_watchdog(o);
  if (xdg != nullptr) {
    ::setenv("XDG_RUNTIME_DIR", saved_xdg.c_str(), 1);
  } else {
    ::unsetenv("XDG_RUNTIME_DIR");
  }
  std::ifstream in(dir_ + "/xdg/knot/" + std::to_string(::getpid()) + ".json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  std::string why;
  const auto ad = knot::report::parse_advertisement(text.str(), why);
  ASSERT_TRUE(ad.has_value()) << why << "\n" << text.str();
  EXPECT_EQ(ad->report_dir, dir_ + "/tab\there");
}

TEST_F(WatchdogTest, RefusesALinkedReportFolder) {
  fs::create_directory(dir_ + "/real");
  fs::create_directory_symlink(dir_ + "/real", dir_ + "/link");
  WatchdogOptions o = options();
  o.report_dir = dir_ + "/link";
  EXPECT_THROW(start_watchdog(o), knot::Error);
  EXPECT_FALSE(watchdog_running());
}

TEST_F(WatchdogTest, OptionsFromTheEnvironment) {
  ::setenv("KNOT_WATCHDOG_INTERVAL_MS", "250", 1);
  ::setenv("KNOT_WATCHDOG_ACTION", "exit", 1);
  ::setenv("KNOT_WATCHDOG_EXIT_CODE", "7", 1);
  ::setenv("KNOT_REPORT_DIR", "/some/where", 1);
  WatchdogOptions o = options_from_environment();
  EXPECT_EQ(o.interval, 250ms);
  EXPECT_EQ(o.action, WatchdogAction::kExit);
  EXPECT_EQ(o.exit_code, 7);
  EXPECT_EQ(o.report_dir, "/some/where");
  ::setenv("KNOT_WATCHDOG_ACTION", "explode", 1);
  EXPECT_THROW(options_from_environment(), knot::Error);
  ::setenv("KNOT_WATCHDOG_ACTION", "report", 1);
  ::setenv("KNOT_WATCHDOG_INTERVAL_MS", "soon", 1);
  EXPECT_THROW(options_from_environment(), knot::Error);
  for (const char* v : {"KNOT_WATCHDOG_INTERVAL_MS", "KNOT_WATCHDOG_ACTION",
                        "KNOT_WATCHDOG_EXIT_CODE", "KNOT_REPORT_DIR"}) {
    ::unsetenv(v);
  }
}

// Runs watchdog_env_program (a channel cycle between two threads, with no
// watchdog call of its own) under `env`; returns its wait status.
int run_env_program(const std::vector<std::string>& env, std::string* stderr_text,
                    const char* mode = nullptr) {
  std::vector<std::string> storage = env;
  std::vector<char*> envp;
  for (auto& e : storage)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string program = KNOT_WATCHDOG_ENV_PROGRAM;
  char tmpl[] = "/tmp/knot-env-stderr-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, 2);
  std::string mode_arg = mode != nullptr ? mode : "";
  char* argv[] = {program.data(), mode != nullptr ? mode_arg.data() : nullptr, nullptr};
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  const auto start = std::chrono::steady_clock::now();
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() - start > 60s) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "the program did not end";
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  ::close(fd);
  std::ifstream in(tmpl);
  std::stringstream text;
  text << in.rdbuf();
  *stderr_text = text.str();
  ::unlink(tmpl);
  return status;
}

TEST_F(WatchdogTest, EnvironmentStartsItAndTheExitActionEndsTheProcess) {
  std::string err;
  const int status = run_env_program(
      {"KNOT_WATCHDOG=1", "KNOT_WATCHDOG_INTERVAL_MS=20", "KNOT_REPORT_DIR=" + dir_ + "/env",
       "KNOT_WATCHDOG_ACTION=exit", "KNOT_WATCHDOG_EXIT_CODE=42"},
      &err);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 42) << err;
  // The cycle starts at either thread: both are stages outside any pool.
  EXPECT_NE(err.find("knot: fatal: deadlock: thread 'p"), std::string::npos) << err;
  EXPECT_NE(err.find("thread 'ping'"), std::string::npos) << err;
  EXPECT_NE(err.find("thread 'pong'"), std::string::npos) << err;
  EXPECT_EQ(knot::report::list_report_files(dir_ + "/env").size(), 1u);
}

// A trace recording when the exit action ends the process (which runs no
// atexit handler) is written first, with the deadlocked waits unfinished.
TEST_F(WatchdogTest, ExitActionWritesTheTraceInProgress) {
  std::string err;
  const std::string trace = dir_ + "/deadlock-trace.json";
  const int status = run_env_program(
      {"KNOT_WATCHDOG=1", "KNOT_WATCHDOG_INTERVAL_MS=20", "KNOT_REPORT_DIR=" + dir_ + "/traced",
       "KNOT_WATCHDOG_ACTION=exit", "KNOT_WATCHDOG_EXIT_CODE=42", "KNOT_TRACE=" + trace},
      &err);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 42) << err;
  EXPECT_NE(err.find("knot: trace: " + trace), std::string::npos) << err;
  std::ifstream in(trace);
  ASSERT_TRUE(in) << err;
  std::stringstream text;
  text << in.rdbuf();
  // Both threads' sends on the full channels, still waiting at the exit.
  EXPECT_NE(text.str().find("channel_send 'to_pong'"), std::string::npos);
  EXPECT_NE(text.str().find("channel_send 'to_ping'"), std::string::npos);
  EXPECT_NE(text.str().find("\"unfinished\":true"), std::string::npos);
}

// The exit action leaves by _Exit, which runs no exit handler: the
// advertisement is withdrawn first (#16 item 6: knot-embed's deadlock
// exits left theirs behind).
TEST_F(WatchdogTest, ExitActionWithdrawsTheAdvertisement) {
  const std::string xdg = dir_ + "/xdg";
  ASSERT_EQ(::mkdir(xdg.c_str(), 0700), 0);
  std::string err;
  const int status = run_env_program(
      {"KNOT_WATCHDOG=1", "KNOT_WATCHDOG_INTERVAL_MS=20", "KNOT_REPORT_DIR=" + dir_ + "/exit",
       "KNOT_WATCHDOG_ACTION=exit", "KNOT_WATCHDOG_EXIT_CODE=42", "XDG_RUNTIME_DIR=" + xdg},
      &err);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 42) << err;
  ASSERT_TRUE(fs::is_directory(xdg + "/knot")) << err;  // it did advertise
  EXPECT_TRUE(fs::is_empty(xdg + "/knot")) << err;
}

// dead_pid() is the pid of a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

// plant_old() writes a small file at `path` dated ten minutes back.
void plant_old(const std::string& path) {
  std::ofstream(path) << "{}";
  timespec times[2] = {};
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 600;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// At start the watchdog removes what dead processes of this user left
// (#16 item 6): their advertisements and their report temporaries. A live
// process's advertisement stays.
TEST_F(WatchdogTest, StartSweepsWhatDeadProcessesLeft) {
  const std::string xdg = dir_ + "/xdg";
  const std::string reports = dir_ + "/swept";
  ASSERT_EQ(::mkdir(xdg.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((xdg + "/knot").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(reports.c_str(), 0700), 0);
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getpid());
  plant_old(xdg + "/knot/" + dead + ".json");
  plant_old(xdg + "/knot/" + live + ".json");
  plant_old(reports + "/.knot-report-" + dead + "-0123456789ab.tmp");
  plant_old(reports + "/.knot-report-" + live + "-0123456789ab.tmp");
  std::string err;
  const int status = run_env_program(
      {"KNOT_WATCHDOG=1", "KNOT_REPORT_DIR=" + reports, "XDG_RUNTIME_DIR=" + xdg}, &err, "exit");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_FALSE(fs::exists(xdg + "/knot/" + dead + ".json")) << err;
  EXPECT_FALSE(fs::exists(reports + "/.knot-report-" + dead + "-0123456789ab.tmp")) << err;
  EXPECT_TRUE(fs::exists(xdg + "/knot/" + live + ".json")) << err;
  EXPECT_TRUE(fs::exists(reports + "/.knot-report-" + live + "-0123456789ab.tmp")) << err;
}

// A report folder others may write to gets one warning line at start
// (#16 item 3: knot-dump refuses it); a sticky one of our own does not.
TEST_F(WatchdogTest, WarnsAboutAReportFolderOthersCanWrite) {
  const std::string open = dir_ + "/open";
  const std::string sticky = dir_ + "/sticky";
  ASSERT_EQ(::mkdir(open.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
  ASSERT_EQ(::mkdir(sticky.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(sticky.c_str(), 01777), 0);
  std::string err;
  int status = run_env_program({"KNOT_WATCHDOG=1", "KNOT_REPORT_DIR=" + open}, &err, "exit");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_NE(err.find("knot watchdog: warning: report folder " + open +
                     ": others may write to it (mode 0777, not sticky)"),
            std::string::npos)
      << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  status = run_env_program({"KNOT_WATCHDOG=1", "KNOT_REPORT_DIR=" + sticky}, &err, "exit");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(err.find("warning"), std::string::npos) << err;
}

TEST_F(WatchdogTest, AbortActionAborts) {
  std::string err;
  const int status =
      run_env_program({"KNOT_WATCHDOG=1", "KNOT_WATCHDOG_INTERVAL_MS=20",
                       "KNOT_REPORT_DIR=" + dir_ + "/abort", "KNOT_WATCHDOG_ACTION=abort"},
                      &err);
  ASSERT_TRUE(WIFSIGNALED(status)) << err;
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  EXPECT_NE(err.find("None of them can ever be woken"), std::string::npos) << err;
}

// KNOT_WATCHDOG=1 starts a watchdog before main(); a program that starts
// its own then gets its own, with its options (not "already running").
TEST_F(WatchdogTest, AProgramsOwnStartReplacesTheEnvironmentsWatchdog) {
  std::string err;
  const int status = run_env_program(
      {"KNOT_WATCHDOG=1", "KNOT_REPORT_DIR=" + dir_ + "/by-env", "OWN_REPORT_DIR=" + dir_ + "/own"},
      &err, "own");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  EXPECT_EQ(knot::report::list_report_files(dir_ + "/own").size(), 1u) << err;
  EXPECT_TRUE(knot::report::list_report_files(dir_ + "/by-env").empty());
}

TEST_F(WatchdogTest, ReportAtExit) {
  std::string err;
  const int status = run_env_program(
      {"KNOT_WATCHDOG=1", "KNOT_REPORT_AT_EXIT=1", "KNOT_REPORT_DIR=" + dir_ + "/exit"}, &err,
      "exit");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  // The program makes a pool with the instrumentation linked: the
  // runtime's "not linked" line (watchdog_notice_test) must not appear.
  EXPECT_EQ(err.find("does not link knot::instrumentation"), std::string::npos) << err;
  auto reports = knot::report::list_report_files(dir_ + "/exit");
  ASSERT_EQ(reports.size(), 1u) << err;
  auto parsed = knot::report::read_report_file(reports.front().path);
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_EQ(parsed.report->trigger, "exit");
  EXPECT_EQ(parsed.report->verdict->kind, "on_demand");
}

}  // namespace
}  // namespace knot::instr
