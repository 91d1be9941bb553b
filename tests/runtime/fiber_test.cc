// BlockingPolicy::kFiber: tasks run on fibers; a task that waits in a knot
// primitive, a join or a scope suspends and its worker runs other work; it
// resumes later, maybe on another worker.
//
// Each test that would hang under kBlock has a Deadline, which turns a hang
// into a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/fiber_waits.h"
#include "knot/runtime/blocking.h"
#include "knot/runtime/channel.h"
#include "knot/runtime/join.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/mutex.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/parallel_reduce.h"
#include "knot/runtime/parallel_sort.h"
#include "knot/runtime/scope.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/this_thread.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;
using testing::stress_scale;

PoolOptions fibers(std::size_t threads, std::string name = "fib") {
  PoolOptions o = testing::fiber_pool_options(threads, std::move(name));
  o.spare_keep_alive = 20ms;
  return o;
}

std::uint64_t fib(int n) {
  if (n < 2)
    return static_cast<std::uint64_t>(n);
  auto [a, b] = join([&] { return fib(n - 1); }, [&] { return fib(n - 2); });
  return a + b;
}

TEST(FiberTest, ForkJoinAndAlgorithmsGiveTheSameResults) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(4));
  EXPECT_EQ(pool.install([] { return fib(22); }), 17711u);
  const std::uint64_t sum = pool.install([] {
    return parallel_reduce(
        std::size_t{0}, std::size_t{1000000}, std::uint64_t{0},
        [](std::size_t i) { return static_cast<std::uint64_t>(i); }, std::plus<>());
  });
  EXPECT_EQ(sum, 999999ull * 1000000ull / 2);
  std::vector<int> v(100000);
  std::mt19937 rng(7);
  for (int& x : v)
    x = static_cast<int>(rng());
  std::vector<int> expected = v;
  std::sort(expected.begin(), expected.end());
  pool.install([&] { parallel_sort(v.begin(), v.end()); });
  EXPECT_EQ(v, expected);
  std::atomic<int> spawned{0};
  pool.install([&] {
    scope([&](Scope& s) {
      for (int i = 0; i < stress_scale(100000); ++i)
        s.spawn([&] { spawned.fetch_add(1, std::memory_order_relaxed); });
    });
  });
  EXPECT_EQ(spawned.load(), stress_scale(100000));
}

// A producer and a consumer task on a pool of one worker, through a channel
// of capacity 1: under kBlock the first to block holds the only worker.
TEST(FiberTest, ProducerAndConsumerShareOneWorker) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(1));
  auto [tx, rx] = channel<int>(1, "one");
  Latch done(2, "done");
  std::int64_t received = 0;
  const int n = stress_scale(100000);
  pool.spawn([&, rx = std::move(rx)]() mutable {
    while (auto v = rx.recv())
      received += *v;
    done.count_down();
  });
  pool.spawn([&, tx = std::move(tx)]() mutable {
    for (int i = 1; i <= n; ++i)
      tx.send(i);
    { auto drop = std::move(tx); }
    done.count_down();
  });
  done.wait();
  EXPECT_EQ(received, static_cast<std::int64_t>(n) * (n + 1) / 2);
  // No worker ever blocked: the waits were suspensions.
  EXPECT_EQ(pool.snapshot().num_spares, 0u);
}

// A pool's fibers count as live while it lives and end with it: the count
// the teardown leak check reads (knot::live_objects).
TEST(FiberTest, FibersEndWithTheirPool) {
  Deadline deadline(60s);
  const std::size_t before = live_objects().fibers;
  {
    ThreadPool pool(fibers(2));
    Latch open(1, "open");
    Latch done(8, "done");
    for (int i = 0; i < 8; ++i) {
      pool.spawn([&] {
        open.wait();  // suspends: each waiter holds a fiber
        done.count_down();
      });
    }
    while (pool.snapshot().num_suspended < 8)  // the Deadline ends a hang
      std::this_thread::sleep_for(1ms);
    EXPECT_GE(live_objects().fibers, before + 8);
    open.count_down();
    done.wait();
  }
  EXPECT_EQ(live_objects().fibers, before);
}

// More waiters than workers on one latch, opened by a task queued behind
// them (the nested_latches shape of the scenario suite).
TEST(FiberTest, WaitersQueuedAheadOfTheirOpenerComplete) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(2));
  for (int round = 0; round < stress_scale(50); ++round) {
    Latch gate(1, "gate");
    Latch done(9, "done");
    for (int i = 0; i < 8; ++i) {
      pool.spawn([&] {
        gate.wait();
        done.count_down();
      });
    }
    pool.spawn([&] {
      gate.count_down();
      done.count_down();
    });
    done.wait();
  }
}

