// Tests of ingest: the fixture corpus, re-ingest as a no-op, a changed file,
// and bad input (empty, binary, huge, invalid UTF-8, missing paths).
#include "knot/pipeline/ingest.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "knot/pipeline/utf8.h"
#include "pipeline_test_util.h"

namespace knot::pipeline {
namespace {

using testing::TempDir;

// The corpus goes in whole; ingesting it again changes nothing.
TEST(IngestTest, CorpusThenReingestIsNoOp) {
  TempDir dir;
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
  IngestReport first = ingest(store, paths);
  EXPECT_EQ(first.files_seen, 30u);
  EXPECT_EQ(first.added, 30u);
  EXPECT_TRUE(first.skipped.empty());
  EXPECT_EQ(store.count_items(), 30);

  IngestReport second = ingest(store, paths);
  EXPECT_EQ(second.added, 0u);
  EXPECT_EQ(second.updated, 0u);
  EXPECT_EQ(second.unchanged, 30u);
  EXPECT_EQ(store.count_items(), 30);
}

// A changed file is updated (only that one), a new file added.
TEST(IngestTest, ChangedFileIsUpdated) {
  TempDir dir;
  testing::copy_corpus(dir / "corpus");
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<std::filesystem::path> paths = {dir / "corpus"};
  ingest(store, paths);
  auto before = store.content_hashes();

  std::filesystem::path changed = dir / "corpus" / "06-chess.html";
  testing::write_file(changed, testing::read_file(changed) + "<p>An added paragraph.</p>");
  testing::write_file(dir / "corpus" / "31-new.html", "<html><body><p>new</p></body></html>");
  IngestReport again = ingest(store, paths);
  EXPECT_EQ(again.updated, 1u);
  EXPECT_EQ(again.added, 1u);
  EXPECT_EQ(again.unchanged, 29u);
  auto after = store.content_hashes();
  std::string key = std::filesystem::canonical(changed).string();
  EXPECT_NE(before.at(key), after.at(key));
  EXPECT_EQ(store.count_items(), 31);
}

// Empty, binary and oversized files are skipped with a reason; invalid
// UTF-8 is ingested with a warning; a folder walk takes only HTML; a missing
// path is reported; an explicit file is taken whatever its extension.
TEST(IngestTest, BadInputIsSkippedWithReasons) {
  TempDir dir;
  std::filesystem::path in = dir / "in";
  testing::write_file(in / "empty.html", "");
  testing::write_file(in / "binary.html", std::string("<html>\0\x01\x02", 9));
  testing::write_file(in / "huge.html", std::string(5000, 'h'));
  testing::write_file(in / "latin1.html", "<html><body><p>caf\xe9</p></body></html>");
  testing::write_file(in / "good.htm", "<html><body><p>fine</p></body></html>");
  testing::write_file(in / "notes.txt", "not html");
  testing::write_file(dir / "explicit.txt", "<p>named explicitly</p>");

  Store store = Store::open(dir / "a.db", {.create = true});
  IngestOptions options;
  options.max_file_bytes = 4096;
  std::vector<std::filesystem::path> paths = {in, dir / "explicit.txt", dir / "missing"};
  IngestReport report = ingest(store, paths, options);

  EXPECT_EQ(report.files_seen, 6u);  // five .htm(l) files and the explicit one
  EXPECT_EQ(report.added, 3u);       // latin1, good, explicit
  ASSERT_EQ(report.skipped.size(), 3u);
  auto reason_of = [&](const std::string& name) {
    for (const SkippedFile& s : report.skipped) {
      if (std::filesystem::path(s.path).filename() == name) {
        return s.reason;
      }
    }
    return std::string("(not skipped)");
  };
  EXPECT_EQ(reason_of("empty.html"), "empty file");
  EXPECT_NE(reason_of("binary.html").find("binary"), std::string::npos);
  EXPECT_NE(reason_of("huge.html").find("larger than"), std::string::npos);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].path.find("latin1.html"), std::string::npos);
  ASSERT_EQ(report.missing.size(), 1u);
  EXPECT_EQ(store.count_items(), 3);
}

