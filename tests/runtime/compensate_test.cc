// BlockingPolicy::kCompensate: a worker that blocks lets a spare thread run in
// its place, up to max_spares; spares show in snapshots and retire when they
// are no longer needed; at the limit the pool waits or the wait fails.
//
// Each test that would hang under kBlock waits for its result with a
// timeout, and a Deadline turns a hang into a failure.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/runtime/blocking.h"
#include "knot/runtime/channel.h"
#include "knot/runtime/error.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/mutex.h"
#include "knot/runtime/parallel_reduce.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;
using testing::stress_scale;

PoolOptions compensating(std::size_t threads, std::size_t max_spares = 256) {
  PoolOptions o;
  o.num_threads = threads;
  o.name = "comp";
  o.policy = BlockingPolicy::kCompensate;
  o.max_spares = max_spares;
  o.spare_keep_alive = 20ms;
  return o;
}

// GateRound: `waiters` tasks that each wait on `gate`, then, unless the
// gate is opened from outside, the task that opens it, queued behind them:
// under kBlock the waiters take every worker and the opener never runs.
struct GateRound {
  GateRound(ThreadPool& pool, int waiters, bool with_opener)
      : done(waiters + (with_opener ? 1 : 0), "done") {
    for (int i = 0; i < waiters; ++i) {
      pool.spawn([this] {
        gate.wait();
        done.count_down();
      });
    }
    if (with_opener) {
      pool.spawn([this] {
        gate.count_down();
        done.count_down();
      });
    }
  }
  Latch gate{1, "gate"};
  Latch done;
};

// block_workers() makes `n` tasks of `pool` wait on `gate` and returns once
// all of them started.
void block_workers(ThreadPool& pool, int n, Latch& gate) {
  Latch blocked(n, "blocked");
  for (int i = 0; i < n; ++i) {
    pool.spawn([&] {
      blocked.count_down();
      gate.wait();
    });
  }
  blocked.wait();
}

// eventually() polls `pred` for up to `limit`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// The exhaustion that kBlock cannot survive: every worker blocks on a latch
// that only a task queued behind them opens. Under kCompensate spares run
// the rest of the queue, the opener among them.
TEST(CompensateTest, BlockedWorkersAreReplacedSoQueuedTasksRun) {
  Deadline deadline(60s);
  ThreadPool pool(compensating(2));
  GateRound round(pool, 4, /*with_opener=*/true);
  ASSERT_TRUE(round.done.wait_for(30s)) << "the pool ran out of workers";
}

// While workers are blocked, the pool keeps num_threads unparked: the
// snapshot lists the spares (is_spare, num_spares); once the blocked
// workers are back, the spares retire.
TEST(CompensateTest, SparesShowInSnapshotsAndRetire) {
  Deadline deadline(60s);
  ThreadPool pool(compensating(2));
  Latch gate(1, "gate");
  block_workers(pool, 3, gate);
  // Three parked; the pool is back at strength: 2 runnable.
  ASSERT_TRUE(eventually([&] {
    PoolSnapshot s = pool.snapshot();
    bool all_started = true;
    for (const WorkerView& w : s.workers)
      all_started = all_started && w.os_thread_id != 0;
    return s.count(WorkerState::kParked) == 3 && s.workers.size() == 5 && s.num_spares == 3 &&
           all_started;
  })) << "expected 3 parked workers and 3 spares";
  PoolSnapshot s = pool.snapshot();
  EXPECT_EQ(s.num_threads, 2u);
  std::size_t spares = 0;
  for (const WorkerView& w : s.workers) {
    spares += w.is_spare ? 1 : 0;
    EXPECT_EQ(w.is_spare, w.index >= 2) << w.index;
    EXPECT_NE(w.os_thread_id, 0);
  }
  EXPECT_EQ(spares, 3u);
  gate.count_down();
  // keep-alive 20 ms: the surplus spares step out, then exit.
  ASSERT_TRUE(eventually([&] { return pool.snapshot().num_spares == 0; }))
      << "spares did not retire";
  EXPECT_EQ(pool.snapshot().workers.size(), 2u);
}