// Two tasks ping-pong through two channels of capacity 1: every transfer
// suspends one fiber and resumes the other. Tasks record the workers they
// ran on, so that migration between workers is seen, and check order.
TEST(FiberTest, MillionsOfSuspensionsAndMigrations) {
  Deadline deadline(240s);
  ThreadPool pool(fibers(3));
  const int rounds = stress_scale(500000);
  auto [ping_tx, ping_rx] = channel<int>(1, "ping");
  auto [pong_tx, pong_rx] = channel<int>(1, "pong");
  std::atomic<int> migrations{0};
  Latch done(2, "done");
  pool.spawn([&, rx = std::move(ping_rx), tx = std::move(pong_tx)]() mutable {
    auto before = current_worker_index();
    while (auto v = rx.recv()) {
      auto now = current_worker_index();
      if (now != before)
        migrations.fetch_add(1, std::memory_order_relaxed);
      before = now;
      tx.send(*v + 1);
    }
    done.count_down();
  });
  pool.spawn([&, tx = std::move(ping_tx), rx = std::move(pong_rx)]() mutable {
    for (int i = 0; i < rounds; ++i) {
      tx.send(2 * i);
      auto v = rx.recv();
      ASSERT_TRUE(v.has_value());
      ASSERT_EQ(*v, 2 * i + 1);
    }
    { auto drop = std::move(tx); }
    done.count_down();
  });
  // Busy work beside them, so that the pingers move between workers.
  pool.install([&] {
    parallel_for(std::size_t{0}, std::size_t{2000}, [](std::size_t) {
      volatile int x = 0;
      for (int i = 0; i < 20000; ++i)
        x = x + i;
    });
  });
  done.wait();
  std::printf("[          ] %d round trips, %d resumptions on another worker\n", rounds,
              migrations.load());
}

// An exception thrown after a suspension reaches the joiner, the scope and
// install, from any depth.
TEST(FiberTest, ExceptionsCrossSuspensionPoints) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(2));
  for (int round = 0; round < stress_scale(200); ++round) {
    Latch gate(1, "gate");
    std::thread opener([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(round % 7 * 50));
      gate.count_down();
    });
    EXPECT_THROW(pool.install([&] {
      join(
          [&] {
            gate.wait();
            throw std::runtime_error("after a suspension");
          },
          [&] { gate.wait(); });
    }),
                 std::runtime_error);
    opener.join();
    EXPECT_THROW(pool.install([&] {
      scope([&](Scope& s) {
        for (int i = 0; i < 4; ++i) {
          s.spawn([&, i] {
            Latch never_alone(1, "step");
            std::thread t([&] { never_alone.count_down(); });
            never_alone.wait();
            t.join();
            if (i == 2)
              throw std::logic_error("from a spawned task");
          });
        }
      });
    }),
                 std::logic_error);
  }
}

// A join whose stolen half waits does not make its worker run other tasks
// on top of the joiner's frame: the worker holding a Mutex is never asked to
// lock it again (the self_deadlock shape completes).
TEST(FiberTest, JoinSuspendsInsteadOfHelping) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(2));
  Mutex m("cache");
  for (int round = 0; round < stress_scale(20); ++round) {
    std::atomic<bool> stolen{false};
    std::atomic<bool> held{false};
    std::atomic<int> locked_again{0};
    std::atomic<int> locked_while_held{0};
    pool.install([&] {
      std::lock_guard<Mutex> lock(m);
      held.store(true);
      join(
          [&] {
            stolen.store(true);
            spawn([&] {
              std::lock_guard<Mutex> again(m);
              locked_while_held.fetch_add(held.load() ? 1 : 0);
              locked_again.fetch_add(1);
            });
            std::this_thread::sleep_for(5ms);
          },
          [&] {
            while (!stolen.load())
              std::this_thread::yield();
          });
      held.store(false);
    });
    // The pool finishes the spawned task once the lock is free, and only then.
    while (locked_again.load() == 0)
      std::this_thread::yield();
    EXPECT_EQ(locked_again.load(), 1);
    EXPECT_EQ(locked_while_held.load(), 0) << "round " << round;
  }
}

// Many fiber tasks contend for one Mutex and a SharedMutex.
TEST(FiberTest, MutexesAcrossSuspensions) {
  Deadline deadline(120s);
  ThreadPool pool(fibers(4));
  Mutex m("counter");
  SharedMutex rw("table");
  std::int64_t counter = 0;
  std::int64_t table = 0;
  const std::size_t n = static_cast<std::size_t>(stress_scale(200000));
  pool.install([&] {
    parallel_for(
        std::size_t{0}, n,
        [&](std::size_t i) {
          {
            std::lock_guard<Mutex> lock(m);
            ++counter;
          }
          if (i % 16 == 0) {
            std::lock_guard<SharedMutex> lock(rw);
            ++table;
          } else {
            std::shared_lock<SharedMutex> lock(rw);
            ASSERT_GE(table, 0);
          }
        },
        Grain{64});
  });
  EXPECT_EQ(counter, static_cast<std::int64_t>(n));
  EXPECT_EQ(table, static_cast<std::int64_t>((n + 15) / 16));
}

