// knot-dump's advertisement search (tools/dump/src/advertisement.h): where
// it looks and which files it refuses. The file's format is the report
// library's (tests/instrumentation/advertisement_test.cc).
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
    fs::permissions(xdg_ + "/knot", fs::perms::owner_all);
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
  EXPECT_EQ(r.path, path_);
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
  write(good_ + std::string(knot::report::kMaxAdvertisementBytes, ' '));
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

// A file that names another pid (a copy, or a forgery) is not this
// process's.
TEST_F(FindAdvertisementTest, FileNamingAnotherPidIsRefused) {
  write(R"({"schema": "knot.watchdog/1", "pid": 17, "report_dir": "/r", "signal": 38})");
  const FindResult r = find();
  EXPECT_EQ(r.status, FindResult::Status::kUnusable);
  EXPECT_EQ(r.detail, path_ + ": it names pid 17, not 4000321");
}

// What the watchdog writes (report::write_advertisement()) is what
// knot-dump finds, whatever bytes the report folder's name holds (#16 item
// 5: a tab in the name made the hand-written JSON invalid).
TEST_F(FindAdvertisementTest, FindsWhatTheWriterWrote) {
  knot::report::Advertisement ad;
  ad.pid = kPid;
  ad.report_dir = "/reports/a\ttab \"quoted\" back\\slash\x1b]0;x\x07";
  ad.signal = 38;
  knot::report::write_advertisement(xdg_ + "/knot", ad);
  const FindResult r = find();
  ASSERT_EQ(r.status, FindResult::Status::kFound) << r.detail;
  EXPECT_EQ(r.advertisement.report_dir, ad.report_dir);
  EXPECT_EQ(r.advertisement.signal, 38);
}

}  // namespace
}  // namespace knot::dump