// A spare's slot is reused after it exited: many rounds of block-and-release
// never need more spares than blocked tasks.
TEST(CompensateTest, SparesAreReusedAcrossRounds) {
  Deadline deadline(120s);
  ThreadPool pool(compensating(1, 4));
  for (int round = 0; round < stress_scale(40); ++round) {
    GateRound gates(pool, 2, /*with_opener=*/true);
    ASSERT_TRUE(gates.done.wait_for(30s)) << "round " << round;
    EXPECT_LE(pool.snapshot().num_spares, 4u);
    if (round % 8 == 0) {
      // Let them exit sometimes, so that exited slots are restarted.
      std::this_thread::sleep_for(60ms);
    }
  }
}

// Destroying a pool right after its spares were needed does not wait for
// their keep-alive: terminate() wakes idle spares, and a spare that steps
// out while the pool closes does not go idle (a race once seen as a 5 s
// shutdown).
TEST(CompensateTest, DestructionDoesNotWaitForTheKeepAlive) {
  Deadline deadline(120s);
  for (int round = 0; round < stress_scale(40); ++round) {
    PoolOptions o = compensating(2);
    o.spare_keep_alive = 30s;
    const auto start = std::chrono::steady_clock::now();
    {
      ThreadPool pool(o);
      GateRound gates(pool, 3, /*with_opener=*/true);
      ASSERT_TRUE(gates.done.wait_for(30s));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "round " << round;
  }
}

// At the limit with AtSpareLimit::kWait the pool runs short, as under kBlock,
// until the wait ends by itself.
TEST(CompensateTest, AtTheLimitWaitRunsShort) {
  Deadline deadline(60s);
  ThreadPool pool(compensating(1, 1));
  GateRound gates(pool, 3, /*with_opener=*/false);
  // Worker and spare both blocked, the third task queued: stuck until the
  // gate opens from outside.
  ASSERT_TRUE(eventually([&] {
    PoolSnapshot s = pool.snapshot();
    return s.count(WorkerState::kParked) == 2 && s.num_spares == 1 && s.injector_depth == 1;
  }));
  EXPECT_FALSE(gates.done.wait_for(50ms));
  gates.gate.count_down();
  ASSERT_TRUE(gates.done.wait_for(30s));
}

// At the limit with AtSpareLimit::kFail the wait that would leave the pool
// short throws Error(kSpareLimit) instead; nothing blocks.
TEST(CompensateTest, AtTheLimitFailThrowsSpareLimit) {
  Deadline deadline(60s);
  PoolOptions o = compensating(1, 1);
  o.at_spare_limit = AtSpareLimit::kFail;
  ThreadPool pool(o);
  Latch gate(1, "gate");
  Latch first_blocked(1, "first blocked");
  Latch done(3, "done");
  std::atomic<int> failures{0};
  std::string message;
  pool.spawn([&] {
    first_blocked.count_down();
    gate.wait();  // the worker; a spare takes its place
    done.count_down();
  });
  first_blocked.wait();
  ASSERT_TRUE(eventually([&] { return pool.snapshot().num_spares == 1; }));
  // The spare is the only runnable thread and the limit is reached: its
  // waits fail, whichever primitive.
  pool.spawn([&] {
    try {
      gate.wait();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), make_error_code(Errc::kSpareLimit));
      message = e.what();
      failures.fetch_add(1);
    }
    auto tx_and_rx = channel<int>(1, "empty");
    Receiver<int>& rx = tx_and_rx.second;
    try {
      (void)rx.recv();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), make_error_code(Errc::kSpareLimit));
      failures.fetch_add(1);
    }
    try {
      auto region = blocking_region("foreign wait");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), make_error_code(Errc::kSpareLimit));
      failures.fetch_add(1);
    }
    done.count_down();
  });
  // A timed wait does not fail: it ends by itself.
  Latch timed_done(1, "timed wait done");
  pool.spawn([&] {
    EXPECT_FALSE(gate.wait_for(1ms));
    timed_done.count_down();
    done.count_down();
  });
  ASSERT_TRUE(timed_done.wait_for(30s));
  EXPECT_EQ(failures.load(), 3);
  EXPECT_NE(message.find("'comp'"), std::string::npos) << message;
  EXPECT_NE(message.find("spare"), std::string::npos) << message;
  gate.count_down();
  ASSERT_TRUE(done.wait_for(30s));
}