// Ingest into a read-only database fails before reading anything.
TEST(IngestTest, ReadOnlyDatabaseFailsClearly) {
  TempDir dir;
  { Store store = Store::open(dir / "a.db", {.create = true}); }
  ::chmod((dir / "a.db").c_str(), 0444);
  Store store = Store::open(dir / "a.db");
  std::vector<std::filesystem::path> paths = {testing::corpus_dir()};
  try {
    ingest(store, paths);
    ADD_FAILURE() << "ingest into a read-only database succeeded";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreErrc::kReadOnly);
    EXPECT_NE(std::string(e.what()).find("ingest"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.count_items(), 0);
}

// Regression (#16 item 7): the same file reached through a symbolic link
// (to it, or to its folder) or another spelling was stored once per path,
// and search showed it twice. Files are keyed by their canonical path.
TEST(IngestTest, FileReachedThroughLinksIsStoredOnce) {
  TempDir dir;
  namespace fs = std::filesystem;
  testing::write_file(dir / "real" / "a.html", "<html><body><p>alpha</p></body></html>");
  fs::create_directory_symlink(dir / "real", dir / "link");
  fs::create_symlink(dir / "real" / "a.html", dir / "real" / "alias.html");
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<fs::path> paths = {dir / "real", dir / "link" / "a.html",
                                 dir / "real" / ".." / "real" / "a.html", dir / "link"};
  IngestReport report = ingest(store, paths);
  EXPECT_EQ(report.files_seen, 1u);
  EXPECT_EQ(store.count_items(), 1);
  auto hashes = store.content_hashes();
  ASSERT_EQ(hashes.size(), 1u);
  EXPECT_EQ(hashes.begin()->first, fs::canonical(dir / "real" / "a.html").string());
  // Again through the link alone: the same item, unchanged.
  std::vector<fs::path> again = {dir / "link" / "alias.html"};
  EXPECT_EQ(ingest(store, again).unchanged, 1u);
  EXPECT_EQ(store.count_items(), 1);
}

// Regression (#16 item 7): a file with two hard links was stored twice,
// under each name (duplicate search hits). The first name in path order is
// the item; the other is reported as the same file, in one run and later.
TEST(IngestTest, FileWithTwoHardLinksIsStoredOnce) {
  TempDir dir;
  namespace fs = std::filesystem;
  testing::write_file(dir / "docs" / "a.html", "<html><body><p>alpha</p></body></html>");
  fs::create_hard_link(dir / "docs" / "a.html", dir / "docs" / "b.html");
  testing::write_file(dir / "docs" / "c.html", "<html><body><p>alpha</p></body></html>");
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<fs::path> paths = {dir / "docs"};
  IngestReport report = ingest(store, paths);
  EXPECT_EQ(report.added, 2u);  // a.html, and c.html: same bytes, another file
  ASSERT_EQ(report.same_file.size(), 1u);
  EXPECT_EQ(report.same_file[0].path, fs::canonical(dir / "docs" / "b.html").string());
  EXPECT_NE(report.same_file[0].reason.find("a.html"), std::string::npos);
  EXPECT_EQ(store.count_items(), 2);

  // A later run that reaches the file only through its other name.
  fs::create_directory(dir / "elsewhere");
  fs::create_hard_link(dir / "docs" / "a.html", dir / "elsewhere" / "d.html");
  std::vector<fs::path> later = {dir / "elsewhere"};
  IngestReport again = ingest(store, later);
  EXPECT_EQ(again.added, 0u);
  ASSERT_EQ(again.same_file.size(), 1u);
  EXPECT_NE(again.same_file[0].reason.find("a.html"), std::string::npos);
  EXPECT_EQ(store.count_items(), 2);

  // A new name that sorts before the stored one: the stored name stays the
  // item (and is still checked for changes), the new one is the duplicate.
  fs::create_hard_link(dir / "docs" / "a.html", dir / "docs" / "0.html");
  IngestReport third = ingest(store, paths);
  EXPECT_EQ(third.added, 0u);
  EXPECT_EQ(third.unchanged, 2u);
  ASSERT_EQ(third.same_file.size(), 2u);  // 0.html and b.html
  for (const SkippedFile& s : third.same_file) {
    EXPECT_NE(s.reason.find("a.html"), std::string::npos) << s.path;
  }
  EXPECT_EQ(store.count_items(), 2);
}

// Regression (#16 item 7): a symbolic link loop named as an argument was
// reported as "no such file or folder".
TEST(IngestTest, SymlinkLoopArgumentIsNamed) {
  TempDir dir;
  std::filesystem::create_symlink(dir / "loop", dir / "loop");
  EXPECT_EQ(argument_problem(dir / "loop"), "symlink loop");
  EXPECT_EQ(argument_problem(dir / "none"), kNoSuchPath);
  Store store = Store::open(dir / "a.db", {.create = true});
  std::vector<std::filesystem::path> paths = {dir / "loop"};
  IngestReport report = ingest(store, paths);
  EXPECT_TRUE(report.missing.empty());
  ASSERT_EQ(report.unusable.size(), 1u);
  EXPECT_EQ(report.unusable[0].reason, "symlink loop");
}

// Regression (#16 item 7): a folder that cannot be listed was skipped
// silently. As root the test drops root's permission bypass for its own
// thread (DacBypassOff), so mode 000 binds it too; where even that is not
// possible the test is skipped rather than passing vacuously.
TEST(IngestTest, UnreadableFolderIsReported) {
  TempDir dir;
  namespace fs = std::filesystem;
  testing::write_file(dir / "in" / "ok.html", "<html><body><p>ok</p></body></html>");
  testing::write_file(dir / "in" / "locked" / "hidden.html", "<p>hidden</p>");
  testing::write_file(dir / "closed" / "also.html", "<p>also</p>");
  Store store = Store::open(dir / "a.db", {.create = true});
  ::chmod((dir / "in" / "locked").c_str(), 0);
  ::chmod((dir / "closed").c_str(), 0);
  IngestReport mixed;
  IngestReport closed;
  {
    testing::DacBypassOff bypass_off;
    std::error_code ec;
    fs::directory_iterator probe(dir / "closed", ec);
    if (!ec) {
      ::chmod((dir / "in" / "locked").c_str(), 0700);
      ::chmod((dir / "closed").c_str(), 0700);
      GTEST_SKIP() << "a folder of mode 000 is readable here (root's bypass could not be dropped)";
    }
    std::vector<fs::path> paths = {dir / "in"};
    mixed = ingest(store, paths);
    std::vector<fs::path> only_closed = {dir / "closed"};
    closed = ingest(store, only_closed);
  }
  ::chmod((dir / "in" / "locked").c_str(), 0700);
  ::chmod((dir / "closed").c_str(), 0700);
  EXPECT_EQ(mixed.files_seen, 1u);
  ASSERT_EQ(mixed.unreadable_folders.size(), 1u);
  EXPECT_EQ(mixed.unreadable_folders[0].path, (dir / "in" / "locked").string());
  EXPECT_FALSE(mixed.unreadable_folders[0].reason.empty());
  EXPECT_EQ(closed.files_seen, 0u);
  ASSERT_EQ(closed.unreadable_folders.size(), 1u);
  EXPECT_EQ(closed.unreadable_folders[0].path, (dir / "closed").string());
}

// UTF-8 validation and repair, table-driven.
TEST(Utf8Test, ValidatesAndSanitizes) {
  struct Case {
    const char* name;
    std::string input;
    bool is_valid;
    std::string sanitized;
  };
  const Case cases[] = {
      {"ascii", "plain", true, "plain"},
      {"two-byte", "caf\xc3\xa9", true, "caf\xc3\xa9"},
      {"four-byte", "\xf0\x9f\x94\xad", true, "\xf0\x9f\x94\xad"},
      {"latin1 byte", "caf\xe9!", false, "caf\xef\xbf\xbd!"},
      {"overlong", "\xc0\xaf", false, "\xef\xbf\xbd"},
      {"surrogate", "\xed\xa0\x80", false, "\xef\xbf\xbd"},
      {"truncated", "ab\xe2\x82", false, "ab\xef\xbf\xbd"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(is_valid_utf8(c.input), c.is_valid) << c.name;
    EXPECT_EQ(sanitize_utf8(c.input), c.sanitized) << c.name;
    EXPECT_TRUE(is_valid_utf8(sanitize_utf8(c.input))) << c.name;
  }
}

}  // namespace
}  // namespace knot::pipeline
