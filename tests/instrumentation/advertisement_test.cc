// The watchdog's advertisement, defined once in the report library
// (knot/report/advertisement.h): its JSON both ways, the writer's checks,
// and the sweep of advertisements that dead processes left. Table-driven.
#include "knot/report/advertisement.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "knot/report/report_file.h"

namespace knot::report {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kPid = 4'000'321;

// Well-formed advertisements, including a minor version and unknown fields.
TEST(AdvertisementTest, ParsesValidAdvertisements) {
  struct Case {
    const char* name;
    std::string text;
    std::string report_dir;
    int signal;
  };
  const std::vector<Case> cases = {
      {"plain",
       R"({"schema": "knot.watchdog/1", "pid": 4000321, "report_dir": "/r", "signal": 38})", "/r",
       38},
      {"minor_version_and_extra_field",
       R"({"schema": "knot.watchdog/1.2", "pid": 4000321, "report_dir": "/a b/c", "signal": 10,
           "started": "2026-11-28T21:00:00Z"})",
       "/a b/c", 10},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string why;
    const auto ad = parse_advertisement(c.text, why);
    ASSERT_TRUE(ad.has_value()) << why;
    EXPECT_EQ(ad->pid, kPid);
    EXPECT_EQ(ad->report_dir, c.report_dir);
    EXPECT_EQ(ad->signal, c.signal);
  }
}

// Each malformed advertisement is refused with a reason that says what is
// wrong.
TEST(AdvertisementTest, RefusesMalformedAdvertisements) {
  struct Case {
    const char* name;
    std::string text;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"not_json", "{\"schema\": ", "not a JSON object"},
      {"array", "[1, 2]", "not a JSON object"},
      {"no_schema", R"({"pid": 4000321, "report_dir": "/r", "signal": 38})", "no \"schema\""},
      {"other_major", R"({"schema": "knot.watchdog/2", "pid": 4000321, "report_dir": "/r",
                          "signal": 38})",
       "schema \"knot.watchdog/2\", not knot.watchdog/1"},
      {"prefix_only", R"({"schema": "knot.watchdog/10", "pid": 4000321, "report_dir": "/r",
                          "signal": 38})",
       "schema \"knot.watchdog/10\""},
      {"pid_zero", R"({"schema": "knot.watchdog/1", "pid": 0, "report_dir": "/r", "signal": 38})",
       "no integer \"pid\""},
      {"pid_as_string",
       R"({"schema": "knot.watchdog/1", "pid": "4000321", "report_dir": "/r", "signal": 38})",
       "no integer \"pid\""},
      {"relative_dir",
       R"({"schema": "knot.watchdog/1", "pid": 4000321, "report_dir": "r", "signal": 38})",
       "not an absolute path"},
      {"no_dir", R"({"schema": "knot.watchdog/1", "pid": 4000321, "signal": 38})",
       "not an absolute path"},
      {"signal_zero",
       R"({"schema": "knot.watchdog/1", "pid": 4000321, "report_dir": "/r", "signal": 0})",
       "not a signal number"},
      {"signal_too_large",
       R"({"schema": "knot.watchdog/1", "pid": 4000321, "report_dir": "/r", "signal": 4096})",
       "not a signal number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string why;
    EXPECT_FALSE(parse_advertisement(c.text, why).has_value());
    EXPECT_NE(why.find(c.why), std::string::npos) << why;
  }
}

// Every byte of a folder's name survives the round trip; the text is one
// valid JSON object (#16 item 5: a tab made the hand-written one invalid).
TEST(AdvertisementTest, RoundTripsAnyFolderName) {
  const std::vector<std::string> names = {"/plain",       "/a\tb",
                                          "/new\nline",   "/\"quoted\"",
                                          "/back\\slash", "/\x1b]0;pwned\x07\x1b[2J",
                                          "/\x01\x7f",    "/caf\xc3\xa9 \xe6\x97\xa5"};
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    Advertisement ad;
    ad.pid = kPid;
    ad.report_dir = name;
    ad.signal = 38;
    ad.start_time = "2026-11-28T21:00:00.000Z";
    std::string why;
    const auto back = parse_advertisement(advertisement_json(ad), why);
    ASSERT_TRUE(back.has_value()) << why << "\n" << advertisement_json(ad);
    EXPECT_EQ(back->pid, kPid);
    EXPECT_EQ(back->report_dir, name);
    EXPECT_EQ(back->signal, 38);
    EXPECT_EQ(back->start_time, ad.start_time);
  }
}

class AdvertisementFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/knot-advertisement-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    dir_ = root_ + "/knot";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // dead_pid() is the pid of a child that has exited and been reaped.
  static pid_t dead_pid() {
    const pid_t child = ::fork();
    if (child == 0)
      ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
  }

  // plant() writes `name` in `dir` and dates it `age_seconds` back.
  static void plant(const std::string& dir, const std::string& name, long age_seconds) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << "{}";
    timespec times[2] = {};
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= age_seconds;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  }

  std::string root_, dir_;
};

// The writer makes the folder 0700 and the file 0600, and what it wrote
// parses back.
TEST_F(AdvertisementFileTest, WritesPrivatelyWhatParsesBack) {
  Advertisement ad;
  ad.pid = kPid;
  ad.report_dir = "/reports/with\ttab";
  ad.signal = 40;
  const std::string path = write_advertisement(dir_, ad);
  EXPECT_EQ(path, dir_ + "/4000321.json");
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::string why;
  const auto back = parse_advertisement(text, why);
  ASSERT_TRUE(back.has_value()) << why;
  EXPECT_EQ(back->report_dir, ad.report_dir);
}

// A folder others may read, or a link in its place, is not used.
TEST_F(AdvertisementFileTest, RefusesAFolderThatIsNotPrivate) {
  Advertisement ad{kPid, "/r", 38, ""};
  ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  EXPECT_THROW(write_advertisement(dir_, ad), ReportFileError);
  fs::remove(dir_);
  fs::create_directory(root_ + "/elsewhere");
  fs::permissions(root_ + "/elsewhere", fs::perms::owner_all, fs::perm_options::replace);
  fs::create_directory_symlink(root_ + "/elsewhere", dir_);
  EXPECT_THROW(write_advertisement(dir_, ad), ReportFileError);
  EXPECT_TRUE(fs::is_empty(root_ + "/elsewhere"));
}

// A name that is not UTF-8 cannot be advertised as it is: refused, not
// replaced by another folder's name.
TEST_F(AdvertisementFileTest, RefusesAFolderNameThatIsNotUtf8) {
  Advertisement ad{kPid, "/bad\xff", 38, ""};
  EXPECT_THROW(write_advertisement(dir_, ad), ReportFileError);
}

// Only provably stale files go (#16 item 6): a dead process's, old enough,
// owned by us, regular. A live process's, a fresh one, a link, another
// name, and (as root) another user's stay.
TEST_F(AdvertisementFileTest, SweepRemovesOnlyDeadProcessesFiles) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getppid());
  plant(dir_, dead + ".json", 600);
  plant(dir_, dead + ".json.tmp", 600);
  plant(dir_, live + ".json", 600);
  plant(dir_, "0" + dead + ".json", 600);
  plant(dir_, "notes.json", 600);
  fs::create_directory(root_ + "/target");
  fs::create_symlink(root_ + "/target", dir_ + "/9" + dead + ".json");
  plant(dir_, ".knot-file-" + dead + "-0123456789ab.tmp", 600);
  // Fresh: a process may have just written it (and we may not see it).
  const std::string fresh_dead = std::to_string(dead_pid());
  plant(dir_, fresh_dead + ".json", 0);
  const bool is_root = ::geteuid() == 0;
  const std::string theirs_dead = std::to_string(dead_pid());
  if (is_root) {
    plant(dir_, theirs_dead + ".json", 600);
    ASSERT_EQ(::lchown((dir_ + "/" + theirs_dead + ".json").c_str(), 65534, 65534), 0);
  }

  EXPECT_EQ(sweep_stale_advertisements(dir_), 3u);
  EXPECT_FALSE(fs::exists(dir_ + "/" + dead + ".json"));
  EXPECT_FALSE(fs::exists(dir_ + "/" + dead + ".json.tmp"));
  EXPECT_FALSE(fs::exists(dir_ + "/.knot-file-" + dead + "-0123456789ab.tmp"));
  EXPECT_TRUE(fs::exists(dir_ + "/" + live + ".json"));
  EXPECT_TRUE(fs::exists(dir_ + "/0" + dead + ".json"));
  EXPECT_TRUE(fs::exists(dir_ + "/notes.json"));
  EXPECT_TRUE(fs::is_symlink(dir_ + "/9" + dead + ".json"));
  EXPECT_TRUE(fs::exists(dir_ + "/" + fresh_dead + ".json"));
  if (is_root) {
    EXPECT_TRUE(fs::exists(dir_ + "/" + theirs_dead + ".json"));
  }
}

}  // namespace
}  // namespace knot::report
