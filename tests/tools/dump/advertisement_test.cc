// knot-dump's advertisement reading (tools/dump/src/advertisement.h):
// parsing, where it looks, and which files it refuses. Table-driven.
#include "advertisement.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace knot::dump {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

// A pid no test process has (near PID_MAX_LIMIT), so that no real
// advertisement in /tmp or /run/user is found for it.
constexpr pid_t kPid = 4'000'321;

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
    const auto ad = parse_advertisement(c.text, kPid, why);
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
      {"other_pid", R"({"schema": "knot.watchdog/1", "pid": 17, "report_dir": "/r", "signal": 38})",
       "it names pid 17, not 4000321"},
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
    EXPECT_FALSE(parse_advertisement(c.text, kPid, why).has_value());
    EXPECT_NE(why.find(c.why), std::string::npos) << why;
  }
}

// The places, in order: this environment's XDG_RUNTIME_DIR, then the
// owner's /run/user and /tmp folders; no duplicates.
TEST(AdvertisementTest, LooksInXdgThenTheOwnersFolders) {
  EXPECT_EQ(advertisement_paths(42, 1000u, "/run/user/7"),
            (std::vector<std::string>{"/run/user/7/knot/42.json", "/run/user/1000/knot/42.json",
                                      "/tmp/knot-1000/42.json"}));
  EXPECT_EQ(advertisement_paths(42, 1000u, "/run/user/1000"),
            (std::vector<std::string>{"/run/user/1000/knot/42.json", "/tmp/knot-1000/42.json"}));
  EXPECT_EQ(advertisement_paths(42, 1000u, ""),
            (std::vector<std::string>{"/run/user/1000/knot/42.json", "/tmp/knot-1000/42.json"}));
  EXPECT_EQ(advertisement_paths(42, std::nullopt, nullptr),
            (std::vector<std::string>{"/tmp/knot-" + std::to_string(::getuid()) + "/42.json"}));
}

class FindAdvertisementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/knot-advert-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    xdg_ = pattern;
    fs::create_directory(xdg_ + "/knot");
    path_ = xdg_ + "/knot/" + std::to_string(kPid) + ".json";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(xdg_, ignored);
  }

  void write(const std::string& text) { std::ofstream(path_) << text; }

  FindResult find(std::optional<uid_t> owner = ::getuid(),
                  std::optional<system_clock::time_point> started = std::nullopt) {
    return find_advertisement(kPid, owner, started, xdg_.c_str());
  }

  std::string xdg_, path_;
  const std::string good_ = R"({"schema": "knot.watchdog/1", "pid": 4000321,
                                "report_dir": "/reports", "signal": 38})";
};

// A good file is found, with the path it came from.
TEST_F(FindAdvertisementTest, FindsAGoodFile) {
  write(good_);
  const FindResult r = find();
  ASSERT_EQ(r.status, FindResult::Status::kFound) << r.detail;
  EXPECT_EQ(r.advertisement.path, path_);
  EXPECT_EQ(r.advertisement.report_dir, "/reports");
}

// No file anywhere: kMissing.
TEST_F(FindAdvertisementTest, NoFileIsMissing) {
  EXPECT_EQ(find().status, FindResult::Status::kMissing);
}

// A file older than the process (a pid reused after a crash) is stale; one
// written after it started is not.
TEST_F(FindAdvertisementTest, FileOlderThanTheProcessIsStale) {
  write(good_);
  const auto now = system_clock::now();
  const FindResult stale = find(::getuid(), now + std::chrono::seconds(30));
  EXPECT_EQ(stale.status, FindResult::Status::kUnusable);
  EXPECT_NE(stale.detail.find("stale"), std::string::npos) << stale.detail;
  EXPECT_EQ(find(::getuid(), now - std::chrono::seconds(30)).status, FindResult::Status::kFound);
}

// A file owned by someone other than the process's owner is not trusted.
TEST_F(FindAdvertisementTest, FileOfAnotherOwnerIsRefused) {
  write(good_);
  const FindResult r = find(::getuid() + 1);
  EXPECT_EQ(r.status, FindResult::Status::kUnusable);
  EXPECT_NE(r.detail.find("owned by uid"), std::string::npos) << r.detail;
}

// A symbolic link is not followed, even to a good file.
TEST_F(FindAdvertisementTest, SymbolicLinkIsRefused) {
  const std::string target = xdg_ + "/elsewhere.json";
  std::ofstream(target) << good_;
  fs::create_symlink(target, path_);
  const FindResult r = find();
  EXPECT_EQ(r.status, FindResult::Status::kUnusable);
  EXPECT_NE(r.detail.find("symbolic link"), std::string::npos) << r.detail;
}

// A folder in the file's place, and an oversized file, are refused.
TEST_F(FindAdvertisementTest, NonRegularAndOversizedFilesAreRefused) {
  fs::create_directory(path_);
  EXPECT_EQ(find().status, FindResult::Status::kUnusable);
  fs::remove(path_);
  write(good_ + std::string(kMaxAdvertisementBytes, ' '));
  const FindResult r = find();
  EXPECT_EQ(r.status, FindResult::Status::kUnusable);
  EXPECT_NE(r.detail.find("larger than"), std::string::npos) << r.detail;
}

// A malformed file reports the parser's reason, prefixed by its path.
TEST_F(FindAdvertisementTest, MalformedFileSaysWhy) {
  write(R"({"schema": "knot.watchdog/1", "pid": 4000321, "report_dir": "rel", "signal": 38})");
  const FindResult r = find();
  EXPECT_EQ(r.status, FindResult::Status::kUnusable);
  EXPECT_EQ(r.detail, path_ + ": \"report_dir\" is not an absolute path");
}

}  // namespace
}  // namespace knot::dump