// install() both ways between a kFiber pool and a kBlock pool.
TEST(FiberTest, NestedPoolsBothWays) {
  Deadline deadline(60s);
  ThreadPool fiber_pool(fibers(2));
  PoolOptions plain;
  plain.num_threads = 2;
  plain.name = "plain";
  ThreadPool block_pool(plain);
  for (int round = 0; round < stress_scale(100); ++round) {
    const std::uint64_t a = fiber_pool.install([&] {
      return block_pool.install([&] { return fiber_pool.install([] { return fib(12); }); });
    });
    const std::uint64_t b = block_pool.install([&] {
      return fiber_pool.install([&] {
        auto [x, y] = join([&] { return block_pool.install([] { return fib(10); }); },
                           [] { return fib(11); });
        return x + y;
      });
    });
    EXPECT_EQ(a, 144u);
    EXPECT_EQ(b, 55u + 89u);
  }
}

// Timed waits and blocking_region block the worker's thread (knot cannot
// suspend them): a spare thread stands in meanwhile, as under kCompensate.
TEST(FiberTest, ThreadBlockingWaitsGetSpares) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(1));
  Latch gate(1, "gate");
  Latch entered(1, "entered");
  pool.spawn([&] {
    BlockingRegion region("read");
    entered.count_down();
    while (!gate.wait_for(1ms)) {
    }
  });
  entered.wait();
  // The worker's thread is blocked; the pool still runs tasks.
  EXPECT_EQ(pool.install([] { return fib(15); }), 610u);
  EXPECT_GE(pool.snapshot().num_spares, 1u);
  gate.count_down();
}

// A suspended fiber task is a thread of snapshot_threads(): its wait, its
// pool, no OS thread; once resumed it is gone.
TEST(FiberTest, SuspendedTasksAppearInSnapshots) {
  Deadline deadline(60s);
  ThreadPool pool(fibers(1, "snap"));
  auto [tx, rx] = channel<int>(1, "to_task");
  Latch done(1, "done");
  pool.spawn([&, rx = std::move(rx)]() mutable {
    auto stage = stage_scope("consumer");
    rx.recv();
    done.count_down();
  });
  const std::optional<ThreadView> found = testing::wait_for_fiber_wait("to_task");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->os_thread_id, 0);
  EXPECT_EQ(found->pool_id, pool.snapshot().id);
  EXPECT_FALSE(found->worker_index.has_value());
  EXPECT_EQ(found->stage, "consumer");
  EXPECT_EQ(found->wait->kind, WaitKind::kChannelRecv);
  EXPECT_FALSE(found->wait->is_timed);
  // The pool counts it, and its worker is free meanwhile.
  EXPECT_EQ(pool.snapshot().num_suspended, 1u);
  EXPECT_EQ(pool.install([] { return 7; }), 7);
  tx.send(1);
  done.wait();
  EXPECT_EQ(pool.snapshot().num_suspended, 0u);
  for (const ThreadView& t : snapshot_threads())
    EXPECT_FALSE(t.is_fiber && t.wait && t.wait->name == "to_task");
}

// Random producer/consumer graphs on one fiber pool: N producers and M
// consumers, more tasks than workers, every message arrives exactly once.
TEST(FiberTest, RandomChannelGraphsStress) {
  Deadline deadline(240s);
  std::mt19937 rng(12345);
  for (int round = 0; round < stress_scale(40); ++round) {
    const std::size_t threads = 1 + rng() % 3;
    ThreadPool pool(fibers(threads));
    const int producers = 1 + static_cast<int>(rng() % 6);
    const int consumers = 1 + static_cast<int>(rng() % 6);
    const int per_producer = 500 + static_cast<int>(rng() % 2000);
    const std::size_t capacity = 1 + rng() % 4;
    auto [tx, rx] = channel<int>(capacity, "graph");
    std::vector<std::atomic<int>> seen(static_cast<std::size_t>(producers * per_producer));
    Latch done(producers + consumers, "done");
    for (int c = 0; c < consumers; ++c) {
      pool.spawn([&, rx = rx]() mutable {
        while (auto v = rx.recv())
          seen[static_cast<std::size_t>(*v)].fetch_add(1, std::memory_order_relaxed);
        done.count_down();
      });
    }
    for (int p = 0; p < producers; ++p) {
      pool.spawn([&, p, tx = tx]() mutable {
        for (int i = 0; i < per_producer; ++i)
          tx.send(p * per_producer + i);
        done.count_down();
      });
    }
    { auto drop_tx = std::move(tx); }
    { auto drop_rx = std::move(rx); }
    done.wait();
    for (const auto& s : seen)
      ASSERT_EQ(s.load(), 1);
  }
}

// A fiber's stack is bounded by a guard page: running past it faults
// (SIGSEGV) instead of writing into other memory.
int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  return depth > 0 ? recurse(depth + 1) + frame[0] : 0;
}

TEST(FiberDeathTest, StackOverflowFaultsOnTheGuardPage) {
#if defined(KNOT_ASAN) || defined(KNOT_TSAN)
  GTEST_SKIP() << "sanitizers report the overflow their own way";
#endif
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        PoolOptions o = fibers(1);
        o.fiber_stack_size = 64 * 1024;
        ThreadPool pool(o);
        pool.install([] { return recurse(1); });
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

}  // namespace
}  // namespace knot
