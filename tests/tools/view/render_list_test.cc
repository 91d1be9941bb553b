// knot::view::render_list: several reports, newest first (by verdict time,
// else file time), unreadable files listed with their error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// Wide enough for one line per report with an 80-character summary.
constexpr std::size_t kWide = 200;

ListEntry entry(const std::string& path, std::int64_t modified_s, const std::string& verdict_time,
                const std::string& summary) {
  ListEntry e;
  e.path = path;
  e.modified_ns = modified_s * kSecond;
  knot::report::Report report = testing::seed_report();
  report.verdict->time = verdict_time;
  report.summary = summary;
  e.report = std::move(report);
  return e;
}

// Rows come newest first by the verdict's time, whatever the file times
// say; a report without a verdict time and an unreadable file go by their
// file time.
TEST(RenderListTest, NewestFirst) {
  std::vector<ListEntry> entries;
  // Old file time, newest verdict.
  entries.push_back(entry("/r/knot-deadlock-b.json", 1000, "2024-05-01T12:05:00Z", "second"));
  entries.push_back(entry("/r/knot-deadlock-a.json", 5000, "2024-05-01T12:00:03.250Z", "first"));
  // No parseable verdict time: its file time, 2024-05-01T12:10:00Z.
  entries.push_back(entry("/r/knot-deadlock-c.json", 1714565400, "", "third"));
  ListEntry broken;
  broken.path = "/r/knot-deadlock-broken.json";
  broken.modified_ns = 1714564800 * kSecond;  // 2024-05-01T12:00:00Z
  broken.error = "not valid JSON (truncated or malformed)";
  entries.push_back(broken);

  const std::string list = render_list(entries, false, kWide);
  const std::size_t header = list.find("TIME");
  const std::size_t third = list.find("third");
  const std::size_t second = list.find("second");
  const std::size_t first = list.find("first");
  const std::size_t unreadable = list.find("unreadable");
  ASSERT_EQ(header, 0u) << list;
  ASSERT_NE(third, std::string::npos);
  EXPECT_LT(third, second);
  EXPECT_LT(second, first);
  EXPECT_LT(first, unreadable);
  EXPECT_NE(list.find("2024-05-01T12:10:00Z"), std::string::npos) << list;
  EXPECT_NE(list.find("knot-embed [4242]"), std::string::npos);
  EXPECT_NE(list.find("not valid JSON (truncated or malformed)  knot-deadlock-broken.json"),
            std::string::npos)
      << list;
  EXPECT_EQ(list.find('\x1b'), std::string::npos);
}

// Ties in time go by path, so the order never depends on the input order.
TEST(RenderListTest, TiesByPath) {
  std::vector<ListEntry> entries = {entry("/r/knot-z.json", 1, "2024-05-01T12:00:00Z", "zed"),
                                    entry("/r/knot-a.json", 1, "2024-05-01T12:00:00Z", "ay")};
  const std::string list = render_list(entries, false);
  EXPECT_LT(list.find("ay"), list.find("zed"));
}

// Suspected verdicts say so; summaries are cut and neutralized.
TEST(RenderListTest, KindsAndHostileSummaries) {
  auto suspected = entry("/r/knot-x.json", 1, "2024-05-01T12:00:00Z", std::string(200, 's'));
  suspected.report->verdict->kind = "pool_exhaustion";
  suspected.report->verdict->is_proven = false;
  auto hostile = entry("/r/knot-y.json", 2, "2024-05-01T11:00:00Z", "\x1b[2Jgone\x1b]0;t\x07");
  const std::string list = render_list({suspected, hostile}, false, kWide);
  EXPECT_NE(list.find("pool_exhaustion (suspected)"), std::string::npos);
  EXPECT_NE(list.find(std::string(80, 's') + "\xe2\x80\xa6"), std::string::npos);
  EXPECT_EQ(list.find(std::string(81, 's')), std::string::npos);
  EXPECT_NE(list.find("\\x1b[2Jgone\\x1b]0;t\\x07"), std::string::npos);
  EXPECT_EQ(list.find('\x1b'), std::string::npos);
  EXPECT_NE(render_list({suspected}, true).find("\x1b[1;33mpool_exhaustion"), std::string::npos);
}

// Narrower than a one-line row, each summary goes under its row, indented
// and cut to the width; the file's name stays whole.
TEST(RenderListTest, NarrowPutsSummariesUnderTheirRows) {
  const std::string long_name = "/r/knot-deadlock-20261129T004600Z-22524-1.json";
  const std::string summary =
      "Deadlock: thread 'embed' waits for tasks queued in pool 'global', " + std::string(100, 'x');
  const std::string list =
      render_list({entry(long_name, 1, "2024-05-01T12:00:00Z", summary)}, false, 80);
  EXPECT_EQ(list.rfind("TIME                  KIND      PROCESS            FILE\n", 0), 0u) << list;
  EXPECT_NE(list.find("knot-embed [4242]  knot-deadlock-20261129T004600Z-22524-1.json\n"
                      "  Deadlock: thread 'embed' waits"),
            std::string::npos)
      << list;
  for (std::size_t start = 0, end = 0; (end = list.find('\n', start)) != std::string::npos;
       start = end + 1) {
    const std::string line = list.substr(start, end - start);
    if (line.starts_with("  ")) {
      EXPECT_EQ(line.size(), 2 + 77 + 3u) << line;  // 78 code points, the last "…" (3 bytes)
    }
  }
  // At 200 columns the same report is one line.
  const std::string wide =
      render_list({entry(long_name, 1, "2024-05-01T12:00:00Z", summary)}, false, kWide);
  EXPECT_NE(wide.find("SUMMARY"), std::string::npos) << wide;
}

}  // namespace
}  // namespace knot::view
