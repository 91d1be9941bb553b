// knot::view::render_text: the terminal diagnosis of the seed's deadlock
// (a golden file), its sections and their order, folding, grouping levels,
// colour, and safety on hostile and empty reports.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

using testing::frame;
using testing::seed_report;
using testing::thread;

// The whole plain rendering of the seed's deadlock, compared with the
// golden file (set KNOT_VIEW_UPDATE_GOLDEN=1 to rewrite it, then review).
TEST(RenderTextTest, SeedMatchesGolden) {
  const std::string text = render_text(seed_report(), {});
  const std::string golden_path = testing::test_data_path("seed_deadlock.golden.txt");
  if (std::getenv("KNOT_VIEW_UPDATE_GOLDEN") != nullptr)
    std::ofstream(golden_path, std::ios::binary) << text;
  EXPECT_EQ(text, testing::read_file(golden_path));
}

// Reports the scenario suite made (tests/scenarios, captured with
// data/scenarios/capture.sh), rendered plainly and with groups by function,
// compared with their golden files (KNOT_VIEW_UPDATE_GOLDEN=1 rewrites them).
// The reports are fixed inputs, so the comparison is exact; the scenario
// tests check that today's runs still make reports of these shapes.
class ScenarioGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ScenarioGoldenTest, MatchesGolden) {
  const std::string name = GetParam();
  const knot::report::Report report = testing::load_report("scenarios/" + name + ".json");
  const std::string text =
      render_text(report, {}) + "\n--- --similarity functions --full\n" +
      render_text(report, {.full = true, .similarity = Similarity::kSameFunctions});
  const std::string golden_path = testing::test_data_path("scenarios/" + name + ".golden.txt");
  if (std::getenv("KNOT_VIEW_UPDATE_GOLDEN") != nullptr)
    std::ofstream(golden_path, std::ios::binary) << text;
  EXPECT_EQ(text, testing::read_file(golden_path)) << name;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioGoldenTest,
                         ::testing::Values("seed", "queued_receiver", "two_pools", "pool_and_lock",
                                           "nested_latches", "channel_cycle", "self_deadlock",
                                           "compensate_two_pools", "fiber_two_pools",
                                           "fiber_relock", "unreceived_channel",
                                           "block_shared_reentry", "block_nested_install_buried",
                                           "block_foreign_mutex"));

// Hand-made reports of schema 1.1 (fixtures.h): an inferred deadlock with
// wait stacks and holders, and a long task; and of 1.2, a potential
// deadlock. Rendered as the scenarios are, compared with
// data/<name>.golden.txt (KNOT_VIEW_UPDATE_GOLDEN=1 rewrites).
class HandMadeGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HandMadeGoldenTest, MatchesGolden) {
  const std::string name = GetParam();
  const knot::report::Report report = testing::load_report(name + ".json");
  const std::string text =
      render_text(report, {}) + "\n--- --similarity functions --full\n" +
      render_text(report, {.full = true, .similarity = Similarity::kSameFunctions});
  const std::string golden_path = testing::test_data_path(name + ".golden.txt");
  if (std::getenv("KNOT_VIEW_UPDATE_GOLDEN") != nullptr)
    std::ofstream(golden_path, std::ios::binary) << text;
  EXPECT_EQ(text, testing::read_file(golden_path)) << name;
}

INSTANTIATE_TEST_SUITE_P(V1_1, HandMadeGoldenTest,
                         ::testing::Values("inferred_deadlock", "long_task"));
// Schema 1.2: a potential deadlock, with its dependencies and their stacks.
INSTANTIATE_TEST_SUITE_P(V1_2, HandMadeGoldenTest, ::testing::Values("potential_deadlock"));

