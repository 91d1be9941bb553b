// knot::report files: atomic private writes, no overwriting, no following
// links, a full disk leaves nothing behind, listing and capped reading.
#include "knot/report/report_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

namespace knot::report {
namespace {

namespace fs = std::filesystem;

class ReportFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/knot-report-file-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static Report sample(const std::string& id) {
    Report r;
    r.id = id;
    r.verdict = Verdict{"deadlock", true, "2026-11-29T00:00:00Z", 0.1};
    r.summary = "deadlock: thread 'a' -> channel 'c' -> thread 'a'";
    return r;
  }

  std::size_t count_files() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_))
      ++n;
    return n;
  }

  std::string dir_;
};

TEST_F(ReportFileTest, WritesPrivatelyAndReadsBack) {
  std::string path = write_report_file(dir_ + "/reports", sample("t-1"));
  EXPECT_EQ(fs::path(path).filename(), "knot-deadlock-t-1.json");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/reports").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ParseResult parsed = read_report_file(path);
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_EQ(parsed.report->summary, sample("t-1").summary);
}

// A report folder whose parents are missing is made whole, every new level
// private; a file in the way is a clear error.
TEST_F(ReportFileTest, CreatesMissingParentsPrivately) {
  const std::string nested = dir_ + "/a/b/c";
  std::string path = write_report_file(nested + "/", sample("t-2"));
  EXPECT_EQ(fs::path(path).parent_path(), fs::path(nested));
  for (const std::string& level : {dir_ + "/a", dir_ + "/a/b", nested}) {
    struct stat st {};
    ASSERT_EQ(::stat(level.c_str(), &st), 0) << level;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << level;
  }
  std::ofstream(dir_ + "/file") << "x";
  try {
    create_report_dir(dir_ + "/file/sub");
    ADD_FAILURE() << "a file in the path was accepted";
  } catch (const ReportFileError& e) {
    EXPECT_EQ(e.path(), dir_ + "/file/sub");
    EXPECT_NE(std::string(e.what()).find("cannot create the report folder"), std::string::npos);
  }
}

TEST_F(ReportFileTest, NeverOverwritesAndLeavesNoTemporaries) {
  std::string a = write_report_file(dir_, sample("same"));
  std::string b = write_report_file(dir_, sample("same"));
  std::string c = write_report_file(dir_, sample("same"));
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_EQ(fs::path(b).filename(), "knot-deadlock-same-2.json");
  EXPECT_EQ(count_files(), 3u);
}

TEST_F(ReportFileTest, HostileIdsStayInTheFolder) {
  std::string path = write_report_file(dir_, sample("../../etc/passwd"));
  EXPECT_EQ(fs::path(path).parent_path(), fs::path(dir_));
  EXPECT_EQ(fs::path(path).filename().string().find('/'), std::string::npos);
}

TEST_F(ReportFileTest, RefusesALinkedFolderAndDoesNotFollowALinkedName) {
  fs::create_directory(dir_ + "/real");
  fs::create_directory_symlink(dir_ + "/real", dir_ + "/link");
  EXPECT_THROW(write_report_file(dir_ + "/link", sample("x")), ReportFileError);
  EXPECT_TRUE(fs::is_empty(dir_ + "/real"));

  // A link planted under the report's name is left alone: the report takes the next name.
  std::ofstream(dir_ + "/victim") << "keep";
  fs::create_symlink(dir_ + "/victim", dir_ + "/real/knot-deadlock-y.json");
  std::string path = write_report_file(dir_ + "/real", sample("y"));
  EXPECT_EQ(fs::path(path).filename(), "knot-deadlock-y-2.json");
  std::ifstream victim(dir_ + "/victim");
  std::string content;
  victim >> content;
  EXPECT_EQ(content, "keep");
}

// A write that runs out of space (simulated with a file-size limit in a
// child process) throws and leaves no file, not even the temporary.
TEST_F(ReportFileTest, FullDiskLeavesNothingBehind) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{64, 64};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    Report big = sample("big");
    big.narrative.assign(4096, 'x');
    try {
      write_report_file(dir_, big);
    } catch (const ReportFileError& e) {
      std::string what = e.what();
      ::_exit(what.find("cannot write") != std::string::npos ? 0 : 2);
    }
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(count_files(), 0u);
}

TEST_F(ReportFileTest, ListsNewestFirstAndSkipsOthers) {
  std::string first = write_report_file(dir_, sample("1"));
  std::string second = write_report_file(dir_, sample("2"));
  // Make the order independent of the clock's resolution.
  struct timespec times[2] = {{0, UTIME_OMIT}, {1000, 0}};
  ::utimensat(AT_FDCWD, first.c_str(), times, 0);
  std::ofstream(dir_ + "/notes.txt") << "x";
  fs::create_directory(dir_ + "/knot-dir.json");
  auto list = list_report_files(dir_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].path, second);
  EXPECT_EQ(list[1].path, first);
}

TEST_F(ReportFileTest, ReadingRefusesWhatIsNotAReasonableFile) {
  EXPECT_THROW(read_report_file(dir_ + "/missing.json"), ReportFileError);
  EXPECT_THROW(read_report_file(dir_), ReportFileError);
  std::string path = write_report_file(dir_, sample("cap"));
  EXPECT_THROW(read_report_file(path, 16), ReportFileError);
  std::ofstream(dir_ + "/bad.json") << "{\"schema\": \"knot.report/1\", ";
  ParseResult bad = read_report_file(dir_ + "/bad.json");
  EXPECT_FALSE(bad.report.has_value());
  EXPECT_FALSE(bad.diagnostics.empty());
}

}  // namespace
}  // namespace knot::report
