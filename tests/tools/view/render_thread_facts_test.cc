// What schema 1.1 says about threads and resources beyond their waits, in
// the text and on the page: wait stacks (helping waits, innermost first,
// with their call sites), the long task a worker runs, the mutexes a
// thread holds, a resource's holders with the basis of each, untracked
// handles and queued writers; and long-task and stall verdicts, which have
// no cycle.
#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "knot/view/render.h"

namespace knot::view {
namespace {

using knot::report::WaitFrame;
using testing::frame;
using testing::inferred_report;
using testing::long_task_report;
using testing::thread;

constexpr RenderOptions kWide{.width = 300};

WaitFrame wait_frame(const std::string& kind, const std::string& awaits, double seconds,
                     bool is_top, int line) {
  WaitFrame f;
  f.kind = kind;
  f.awaits = awaits;
  f.pool_id = 1;
  f.seconds = seconds;
  f.is_top = is_top;
  f.site = frame("app::stage" + std::to_string(line) + "()", "app.cc", line);
  return f;
}

// A thread's helping wait is shown under it: kind, pool, for how long,
// whether it is the top wait, what it awaits, and the code that called it.
TEST(RenderThreadFactsTest, TextShowsTheWaitStack) {
  const std::string text = render_text(inferred_report(), kWide);
  EXPECT_NE(text.find("    waits in install on 'global'\n"
                      "    wait stack, innermost first:\n"
                      "      helping in install on pool 'global' for 1.2 s (the top wait), "
                      "awaiting its closure in pool 'global' (queued)\n"
                      "        at collect_results(\xe2\x80\xa6)  src/collect.cc:31\n"),
            std::string::npos)
      << text;
  // A join under the send a worker is parked in: not the top wait.
  EXPECT_NE(text.find("      helping in join on pool 'global' for 1.4 s, awaiting the half it "
                      "forked, running on thread 'global-1' (stage 'score')\n"
                      "        at score_batch(\xe2\x80\xa6)  src/score.cc:88\n"),
            std::string::npos)
      << text;
}

// The report lists a wait stack bottom first; knot-view shows it innermost
// (top) first, as it shows stacks of frames.
TEST(RenderThreadFactsTest, WaitStackInnermostFirst) {
  knot::report::Report report;
  report.pools.push_back({});
  report.pools[0].id = 1;
  report.pools[0].name = "inner";
  auto t = thread(1, "w", {frame("app::run()", "app.cc", 1)}, 0.5);
  t.wait_stack = {wait_frame("install", "its closure in pool 'inner'", 2.5, false, 10),
                  wait_frame("join", "the half it forked", 0.7, true, 20)};
  report.threads = {t};
  const std::string text = render_text(report, kWide);
  EXPECT_NE(text.find("    wait stack, innermost first:\n"
                      "      helping in join on pool 'inner' for 700 ms (the top wait), awaiting "
                      "the half it forked\n"
                      "        at app::stage20()  app.cc:20\n"
                      "      helping in install on pool 'inner' for 2.5 s, awaiting its closure in "
                      "pool 'inner'\n"
                      "        at app::stage10()  app.cc:10\n"),
            std::string::npos)
      << text;
  const std::string html = render_html(report);
  const std::size_t join = html.find("helping in join on pool &#39;inner&#39;");
  const std::size_t install = html.find("helping in install on pool &#39;inner&#39;");
  ASSERT_NE(join, std::string::npos) << html;
  ASSERT_NE(install, std::string::npos);
  EXPECT_LT(join, install);
  EXPECT_NE(html.find("<br><span class=\"site\">at app::stage20()  app.cc:20</span>"),
            std::string::npos);
}

// In a group of several threads, each thread's facts come under its name;
// past three threads, the rest are counted.
TEST(RenderThreadFactsTest, GroupNamesEachThreadsFacts) {
  knot::report::Report report;
  for (int i = 1; i <= 5; ++i) {
    auto t = thread(i, "w" + std::to_string(i), {frame("app::run()", "app.cc", 1)}, 0.5);
    t.wait_stack = {wait_frame("scope", "the tasks of its scope in pool #1", i, true, 5)};
    report.threads.push_back(t);
  }
  const std::string text = render_text(report, kWide);
  EXPECT_NE(text.find("    'w1':\n"
                      "      wait stack, innermost first:\n"
                      "        helping in scope on pool #1 for 1.0 s (the top wait), awaiting the "
                      "tasks of its scope in pool #1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    'w3':\n"), std::string::npos);
  EXPECT_EQ(text.find("    'w4':\n"), std::string::npos);
  EXPECT_NE(text.find("    and 2 other threads with helping waits, a task or holds\n"),
            std::string::npos)
      << text;
  // The page lists them all.
  EXPECT_NE(render_html(report).find("&#39;w5&#39;:</p>"), std::string::npos);
}

// A long task: its worker's group comes first, says it runs the long task,
// and what the OS said of the thread; there is no cycle to show.
TEST(RenderThreadFactsTest, LongTaskRendersWithoutCycle) {
  const std::string text = render_text(long_task_report(), kWide);
  EXPECT_EQ(text.rfind("LONG TASK (suspected) at 2026-12-01T09:01:09Z, for 4.2 s\n", 0), 0u);
  EXPECT_EQ(text.find("\nCycle\n"), std::string::npos);
  EXPECT_EQ(text.find("Assumes:"), std::string::npos);
  const std::size_t worker = text.find(
      "  1 thread, running the long task: 'io-0' (stage 'load')\n"
      "    running\n"
      "    running a task for at least 4.2 s: off CPU, state D, "
      "in the kernel's io_schedule, innermost function "
      "load_blob(\xe2\x80\xa6)\n");
  ASSERT_NE(worker, std::string::npos) << text;
  EXPECT_LT(worker, text.find("  1 thread: 'main'\n"));

  const std::string html = render_html(long_task_report());
  EXPECT_NE(html.find("<span class=\"certainty suspected\">running the long task</span>"),
            std::string::npos);
  EXPECT_NE(html.find("<li class=\"task\">running a task for at least 4.2 s: off CPU, state D"),
            std::string::npos);
  EXPECT_EQ(html.find("id=\"cycle\""), std::string::npos);
}

// A fiber task's long task names the fiber; unknown CPU use is not shown.
TEST(RenderThreadFactsTest, TaskOfAFiber) {
  auto report = long_task_report();
  auto fiber = thread(0, "io-fiber-3", {});
  fiber.index = 7;
  fiber.role = "fiber";
  report.threads.push_back(fiber);
  auto& task = *report.threads[1].task;
  task.fiber = 7;
  task.cpu = "unknown";
  task.proc_state.clear();
  task.wchan.clear();
  EXPECT_NE(render_text(report, kWide)
                .find("    running a task for at least 4.2 s (fiber task 'io-fiber-3'): "
                      "innermost function load_blob(\xe2\x80\xa6)\n"),
            std::string::npos);
}

// A stall has no cycle either: the resources waited on are listed with
// their holders.
TEST(RenderThreadFactsTest, StallShowsWaitedOnResources) {
  auto report = inferred_report();
  report.verdict->kind = "stall";
  report.verdict->certainty = "suspected";
  report.verdict->assumptions.clear();
  report.cycle.clear();
  const std::string text = render_text(report, kWide);
  EXPECT_EQ(text.rfind("STALL (suspected) at", 0), 0u);
  EXPECT_EQ(text.find("Assumes:"), std::string::npos);
  EXPECT_NE(text.find("\nResources waited on\n"), std::string::npos);
  EXPECT_NE(text.find("  shared_mutex 'config' (id 9)\n"), std::string::npos);
  EXPECT_NE(text.find("  channel 'results' (id 7)\n"), std::string::npos);
}

// Holders: who holds each side of a channel, counted, with how knot knows
// (exact "used", guesses "created" and "shared"), and the handles it does
// not track; a shared mutex's shared holders and its queued writer; and,
// under the thread, what it holds in shared mode.
TEST(RenderThreadFactsTest, TextShowsHoldersAndTheirBasis) {
  const std::string text = render_text(inferred_report(), kWide);
  EXPECT_NE(text.find("  channel 'results' (id 7)\n"
                      "    full, 4 of 4, 3 senders, 1 receiver, 120 sent, 116 received, lately "
                      "sent by pool 'global', 1 handle knot does not track\n"
                      "    send handles held by pool 'global' (2 handles, used), thread 'main' "
                      "(guess: a shared handle)\n"
                      "    receive handles held by thread 'collector' (guess: created, not used "
                      "yet)\n"),
            std::string::npos)
      << text;
  // Held by a thread of the cycle, so listed with the cycle's resources.
  EXPECT_NE(text.find("  shared_mutex 'config' (id 9)\n"
                      "    not held exclusively, 1 reader, a writer is queued (new readers wait "
                      "behind it)\n"
                      "    held in shared mode by thread 'global-1'\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    waits to send into 'results'\n"
                      "    holds in shared mode shared_mutex 'config'\n"),
            std::string::npos)
      << text;
}

// The page shows the same holders and holds.
TEST(RenderThreadFactsTest, HtmlShowsHoldersAndHolds) {
  const std::string html = render_html(inferred_report());
  EXPECT_NE(html.find("<ul class=\"holders\"><li>send handles held by pool &#39;global&#39; (2 "
                      "handles, used), thread &#39;main&#39; (guess: a shared handle)</li><li>"
                      "receive handles held by thread &#39;collector&#39; (guess: created, not "
                      "used yet)</li></ul>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("a writer is queued (new readers wait behind it)"), std::string::npos);
  EXPECT_NE(html.find("<li>holds in shared mode shared_mutex &#39;config&#39;</li>"),
            std::string::npos);
}

// Hostile strings in the new fields reach neither the terminal nor the
// page as markup or escapes.
TEST(RenderThreadFactsTest, HostileFactsEscaped) {
  auto report = inferred_report();
  const auto& h = testing::kHostile;
  for (std::size_t i = 0; i < h.size(); ++i) {
    WaitFrame f;
    f.kind = h[i];
    f.awaits = h[(i + 1) % h.size()];
    f.site = frame(h[(i + 2) % h.size()], h[(i + 3) % h.size()], 4);
    report.threads[1].wait_stack.push_back(f);
    report.resources[1].holders.push_back({h[i], h[(i + 1) % h.size()], h[(i + 2) % h.size()]});
  }
  report.threads[2].task = knot::report::TaskInfo{1.0, h[0], h[5], h[6], h[2], std::nullopt};
  for (bool color : {false, true}) {
    const std::string text = render_text(report, {.color = color});
    for (std::size_t at = 0; at < text.size(); ++at) {
      const auto byte = static_cast<unsigned char>(text[at]);
      if (byte == 0x1b && color) {
        ASSERT_EQ(text[at + 1], '[') << "not an SGR sequence at " << at;
        continue;
      }
      ASSERT_TRUE(byte == '\n' || (byte >= 0x20 && byte != 0x7f)) << "byte " << int{byte};
    }
    EXPECT_NE(text.find("\\x1b]0;pwned\\x07"), std::string::npos);
  }
  const std::string html = render_html(report);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace knot::view
