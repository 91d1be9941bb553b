// PerThread<T> (knot/runtime/per_thread.h): one value per thread, made on
// first use, found again by the same thread, combined at the end; many
// threads making their values at once; fiber tasks that resume elsewhere.
#include "knot/runtime/per_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/runtime/algorithms.h"
#include "knot/runtime/channel.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using knot::testing::Deadline;
using namespace std::chrono_literals;

TEST(PerThreadTest, OneValuePerThreadMadeOnFirstUse) {
  Deadline deadline(60s);
  std::atomic<int> made{0};
  PerThread<int> counter([&] {
    made.fetch_add(1);
    return 0;
  });
  EXPECT_EQ(counter.size(), 0u);
  int& mine = counter.local();
  EXPECT_EQ(&counter.local(), &mine);  // the same thread finds the same value
  EXPECT_EQ(made.load(), 1);
  int* other = nullptr;
  std::thread t([&] { other = &counter.local(); });
  t.join();
  EXPECT_NE(other, &mine);
  EXPECT_EQ(counter.size(), 2u);
  EXPECT_EQ(made.load(), 2);
}

TEST(PerThreadTest, CountsCombineToTheTotal) {
  Deadline deadline(60s);
  for (std::size_t threads : {1, 2, 4}) {
    ThreadPool pool(PoolOptions{.num_threads = threads});
    PerThread<long> sums;
    pool.install([&] { knot::parallel_for(0, 100000, [&](int i) { sums.local() += i; }); });
    EXPECT_EQ(sums.combine(std::plus<>{}), 100000L * 99999 / 2);
    EXPECT_GE(sums.size(), 1u);
    EXPECT_LE(sums.size(), threads);  // only the pool's workers made one
  }
}

// Rayon's map_init: per-thread scratch state, merged once at the end.
TEST(PerThreadTest, PerThreadMapsMergeIntoOne) {
  Deadline deadline(60s);
  ThreadPool pool(PoolOptions{.num_threads = 4});
  std::vector<int> values(50000);
  std::iota(values.begin(), values.end(), 0);
  PerThread<std::map<int, int>> histograms;
  pool.install(
      [&] { knot::parallel_for_each(values, [&](int v) { ++histograms.local()[v % 10]; }); });
  std::map<int, int> total;
  histograms.for_each([&](const std::map<int, int>& h) {
    for (const auto& [k, n] : h)
      total[k] += n;
  });
  ASSERT_EQ(total.size(), 10u);
  for (const auto& [k, n] : total)
    EXPECT_EQ(n, 5000) << k;
}

TEST(PerThreadTest, NothingMadeCombinesToAFreshValue) {
  PerThread<std::string> s([] { return std::string("empty"); });
  EXPECT_EQ(s.combine([](std::string a, const std::string& b) { return a + b; }), "empty");
  s.local() = "x";
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.local(), "empty");  // made again after clear()
}

// Many threads make their values at once (the tables grow while others
// look up): each finds its own, and every value is there at the end.
TEST(PerThreadTest, StressManyThreadsAtOnce) {
  Deadline deadline(120s);
  for (int round = 0; round < 20; ++round) {
    PerThread<std::pair<std::thread::id, int>> mine(
        [] { return std::make_pair(std::this_thread::get_id(), 0); });
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 24; ++t) {
      threads.emplace_back([&] {
        while (!go.load())
          std::this_thread::yield();
        for (int i = 0; i < 200; ++i) {
          auto& v = mine.local();
          ASSERT_EQ(v.first, std::this_thread::get_id());
          ++v.second;
        }
      });
    }
    go.store(true);
    for (std::thread& t : threads)
      t.join();
    EXPECT_EQ(mine.size(), 24u);
    std::set<std::thread::id> ids;
    int total = 0;
    mine.for_each([&](const std::pair<std::thread::id, int>& v) {
      ids.insert(v.first);
      total += v.second;
    });
    EXPECT_EQ(ids.size(), 24u);
    EXPECT_EQ(total, 24 * 200);
  }
}

// Under kFiber a task that waited may resume on another worker: it sees
// that worker's value when it asks again, never another task's by mistake.
// (The worker is told by knot::current_worker_index(), an out-of-line call:
// std::this_thread::get_id() is pthread_self(), which glibc declares
// `const`, so the compiler may reuse its value from before the wait.)
TEST(PerThreadTest, FiberTasksAskAgainAfterAWait) {
  Deadline deadline(60s);
  ThreadPool pool(PoolOptions{.num_threads = 2, .policy = BlockingPolicy::kFiber});
  PerThread<std::optional<std::size_t>> owner([] { return knot::current_worker_index(); });
  auto [tx, rx] = knot::channel<int>(1, "handoff");
  std::atomic<int> checked{0};
  pool.install([&, &rx_ref = rx, &tx_ref = tx] {
    knot::invoke(
        [&] {
          for (int i = 0; i < 50; ++i) {
            EXPECT_EQ(owner.local(), knot::current_worker_index());
            (void)rx_ref.recv();  // may suspend, and resume elsewhere
            EXPECT_EQ(owner.local(), knot::current_worker_index());
            checked.fetch_add(1);
          }
        },
        [&] {
          for (int i = 0; i < 50; ++i) {
            (void)tx_ref.send(i);
            EXPECT_EQ(owner.local(), knot::current_worker_index());
          }
        });
  });
  EXPECT_EQ(checked.load(), 50);
  EXPECT_LE(owner.size(), 2u);
}

}  // namespace
}  // namespace knot