// blocking_region() hands the worker to compensation too: a task waiting
// in foreign code for another task of the same pool completes.
TEST(CompensateTest, BlockingRegionIsCompensated) {
  Deadline deadline(60s);
  ThreadPool pool(compensating(1));
  std::atomic<bool> flag{false};
  Latch done(2, "done");
  pool.spawn([&] {
    auto region = blocking_region("spin on a flag");
    while (!flag.load())
      std::this_thread::sleep_for(100us);
    done.count_down();
  });
  pool.spawn([&] {
    flag.store(true);
    done.count_down();
  });
  ASSERT_TRUE(done.wait_for(30s));
}

// Spares run fork-join like any worker, and a worker blocked in a join's
// child does not lose the join's other half.
TEST(CompensateTest, SparesRunForkJoin) {
  Deadline deadline(60s);
  ThreadPool pool(compensating(2));
  Latch gate(1, "gate");
  block_workers(pool, 2, gate);
  long sum = pool.install([] {
    return parallel_reduce(
        0L, 100000L, 0L,
        [](long lo, long hi, long acc) {
          for (long i = lo; i < hi; ++i)
            acc += i;
          return acc;
        },
        [](long a, long b) { return a + b; });
  });
  EXPECT_EQ(sum, 100000L * 99999L / 2);
  gate.count_down();
}

// Stress: producers and consumers of a small channel, all tasks of one
// small pool, more of them than workers, in random numbers and orders per
// round, plus a contended mutex. Under kBlock most rounds would exhaust the
// pool; under kCompensate every round completes and nothing is lost. A
// keep-alive of 0-2 ms makes spares exit and restart all the time.
TEST(CompensateStressTest, ChannelPipelinesInOnePoolAlwaysComplete) {
  Deadline deadline(240s);
  const unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < stress_scale(200); ++round) {
    PoolOptions o = compensating(1 + rng() % 3, 64);
    o.spare_keep_alive = std::chrono::milliseconds(rng() % 3);
    ThreadPool pool(o);
    const int producers = 1 + static_cast<int>(rng() % 6);
    const int consumers = 1 + static_cast<int>(rng() % 6);
    const int per_producer = 1 + static_cast<int>(rng() % 200);
    const bool consumers_first = rng() % 2 == 0;
    auto tx_and_rx = channel<long>(1 + rng() % 2, "stress");
    std::optional<Sender<long>> tx(std::move(tx_and_rx.first));
    std::optional<Receiver<long>> rx(std::move(tx_and_rx.second));
    Mutex mutex("sum");
    long received = 0;
    long count = 0;
    Latch done(producers + consumers, "done");
    auto spawn_consumers = [&] {
      for (int c = 0; c < consumers; ++c) {
        pool.spawn([&, mine = *rx]() mutable {
          while (auto v = mine.recv()) {
            std::lock_guard<Mutex> lock(mutex);
            received += *v;
            ++count;
          }
          done.count_down();
        });
      }
    };
    if (consumers_first)
      spawn_consumers();
    for (int p = 0; p < producers; ++p) {
      pool.spawn([&, p, mine = *tx]() mutable {
        for (int i = 0; i < per_producer; ++i)
          mine.send(static_cast<long>(p) * 1000 + i);
        done.count_down();
      });
    }
    if (!consumers_first)
      spawn_consumers();
    tx.reset();
    rx.reset();
    ASSERT_TRUE(done.wait_for(60s)) << "seed " << seed << " round " << round;
    long expected = 0;
    for (int p = 0; p < producers; ++p) {
      for (int i = 0; i < per_producer; ++i)
        expected += static_cast<long>(p) * 1000 + i;
    }
    std::lock_guard<Mutex> lock(mutex);
    EXPECT_EQ(count, static_cast<long>(producers) * per_producer) << "seed " << seed;
    EXPECT_EQ(received, expected) << "seed " << seed;
  }
}

}  // namespace
}  // namespace knot
