// knot::report: JSON round trip, tolerant reading and bad input, table-driven.
#include "knot/report/report_json.h"

#include <gtest/gtest.h>

#include <string>

namespace knot::report {
namespace {

Report sample() {
  Report r;
  r.id = "20261128T210003Z-4242-1";
  r.trigger = "parking_path";
  r.process = {4242,
               "/usr/bin/knot-embed",
               {"reprocess", "--db", "a.db"},
               "2026-11-28T21:00:00Z",
               "host-1",
               "0.1.0"};
  r.verdict = Verdict{
      "deadlock", false,      "2026-11-28T21:00:03Z",
      0.21,       "inferred", {"thread 'embed' is the only receiver of channel 'processed'"}};
  Pool pool;
  pool.id = 1;
  pool.name = "global";
  pool.policy = "block";
  pool.num_threads = 2;
  pool.pending_tasks = 3;
  pool.tasks_completed = 78;
  pool.workers = {{0, 101, "parked", 1, 40}, {1, 102, "parked", 0, 38}};
  pool.queued_by = {{"thread 'embed'", 1}};
  r.pools.push_back(pool);
  Thread t;
  t.index = 3;
  t.tid = 103;
  t.name = "embed";
  t.stage = "embed";
  t.role = "outside";
  t.state = "parked";
  t.holds = {9};
  t.wait = Wait{"install", 1, "global", false, 0.25};
  t.holds_shared = {12};
  t.wait_stack.push_back(WaitFrame{"install", "its closure in pool 'global' (queued)", 1, 0.25,
                                   false, true, std::nullopt});
  t.task = TaskInfo{3.5, "off_cpu", "S", "futex_wait_queue", "pthread_mutex_lock", std::nullopt};
  t.stack_source = "wait_site";
  t.stack.push_back({0x401000, "/usr/bin/knot-embed", 0x1000, "abcd",
                     "embed_batch(Batch&)::{lambda(int)#1}::operator()(int) const",
                     "pipeline/src/embed.cc", 44, false, true});
  t.stack.push_back({0x401000, "/usr/bin/knot-embed", 0x1000, "abcd", "embed_batch(Batch&)",
                     "pipeline/src/embed.cc", 42, false});
  r.threads.push_back(t);
  Thread w;
  w.index = 1;
  w.tid = 101;
  w.name = "global-0";
  w.pool_id = 1;
  w.worker_index = 0;
  w.state = "parked";
  w.wait = Wait{"channel_send", 77, "processed", false, 0.3};
  r.threads.push_back(w);
  r.resources.push_back({77,
                         "channel",
                         "processed",
                         64,
                         64,
                         2,
                         1,
                         500,
                         436,
                         0,
                         0,
                         0,
                         0,
                         0,
                         {"pool 'global'"},
                         {"thread 'embed'"},
                         {{"recv", "thread 'embed'", "used"}},
                         1,
                         false});
  r.graph.nodes = {{"thread:103", "thread", "thread 'embed'", false},
                   {"pool:1", "pool", "pool 'global'", false},
                   {"channel:77", "resource", "channel 'processed'", false}};
  r.graph.edges = {
      {"thread:103", "pool:1", "waits_for", "waits for 3 tasks queued in", "exact"},
      {"pool:1", "channel:77", "waits_for", "all workers parked sending into", "exact"},
      {"channel:77", "thread:103", "woken_by", "received from only by", "inferred"}};
  r.cycle = {"thread:103", "pool:1", "channel:77"};
  r.summary = "deadlock: thread 'embed' -> pool 'global' -> channel 'processed'";
  r.narrative = "thread 'embed' waits for 3 tasks queued in pool 'global'; ...";
  r.advice = {"run stage 'reprocess' on its own pool (install)"};
  return r;
}

// Writing then reading gives back every field, and a second write is identical.
TEST(ReportJsonTest, RoundTrip) {
  std::string text = to_json(sample());
  ParseResult parsed = parse(text);
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_TRUE(parsed.diagnostics.empty());
  EXPECT_EQ(to_json(*parsed.report), text);
  const Report& r = *parsed.report;
  EXPECT_EQ(r.schema, "knot.report/1.2");
  EXPECT_EQ(r.process.arguments.size(), 3u);
  ASSERT_TRUE(r.verdict.has_value());
  EXPECT_FALSE(r.verdict->is_proven);
  EXPECT_EQ(r.verdict->certainty, "inferred");
  EXPECT_EQ(r.verdict->assumptions.size(), 1u);
  ASSERT_EQ(r.threads[0].wait_stack.size(), 1u);
  EXPECT_TRUE(r.threads[0].wait_stack[0].is_top);
  ASSERT_TRUE(r.threads[0].task.has_value());
  EXPECT_EQ(r.threads[0].task->where, "pthread_mutex_lock");
  EXPECT_EQ(r.threads[0].holds_shared, std::vector<std::uint64_t>{12});
  ASSERT_EQ(r.resources[0].holders.size(), 1u);
  EXPECT_EQ(r.resources[0].holders[0].basis, "used");
  EXPECT_EQ(r.graph.edges[2].basis, "inferred");
  EXPECT_EQ(r.threads[0].stack[1].line, 42);
  EXPECT_TRUE(r.threads[0].stack[0].is_inlined);
  EXPECT_FALSE(r.threads[0].stack[1].is_inlined);
  EXPECT_EQ(r.threads[1].worker_index, std::optional<std::size_t>(0));
  EXPECT_EQ(r.resources[0].capacity, std::optional<std::size_t>(64));
  EXPECT_EQ(r.cycle.size(), 3u);
  EXPECT_EQ(r.threads[0].holds, std::vector<std::uint64_t>{9});
  EXPECT_EQ(r.resources[0].recent_receivers.front(), "thread 'embed'");
  EXPECT_EQ(r.graph.edges[2].kind, "woken_by");
  EXPECT_EQ(r.trigger, "parking_path");
  ASSERT_EQ(r.pools[0].queued_by.size(), 1u);
  EXPECT_EQ(r.pools[0].queued_by[0].submitter, "thread 'embed'");
  EXPECT_EQ(r.process.knot_version, "0.1.0");
}

// Hostile names survive as data: escaped in JSON, intact after reading.
TEST(ReportJsonTest, HostileStringsAreEscaped) {
  Report r = sample();
  r.threads[0].name = "<script>alert(1)</script>\"\n\x01";
  std::string text = to_json(r, -1);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  auto parsed = parse(text);
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_EQ(parsed.report->threads[0].name, r.threads[0].name);
}

struct BadInput {
  const char* name;
  std::string text;
  bool has_report;      // a report comes back (with warnings) or not
  const char* message;  // part of the first diagnostic
};

class ReportJsonBadInputTest : public ::testing::TestWithParam<BadInput> {};

// Each bad document yields a clear diagnostic, never an exception.
TEST_P(ReportJsonBadInputTest, GivesADiagnostic) {
  const BadInput& in = GetParam();
  ParseResult parsed;
  ASSERT_NO_THROW(parsed = parse(in.text));
  EXPECT_EQ(parsed.report.has_value(), in.has_report);
  ASSERT_FALSE(parsed.diagnostics.empty());
  EXPECT_NE(parsed.diagnostics[0].message.find(in.message), std::string::npos)
      << parsed.diagnostics[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReportJsonBadInputTest,
    ::testing::Values(
        BadInput{"Empty", "", false, "not valid JSON"},
        BadInput{"Truncated", to_json(sample()).substr(0, 200), false, "not valid JSON"},
        BadInput{"NotAnObject", "[1,2,3]", false, "not a JSON object"},
        BadInput{"NoSchema", R"({"threads": []})", false, "no \"schema\""},
        BadInput{"OtherDocument", R"({"schema": "something/2"})", false, "not a knot report"},
        BadInput{"NewerMajor", R"({"schema": "knot.report/2"})", false, "unsupported schema"},
        BadInput{"DeepNesting", std::string(10000, '[') + std::string(10000, ']'), false,
                 "nested deeper"},
        BadInput{"WrongFieldType", R"({"schema": "knot.report/1", "threads": [{"tid": "x"}]})",
                 true, "expected an integer"},
        BadInput{"ThreadNotAnObject", R"({"schema": "knot.report/1", "threads": [5]})", true,
                 "skipped"},
        BadInput{"PoolsNotAnArray", R"({"schema": "knot.report/1", "pools": {}})", true,
                 "expected an array"}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

// A minor revision with unknown fields is read, the unknown fields ignored.
TEST(ReportJsonTest, NewerMinorWithUnknownFields) {
  auto parsed = parse(R"({"schema": "knot.report/1.3", "future": {"x": 1},
                          "threads": [{"tid": 7, "name": "t", "color": "red"}]})");
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_TRUE(parsed.diagnostics.empty());
  EXPECT_EQ(parsed.report->threads[0].tid, 7);
}

// A frame of a report older than inline expansion has no is_inlined: it
// reads as a real frame, without a warning.
TEST(ReportJsonTest, FrameWithoutIsInlined) {
  auto parsed = parse(R"json({"schema": "knot.report/1",
      "threads": [{"tid": 7, "stack": [{"pc": 1, "function": "f()", "is_knot": false}]}]})json");
  ASSERT_TRUE(parsed.report.has_value());
  EXPECT_TRUE(parsed.diagnostics.empty());
  ASSERT_EQ(parsed.report->threads[0].stack.size(), 1u);
  EXPECT_FALSE(parsed.report->threads[0].stack[0].is_inlined);
}

// A 1.0 verdict has no certainty: a proven one reads as proven, any other
// as suspected, so that viewers never show a 1.0 warning as a proof.
TEST(ReportJsonTest, VerdictWithoutCertainty) {
  auto proven = parse(R"json({"schema": "knot.report/1",
      "verdict": {"kind": "deadlock", "is_proven": true}})json");
  ASSERT_TRUE(proven.report.has_value());
  ASSERT_TRUE(proven.report->verdict.has_value());
  EXPECT_EQ(proven.report->verdict->certainty, "proven");
  auto warning = parse(R"json({"schema": "knot.report/1",
      "verdict": {"kind": "pool_exhaustion", "is_proven": false}})json");
  ASSERT_TRUE(warning.report.has_value());
  EXPECT_EQ(warning.report->verdict->certainty, "suspected");
  auto inferred = parse(R"json({"schema": "knot.report/1.1",
      "verdict": {"kind": "deadlock", "is_proven": false, "certainty": "inferred"}})json");
  ASSERT_TRUE(inferred.report.has_value());
  EXPECT_EQ(inferred.report->verdict->certainty, "inferred");
}

}  // namespace
}  // namespace knot::report
