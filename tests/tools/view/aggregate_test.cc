// knot::view::aggregate: grouping threads by stack at each similarity
// level, table-driven, plus the facts a bucket carries.
#include "knot/view/aggregate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"

namespace knot::view {
namespace {

using knot::report::Thread;
using testing::frame;
using testing::thread;

// The threads every grouping case runs on:
//   0, 1  identical: f@10 <- main@5
//   2     f at another line (@11) <- main@5
//   3     g@10 <- main@5 (another function on top)
//   4     two knot frames, then f@12 <- main@5 (same top user frame as 0)
//   5, 6  no stack
//   7     unsymbolized frames at offsets 0x100 and 0x200
//   8     unsymbolized, same offsets as 7
//   9     unsymbolized, another offset on top (0x300)
//   10    other knot frames (a channel send), then f@10 <- main@5: the same
//         user frames as 0
std::vector<Thread> sample_threads() {
  auto unsymbolized = [](std::uint64_t offset) {
    knot::report::Frame f;
    f.module = "/opt/app/bin/app";
    f.offset = offset;
    return f;
  };
  return {
      thread(1, "a", {frame("f()", "app.cc", 10), frame("main", "main.cc", 5)}),
      thread(2, "b", {frame("f()", "app.cc", 10), frame("main", "main.cc", 5)}),
      thread(3, "c", {frame("f()", "app.cc", 11), frame("main", "main.cc", 5)}),
      thread(4, "d", {frame("g()", "app.cc", 10), frame("main", "main.cc", 5)}),
      thread(5, "e",
             {frame("knot::detail::Parker::park()", "parker.cc", 1, true),
              frame("knot::Latch::wait()", "latch.cc", 2, true), frame("f()", "app.cc", 12),
              frame("main", "main.cc", 5)}),
      thread(6, "f", {}),
      thread(7, "g", {}),
      thread(8, "h", {unsymbolized(0x100), unsymbolized(0x200)}),
      thread(9, "i", {unsymbolized(0x100), unsymbolized(0x200)}),
      thread(10, "j", {unsymbolized(0x300), unsymbolized(0x200)}),
      thread(11, "k",
             {frame("knot::detail::Parker::park()", "parker.cc", 1, true),
              frame("knot::Sender<int>::send(int)", "channel.h", 3, true),
              frame("f()", "app.cc", 10), frame("main", "main.cc", 5)}),
  };
}

std::vector<std::vector<std::size_t>> groups_of(const std::vector<Bucket>& buckets) {
  std::vector<std::vector<std::size_t>> groups;
  for (const auto& bucket : buckets)
    groups.push_back(bucket.threads);
  return groups;
}

struct GroupingCase {
  const char* name;
  Similarity level;
  std::vector<std::vector<std::size_t>> expected;  // largest first, ties by first thread
};

class AggregateLevelTest : public ::testing::TestWithParam<GroupingCase> {};

// Each level merges exactly the stacks it should, in the documented order.
TEST_P(AggregateLevelTest, GroupsAsExpected) {
  const GroupingCase& c = GetParam();
  EXPECT_EQ(groups_of(aggregate(sample_threads(), c.level)), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Levels, AggregateLevelTest,
    ::testing::Values(
        // Only the user frames, with their lines: 10 joins 0 and 1 (its knot
        // frames differ); 2 and 4 are at other lines of f.
        GroupingCase{"SameUserFrames",
                     Similarity::kSameUserFrames,
                     {{0, 1, 10}, {5, 6}, {7, 8}, {2}, {3}, {4}, {9}}},
        // Lines matter: 2 is apart from 0 and 1; unsymbolized 7 and 8 match by offset.
        GroupingCase{
            "Exact", Similarity::kExact, {{0, 1}, {5, 6}, {7, 8}, {2}, {3}, {4}, {9}, {10}}},
        // Lines do not matter: 2 joins 0 and 1; 4 and 10 still differ (knot frames).
        GroupingCase{"SameFunctions",
                     Similarity::kSameFunctions,
                     {{0, 1, 2}, {5, 6}, {7, 8}, {3}, {4}, {9}, {10}}},
        // Only the innermost user frame: 4 and 10 join (f under knot frames);
        // 9's top differs.
        GroupingCase{"SameTopFrame",
                     Similarity::kSameTopFrame,
                     {{0, 1, 2, 4, 10}, {5, 6}, {7, 8}, {3}, {9}}}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

// A thread made only of knot frames groups by its innermost frame.
TEST(AggregateTest, AllKnotFramesGroupByInnermost) {
  std::vector<Thread> threads = {
      thread(1, "a",
             {frame("knot::park()", "p.cc", 1, true), frame("knot::loop()", "w.cc", 2, true)}),
      thread(2, "b",
             {frame("knot::park()", "p.cc", 1, true), frame("knot::other()", "w.cc", 3, true)}),
      thread(3, "c", {frame("knot::spin()", "s.cc", 1, true)})};
  EXPECT_EQ(groups_of(aggregate(threads, Similarity::kSameTopFrame)),
            (std::vector<std::vector<std::size_t>>{{0, 1}, {2}}));
}

// Grouping by user frames ignores the system's frames and takes knot's
// by the one rule: a knot::pipeline frame that an older report marked
// is_knot is the user's, so it tells two threads apart.
TEST(AggregateTest, UserFramesByTheRule) {
  std::vector<Thread> threads = {
      thread(1, "a",
             {frame("knot::Latch::wait()", "latch.cc", 2, true),
              frame("knot::pipeline::stage_reprocess()", "reprocess.cc", 40, true),
              frame("std::__invoke<F>", "invoke.h", 61, false, "/usr/lib/libstdc++.so.6"),
              frame("main", "main.cc", 5)}),
      thread(2, "b",
             {frame("knot::Latch::wait()", "latch.cc", 2, true),
              frame("knot::pipeline::stage_reprocess()", "reprocess.cc", 40, true),
              frame("main", "main.cc", 5)}),
      thread(3, "c",
             {frame("knot::Latch::wait()", "latch.cc", 2, true),
              frame("knot::pipeline::stage_embed()", "embed.cc", 12, true),
              frame("main", "main.cc", 5)})};
  EXPECT_EQ(groups_of(aggregate(threads, Similarity::kSameUserFrames)),
            (std::vector<std::vector<std::size_t>>{{0, 1}, {2}}));
}

// Threads without a user frame group only with identical stacks: two idle
// workers do, a thread parked elsewhere in knot does not (though its
// innermost frame is the same).
TEST(AggregateTest, NoUserFramesGroupByWholeStack) {
  std::vector<Thread> threads = {thread(1, "a",
                                        {frame("knot::detail::sleep()", "s.cc", 1, true),
                                         frame("knot::detail::Worker::main()", "w.cc", 2, true)}),
                                 thread(2, "b",
                                        {frame("knot::detail::sleep()", "s.cc", 1, true),
                                         frame("knot::detail::Worker::main()", "w.cc", 2, true)}),
                                 thread(3, "c",
                                        {frame("knot::detail::sleep()", "s.cc", 1, true),
                                         frame("knot::detail::wait_outside()", "w.cc", 9, true)})};
  EXPECT_EQ(groups_of(aggregate(threads, Similarity::kSameUserFrames)),
            (std::vector<std::vector<std::size_t>>{{0, 1}, {2}}));
}

// The same function in two modules is two different frames.
TEST(AggregateTest, ModuleIsPartOfAFrame) {
  std::vector<Thread> threads = {thread(1, "a", {frame("f()", "f.cc", 1, false, "/lib/one.so")}),
                                 thread(2, "b", {frame("f()", "f.cc", 1, false, "/lib/two.so")})};
  EXPECT_EQ(aggregate(threads, Similarity::kSameFunctions).size(), 2u);
}

// A bucket keeps its first thread's stack, its distinct states and the
// range of its waits (threads that do not wait are left out of the range).
TEST(AggregateTest, BucketFacts) {
  std::vector<Thread> threads = {
      thread(1, "a", {frame("f()")}, 0.3), thread(2, "b", {frame("f()")}, 1.5),
      thread(3, "c", {frame("f()")}), thread(4, "d", {frame("f()")}, 0.2)};
  threads[2].state = "running";
  const auto buckets = aggregate(threads, Similarity::kExact);
  ASSERT_EQ(buckets.size(), 1u);
  const Bucket& b = buckets[0];
  EXPECT_EQ(b.threads, (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(b.states, (std::vector<std::string>{"parked", "running"}));
  ASSERT_TRUE(b.min_wait_seconds && b.max_wait_seconds);
  EXPECT_DOUBLE_EQ(*b.min_wait_seconds, 0.2);
  EXPECT_DOUBLE_EQ(*b.max_wait_seconds, 1.5);
  ASSERT_EQ(b.stack.size(), 1u);
  EXPECT_EQ(b.stack[0].function, "f()");
}

// Without any waiting thread a bucket has no wait range; no threads, no buckets.
TEST(AggregateTest, NoWaitsNoRangeAndEmptyInput) {
  const auto buckets = aggregate({thread(1, "a", {frame("f()")})}, Similarity::kExact);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_FALSE(buckets[0].min_wait_seconds);
  EXPECT_FALSE(buckets[0].max_wait_seconds);
  EXPECT_TRUE(aggregate({}, Similarity::kExact).empty());
}

// Level names round-trip; anything else is refused.
TEST(AggregateTest, SimilarityNames) {
  for (Similarity level : {Similarity::kSameUserFrames, Similarity::kExact,
                           Similarity::kSameFunctions, Similarity::kSameTopFrame}) {
    EXPECT_EQ(parse_similarity(similarity_name(level)), level);
  }
  EXPECT_EQ(parse_similarity("user"), Similarity::kSameUserFrames);
  EXPECT_EQ(parse_similarity("functions"), Similarity::kSameFunctions);
  EXPECT_EQ(parse_similarity("top"), Similarity::kSameTopFrame);
  EXPECT_FALSE(parse_similarity("Exact"));
  EXPECT_FALSE(parse_similarity(""));
}

}  // namespace
}  // namespace knot::view
