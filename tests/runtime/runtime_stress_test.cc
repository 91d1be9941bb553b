// Stress: random join trees, 100k-spawn scopes, nested pools both ways,
// exceptions from deep trees, shutdown while busy, timed waits under load.
// Each test loops with random shapes; sanitizer builds run fewer rounds.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/chaos.h"
#include "common/deadline.h"
#include "knot/runtime.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::chaos_point;
using testing::Deadline;
using testing::stress_scale;

// A random binary tree evaluated by join; the sum of its leaves is checked
// against a serial evaluation of the same tree.
std::uint64_t tree(std::uint64_t seed, int depth, bool parallel) {
  std::mt19937_64 rng(seed);
  std::uint64_t leaf = rng() % 1000;
  if (depth == 0 || rng() % 8 == 0) {
    if (parallel)
      chaos_point();
    return leaf;
  }
  std::uint64_t ls = rng(), rs = rng();
  if (!parallel)
    return tree(ls, depth - 1, false) + tree(rs, depth - 1, false);
  auto [l, r] =
      join([&] { return tree(ls, depth - 1, true); }, [&] { return tree(rs, depth - 1, true); });
  return l + r;
}

TEST(RuntimeStress, RandomJoinTrees) {
  Deadline deadline(240s);
  std::mt19937 rng(1);
  for (int round = 0; round < stress_scale(40); ++round) {
    ThreadPool pool(PoolOptions{.num_threads = 1 + rng() % 6});
    for (int t = 0; t < 5; ++t) {
      std::uint64_t seed = rng();
      int depth = 8 + static_cast<int>(rng() % 8);
      ASSERT_EQ(pool.install([&] { return tree(seed, depth, true); }), tree(seed, depth, false));
    }
  }
}

// 100k spawns into one scope, each counted exactly once.
TEST(RuntimeStress, HundredThousandSpawns) {
  Deadline deadline(240s);
  const int n = stress_scale(100000);
  for (std::size_t threads : {1, 2, 4}) {
    ThreadPool pool(PoolOptions{.num_threads = threads});
    std::vector<std::atomic<std::uint8_t>> hits(static_cast<std::size_t>(n));
    pool.install([&] {
      scope([&](Scope& s) {
        for (int i = 0; i < n; ++i) {
          s.spawn([&hits, i] {
            if (i % 64 == 0)
              chaos_point();
            hits[static_cast<std::size_t>(i)]++;
          });
        }
      });
    });
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(hits[static_cast<std::size_t>(i)].load(), 1);
  }
}

// Nested pools: random chains of install between three pools, with joins
// in between, from pool threads and outside threads at once.
TEST(RuntimeStress, NestedPoolsBothWays) {
  Deadline deadline(240s);
  ThreadPool a(PoolOptions{.num_threads = 2, .name = "a"});
  ThreadPool b(PoolOptions{.num_threads = 3, .name = "b"});
  ThreadPool c(PoolOptions{.num_threads = 1, .name = "c"});
  ThreadPool* pools[] = {&a, &b, &c};
  std::function<int(std::uint64_t, int)> hop = [&](std::uint64_t seed, int depth) -> int {
    if (depth == 0) {
      chaos_point();
      return 1;
    }
    std::mt19937_64 rng(seed);
    ThreadPool* next = pools[rng() % 3];
    std::uint64_t s1 = rng(), s2 = rng();
    return next->install([&] {
      auto [x, y] = join([&] { return hop(s1, depth - 1); }, [&] { return hop(s2, depth - 1); });
      return x + y;
    });
  };
  std::vector<std::thread> outsiders;
  std::atomic<int> failures{0};
  for (int t = 0; t < 3; ++t) {
    outsiders.emplace_back([&, t] {
      for (int round = 0; round < stress_scale(30); ++round) {
        if (hop(static_cast<std::uint64_t>(t * 1000 + round), 6) != 64)
          failures++;
      }
    });
  }
  for (auto& t : outsiders)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

// An exception thrown at a random leaf of a deep tree reaches the top, and
// every other leaf still ran.
TEST(RuntimeStress, ExceptionsFromDeepTrees) {
  Deadline deadline(240s);
  ThreadPool pool(PoolOptions{.num_threads = 4});
  for (int round = 0; round < stress_scale(200); ++round) {
    const int leaves = 1 << 10;
    const int bad = (round * 7919) % leaves;
    std::atomic<int> ran{0};
    std::function<void(int, int)> walk = [&](int lo, int hi) {
      if (hi - lo == 1) {
        chaos_point();
        if (lo == bad)
          throw std::runtime_error("leaf");
        ran++;
        return;
      }
      int mid = (lo + hi) / 2;
      join([&] { walk(lo, mid); }, [&] { walk(mid, hi); });
    };
    EXPECT_THROW(pool.install([&] { walk(0, leaves); }), std::runtime_error);
    // Sibling subtrees of the failing path run to completion before the
    // exception propagates; subtrees after a rethrow do not start.
    EXPECT_LE(ran.load(), leaves - 1);
  }
}

// Destroying pools while tasks are queued and running: everything spawned
// runs exactly once and the destructor returns.
TEST(RuntimeStress, ShutdownWhileBusy) {
  Deadline deadline(240s);
  std::mt19937 rng(3);
  for (int round = 0; round < stress_scale(100); ++round) {
    std::atomic<int> ran{0};
    int spawned = 0;
    {
      ThreadPool pool(PoolOptions{.num_threads = 1 + rng() % 4});
      int n = static_cast<int>(rng() % 200);
      for (int i = 0; i < n; ++i) {
        pool.spawn([&] {
          join(
              [&] {
                chaos_point();
                ran++;
              },
              [&] { ran++; });
        });
        spawned += 2;
      }
    }
    ASSERT_EQ(ran.load(), spawned);
  }
}

// Timed waits (latch, mutex) under load end by timeout or success, never hang.
TEST(RuntimeStress, TimedWaitsUnderLoad) {
  Deadline deadline(240s);
  ThreadPool pool(PoolOptions{.num_threads = 4});
  Mutex m("hot");
  std::atomic<int> acquired{0}, timed_out{0};
  pool.install([&] {
    parallel_for(0, stress_scale(4000), [&](int i) {
      if (m.try_lock_for(std::chrono::microseconds(i % 100))) {
        acquired++;
        if (i % 3 == 0)
          std::this_thread::yield();
        m.unlock();
      } else {
        timed_out++;
      }
    });
  });
  EXPECT_EQ(acquired.load() + timed_out.load(), stress_scale(4000));
  for (int round = 0; round < stress_scale(200); ++round) {
    Latch latch(1);
    pool.spawn([&latch, round] {
      if (round % 2 == 0)
        latch.count_down();
    });
    bool opened = latch.wait_for(std::chrono::milliseconds(2));
    // Odd rounds: nobody else opens it. Even rounds: the task does, maybe
    // after the timeout on a loaded machine.
    if (!opened && round % 2 == 1)
      latch.count_down();
    latch.wait();
  }
}

}  // namespace
}  // namespace knot
