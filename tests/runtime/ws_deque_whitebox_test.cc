// WsDeque (whitebox): LIFO for the owner, FIFO for thieves, growth, tags,
// and exactly-once delivery under concurrent stealing.
#include "ws_deque.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/deadline.h"

namespace knot::detail {
namespace {

using testing::Deadline;

std::vector<Job> make_jobs(std::size_t n) {
  std::vector<Job> jobs;
  jobs.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    jobs.emplace_back(nullptr);
  return jobs;
}

// The owner pops newest first; a thief steals oldest first.
TEST(WsDequeTest, OwnerLifoThiefFifo) {
  auto jobs = make_jobs(3);
  WsDeque d(4);
  for (auto& j : jobs)
    d.push(&j, 0);
  EXPECT_EQ(d.size(), 3u);
  Item stolen;
  EXPECT_EQ(d.steal(0, stolen), WsDeque::Steal::kSuccess);
  EXPECT_EQ(stolen.job, &jobs[0]);
  EXPECT_EQ(d.pop().job, &jobs[2]);
  EXPECT_EQ(d.pop().job, &jobs[1]);
  EXPECT_FALSE(d.pop());
  EXPECT_EQ(d.steal(0, stolen), WsDeque::Steal::kEmpty);
}

// The ring grows past its initial capacity and keeps every item.
TEST(WsDequeTest, Grows) {
  auto jobs = make_jobs(1000);
  WsDeque d(2);
  for (auto& j : jobs)
    d.push(&j, 0);
  for (int i = 999; i >= 0; --i)
    ASSERT_EQ(d.pop().job, &jobs[static_cast<std::size_t>(i)]);
}

// A thief with an isolation tag refuses items of other regions.
TEST(WsDequeTest, StealRespectsTags) {
  auto jobs = make_jobs(2);
  WsDeque d;
  d.push(&jobs[0], 7);
  d.push(&jobs[1], 9);
  Item item;
  EXPECT_EQ(d.steal(9, item), WsDeque::Steal::kRefused);  // top is tag 7
  EXPECT_EQ(d.steal(7, item), WsDeque::Steal::kSuccess);
  EXPECT_EQ(item.tag, 7u);
  EXPECT_EQ(d.steal(0, item), WsDeque::Steal::kSuccess);
  EXPECT_EQ(item.job, &jobs[1]);
}

// Owner pushes and pops while thieves steal: every job is taken exactly once.
TEST(WsDequeTest, ConcurrentExactlyOnce) {
  Deadline deadline(std::chrono::seconds(60));
  const std::size_t n = static_cast<std::size_t>(testing::stress_scale(200000));
  auto jobs = make_jobs(n);
  std::vector<std::atomic<int>> taken(n);
  auto index_of = [&](Job* j) { return static_cast<std::size_t>(j - jobs.data()); };
  WsDeque d(8);
  std::atomic<bool> done{false};
  std::vector<std::thread> thieves;
  for (int t = 0; t < 3; ++t) {
    thieves.emplace_back([&] {
      Item item;
      while (!done.load(std::memory_order_acquire)) {
        if (d.steal(0, item) == WsDeque::Steal::kSuccess)
          taken[index_of(item.job)]++;
      }
      while (d.steal(0, item) != WsDeque::Steal::kEmpty) {
        if (item)
          taken[index_of(item.job)]++;
        item = {};
      }
    });
  }
  std::size_t next = 0;
  unsigned rng = 12345;
  while (next < n) {
    rng = rng * 1103515245 + 12345;
    std::size_t burst = 1 + (rng >> 16) % 16;
    for (std::size_t i = 0; i < burst && next < n; ++i)
      d.push(&jobs[next++], 0);
    std::size_t pops = (rng >> 8) % 12;
    for (std::size_t i = 0; i < pops; ++i) {
      if (Item item = d.pop())
        taken[index_of(item.job)]++;
    }
  }
  while (Item item = d.pop())
    taken[index_of(item.job)]++;
  done.store(true, std::memory_order_release);
  for (auto& t : thieves)
    t.join();
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(taken[i].load(), 1) << "job " << i;
}

}  // namespace
}  // namespace knot::detail