// The verdict comes first, then the summary, the cycle as a chain of names,
// pools, resources, thread groups, narrative and advice, in that order.
TEST(RenderTextTest, SectionsInOrder) {
  const std::string text = render_text(seed_report(), {});
  EXPECT_EQ(text.rfind("DEADLOCK (proven) at 2024-05-01T12:00:03.250Z, for 350 ms\n", 0), 0u);
  const char* in_order[] = {
      "Deadlock: thread 'embed' waits",
      "\nCycle\n",
      "thread 'embed' -> pool 'global' -> channel 'processed' -> thread 'embed'",
      "\nPools\n",
      "\nResources in the cycle\n",
      "full, 64 of 64, 2 senders, 1 receiver",
      "\nThreads: 4 in 3 groups",
      "2 threads, in the cycle: 'global-0' (stage 'reprocess'), 'global-1'",
      "1 thread, in the cycle: 'embed'",
      "1 thread: 'main'",
      "\nWhat happened\n",
      "\nAdvice\n",
  };
  std::size_t at = 0;
  for (const char* part : in_order) {
    const std::size_t found = text.find(part, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << part;
    at = found;
  }
}

// Pool occupancy: workers by state, queued (injector + deques), pending,
// completed (at 120 columns, where the table fits with its full spacing).
TEST(RenderTextTest, PoolOccupancyRow) {
  const std::string text = render_text(seed_report(), {.width = 120});
  // threads 2; running, searching, sleeping 0; parked 2; queued 3 + 1;
  // pending 67; completed 1880; spares 0. No worker in another state: no
  // OTHER column.
  EXPECT_NE(
      text.find("\n  POOL      POLICY  THREADS  RUNNING  SEARCHING  SLEEPING  PARKED  QUEUED"
                "  PENDING  COMPLETED  SPARES\n  'global'  block         2        0          0"
                "         0       2       4       67       1880       0\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  queued in 'global' by thread 'embed' (3)\n"), std::string::npos);
  auto report = seed_report();
  report.pools[0].workers[1].state = "stopped";
  EXPECT_NE(render_text(report, {.width = 120}).find("PARKED  OTHER  QUEUED"), std::string::npos);
}

// knot's own frames fold into one line per run; --full shows them.
TEST(RenderTextTest, FoldsKnotFramesUnlessFull) {
  const std::string folded = render_text(seed_report(), {});
  EXPECT_EQ(folded.find("knot::detail::Parker::park()"), std::string::npos);
  EXPECT_NE(folded.find("      \xe2\x80\xa6 3 knot frames\n"), std::string::npos);
  EXPECT_NE(folded.find("      \xe2\x80\xa6 2 knot frames\n"), std::string::npos);

  RenderOptions full;
  full.full = true;
  const std::string text = render_text(seed_report(), full);
  EXPECT_EQ(text.find("knot frames"), std::string::npos);
  EXPECT_NE(text.find("      knot::detail::Parker::park()  runtime/src/parker.cc:88  "
                      "(libknot_runtime.so.0)\n"),
            std::string::npos);
}

// The user's frames are marked; system frames are not. The default view
// elides parameter lists; --full shows them.
TEST(RenderTextTest, MarksUserFrames) {
  const std::string text = render_text(seed_report(), {});
  EXPECT_NE(text.find("\n    > reprocess_item(\xe2\x80\xa6)  pipeline/src/reprocess.cc:57  "
                      "(knot-embed)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n      start_thread  (libc.so.6)\n"), std::string::npos);
  EXPECT_NE(render_text(seed_report(), {.full = true})
                .find("\n    > reprocess_item(Article const&)  pipeline/src/reprocess.cc:57  "
                      "(knot-embed)\n"),
            std::string::npos);
}

// Each group names the first user frame above its wait: where the user's
// code waits.
TEST(RenderTextTest, ShowsFirstUserFrameAboveTheWait) {
  const std::string text = render_text(seed_report(), {});
  EXPECT_NE(text.find("    waits to send into 'processed'\n"
                      "    at reprocess_item(\xe2\x80\xa6)  pipeline/src/reprocess.cc:57\n"
                      "      \xe2\x80\xa6 2 knot frames\n"),
            std::string::npos)
      << text;
}

// An inlined frame says so, next to its module.
TEST(RenderTextTest, NotesInlinedFrames) {
  knot::report::Report report;
  auto lambda = frame("app::stage()::{lambda(int)#1}::operator()(int) const", "stage.cc", 12);
  lambda.is_inlined = true;
  report.threads = {thread(1, "w", {lambda, frame("app::stage()", "stage.cc", 10)}, 0.1)};
  const std::string text = render_text(report, {});
  EXPECT_NE(text.find("    > app::stage()::{lambda(int)#1}::operator()(\xe2\x80\xa6) const  "
                      "stage.cc:12  (app, inlined)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    > app::stage()  stage.cc:10  (app)\n"), std::string::npos) << text;
}

// A run of inlined system frames (the C++ library's plumbing) folds unless
// --full; a single one, or real ones, do not.
TEST(RenderTextTest, FoldsInlinedSystemFramesUnlessFull) {
  auto invoke = frame("std::__invoke<F>", "invoke.h", 96);
  invoke.is_inlined = true;
  auto invoke_impl = frame("std::__invoke_impl<void, F>", "invoke.h", 61);
  invoke_impl.is_inlined = true;
  knot::report::Report report;
  report.threads = {thread(1, "w",
                           {frame("app::run()", "run.cc", 3), invoke_impl, invoke,
                            frame("std::thread::_State_impl<F>::_M_run()", "thread.h", 210)},
                           0.1)};
  const std::string folded = render_text(report, {});
  EXPECT_NE(folded.find("      \xe2\x80\xa6 2 inlined system frames\n"
                        "      std::thread::_State_impl<F>::_M_run()  thread.h:210  (app)\n"),
            std::string::npos)
      << folded;
  const std::string full = render_text(report, {.full = true});
  EXPECT_NE(full.find("      std::__invoke<F>  invoke.h:96  (app, inlined)\n"), std::string::npos)
      << full;
}

// A report written before the rule marked knot::pipeline (a user of the
// runtime) as knot's: knot-view applies the rule and shows it as the
// user's (the seed's report showed no frame of stage 'reprocess').
TEST(RenderTextTest, PipelineFramesAreTheUsers) {
  knot::report::Report report;
  report.threads = {thread(
      1, "global-0",
      {frame("knot::detail::park(void const*)", "parking_lot.cc", 95, true),
       frame("knot::pipeline::detail::extract_batch(Batch const&)", "reprocess_stages.cc", 47,
             true),
       frame("void knot::detail::for_split<unsigned long, F>(F&)", "parallel_for.h", 42, true)},
      0.1)};
  const std::string text = render_text(report, {});
  EXPECT_NE(text.find("    at knot::pipeline::detail::extract_batch(\xe2\x80\xa6)  "
                      "reprocess_stages.cc:47\n"
                      "      \xe2\x80\xa6 1 knot frame\n"
                      "    > knot::pipeline::detail::extract_batch(\xe2\x80\xa6)  "
                      "reprocess_stages.cc:47  (app)\n"
                      "      \xe2\x80\xa6 1 knot frame\n"),
            std::string::npos)
      << text;
}

// By default threads group by their user frames: two workers parked at
// one line of the user's code share a group though knot's frames between
// differ; with exact stacks they do not.
TEST(RenderTextTest, GroupsByUserFramesByDefault) {
  knot::report::Report report;
  report.threads = {
      thread(1, "w1",
             {frame("knot::detail::park()", "p.cc", 1, true), frame("produce()", "p.cc", 5)}, 0.1),
      thread(2, "w2",
             {frame("knot::detail::park()", "p.cc", 1, true),
              frame("knot::detail::for_split()", "f.cc", 2, true), frame("produce()", "p.cc", 5)},
             0.2)};
  const std::string text = render_text(report, {});
  EXPECT_NE(text.find("Threads: 2 in 1 group (grouped by same user frames)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("2 threads: 'w1', 'w2'\n"), std::string::npos) << text;
  EXPECT_NE(render_text(report, {.similarity = Similarity::kExact})
                .find("Threads: 2 in 2 groups (grouped by identical stack)"),
            std::string::npos);
}

// Threads parked at two lines of one function: two groups when exact, one
// with --similarity functions; one "top" group also takes a deeper caller
// difference.
TEST(RenderTextTest, SimilarityLevels) {
  knot::report::Report report;
  report.threads = {
      thread(1, "w1", {frame("send()", "c.cc", 10), frame("produce()", "p.cc", 5)}, 0.1),
      thread(2, "w2", {frame("send()", "c.cc", 12), frame("produce()", "p.cc", 5)}, 0.2),
      thread(3, "w3", {frame("send()", "c.cc", 12), frame("other()", "o.cc", 9)}, 0.4)};
  RenderOptions options;
  options.similarity = Similarity::kExact;
  EXPECT_NE(
      render_text(report, options).find("Threads: 3 in 3 groups (grouped by identical stack)"),
      std::string::npos);
  options.similarity = Similarity::kSameFunctions;
  const std::string functions = render_text(report, options);
  EXPECT_NE(functions.find("Threads: 3 in 2 groups (grouped by same functions)"),
            std::string::npos);
  EXPECT_NE(functions.find("2 threads: 'w1', 'w2'\n    parked, waiting 100 ms to 200 ms\n"),
            std::string::npos)
      << functions;
  options.similarity = Similarity::kSameTopFrame;
  const std::string top = render_text(report, options);
  EXPECT_NE(top.find("Threads: 3 in 1 group (grouped by same top frame)"), std::string::npos);
  EXPECT_NE(top.find("waiting 100 ms to 400 ms"), std::string::npos);
}

// Plain text has no escape codes; colour paints the verdict and the cycle.
TEST(RenderTextTest, ColorOnlyWhenAsked) {
  EXPECT_EQ(render_text(seed_report(), {}).find('\x1b'), std::string::npos);
  RenderOptions color;
  color.color = true;
  const std::string text = render_text(seed_report(), color);
  // The certainty is painted with the kind (render_certainty_test.cc).
  EXPECT_EQ(text.rfind("\x1b[1;31mDEADLOCK (proven)\x1b[0m", 0), 0u);
  EXPECT_NE(text.find("\x1b[31mthread 'embed' -> pool 'global'"), std::string::npos);
}

// A warning reads as suspected.
TEST(RenderTextTest, SuspectedVerdict) {
  auto report = seed_report();
  report.verdict->kind = "pool_exhaustion";
  report.verdict->is_proven = false;
  EXPECT_EQ(render_text(report, {}).rfind("POOL EXHAUSTION (suspected)", 0), 0u);
}

// Hostile strings reach the terminal neutralized: no byte below 0x20 but
// newline, no DEL, and the escapes visible as text; in colour too, the only
// ESC bytes are the palette's own SGR sequences.
TEST(RenderTextTest, HostileReportIsNeutralized) {
  for (bool full : {false, true}) {
    RenderOptions options;
    options.full = full;
    const std::string text = render_text(testing::hostile_report(), options);
    for (char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      ASSERT_TRUE(byte == '\n' || (byte >= 0x20 && byte != 0x7f)) << "byte " << int{byte};
    }
    EXPECT_NE(text.find("\\x1b]0;pwned\\x07"), std::string::npos);
    EXPECT_NE(text.find("\\u202e"), std::string::npos);
    EXPECT_NE(text.find("\\xff"), std::string::npos);
  }
  RenderOptions color;
  color.color = true;
  const std::string text = render_text(testing::hostile_report(), color);
  for (std::size_t at = text.find('\x1b'); at != std::string::npos;
       at = text.find('\x1b', at + 1)) {
    std::size_t end = at + 1;
    ASSERT_LT(end, text.size());
    ASSERT_EQ(text[end], '[');
    ++end;
    while (end < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == ';'))
      ++end;
    ASSERT_LT(end, text.size());
    EXPECT_EQ(text[end], 'm') << "not an SGR sequence at " << at;
  }
}

// A report with nothing but its schema renders as a snapshot without crashing.
TEST(RenderTextTest, EmptyReport) {
  const std::string text = render_text(knot::report::Report{}, {});
  EXPECT_EQ(text.rfind("SNAPSHOT\nprocess 0\nreport (no id)\n", 0), 0u) << text;
  EXPECT_EQ(text.find("Cycle"), std::string::npos);
}

// A cycle naming nodes, threads and resources the report lacks still renders,
// with the ids as labels.
TEST(RenderTextTest, DanglingIds) {
  knot::report::Report report;
  report.cycle = {"thread:999", "resource:5:recv", "pool:77", "mystery", "thread:999"};
  report.threads = {thread(1, "t", {}, 0.5)};
  report.threads[0].wait->resource = 12345;
  const std::string text = render_text(report, {});
  EXPECT_NE(text.find("thread tid 999 -> resource:5:recv -> pool #77 -> mystery -> thread tid 999"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(no stack"), std::string::npos);
}

}  // namespace
}  // namespace knot::view
