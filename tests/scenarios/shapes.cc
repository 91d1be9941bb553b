// The first shapes of the watchdog's scenario suite (shapes.h): the
// story's pipeline and the classic cycles through pools, channels and
// locks. Positive shapes never return: they deadlock or exhaust a pool.
#include "shapes.h"
#include "shape_support.h"

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "knot/runtime.h"

namespace knot::scenarios {

namespace {

// 1. The seed: stage 'reprocess' fills channel 'processed' from every
// worker of pool 'global'; stage 'embed' drains it on its own thread and
// runs its tokenizer on the same pool. (Under a policy that prevents the
// exhaustion it finishes.)
void seed() {
  knot::ThreadPool pool = make_pool("global", 2);
  auto tx_and_rx = knot::channel<int>(2, "processed");
  auto tx = std::move(tx_and_rx.first);
  auto rx = std::move(tx_and_rx.second);
  std::thread embed([&pool, rx = std::move(rx)]() mutable {
    knot::this_thread::set_name("embed");
    auto stage = knot::stage_scope("embed");
    while (auto item = rx.recv()) {
      pool.install([&] {
        knot::parallel_for(std::size_t{0}, std::size_t{64}, [&](std::size_t) {
          volatile int tokens = *item;
          (void)tokens;
        });
      });
    }
  });
  knot::this_thread::set_name("reader");
  pool.install([&] {
    knot::parallel_for(std::size_t{0}, std::size_t{20000}, [&](std::size_t i) {
      auto stage = knot::stage_scope("reprocess");
      tx.send(static_cast<int>(i));
    });
  });
  { auto drop = std::move(tx); }
  embed.join();
}

// 2. A receiver task queued behind its senders: both workers block sending
// into a full channel whose only receiving task waits in the queue. (The
// pool's destructor waits for the tasks.)
void queued_receiver() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto tx_and_rx = knot::channel<int>(1, "c");
  auto tx = std::move(tx_and_rx.first);
  auto rx = std::move(tx_and_rx.second);
  for (int s = 0; s < 4; ++s) {
    pool.spawn([tx]() mutable {
      for (int i = 0; i < 10; ++i)
        tx.send(i);
    });
  }
  pool.spawn([rx = std::move(rx)]() mutable {
    while (rx.recv()) {
    }
  });
  { auto drop = std::move(tx); }
}

// 3. Two pools that wait on each other through two full channels.
void two_pools() {
  knot::ThreadPool a = make_pool("A", 2);
  knot::ThreadPool b = make_pool("B", 2);
  auto a_tx_and_a_rx = knot::channel<int>(4, "a_to_b");
  auto a_tx = std::move(a_tx_and_a_rx.first);
  auto a_rx = std::move(a_tx_and_a_rx.second);
  auto b_tx_and_b_rx = knot::channel<int>(4, "b_to_a");
  auto b_tx = std::move(b_tx_and_b_rx.first);
  auto b_rx = std::move(b_tx_and_b_rx.second);
  for (int i = 0; i < 2; ++i) {
    a_tx.send(0);
    b_tx.send(0);
  }
  for (int t = 0; t < 2; ++t) {
    a.spawn([tx = a_tx, rx = b_rx]() mutable {
      rx.recv();
      for (int i = 0; i < 100; ++i)
        tx.send(i);
    });
    b.spawn([tx = b_tx, rx = a_rx]() mutable {
      rx.recv();
      for (int i = 0; i < 100; ++i)
        tx.send(i);
    });
  }
  // The tasks hold the handles now; the main thread's would be receivers
  // and senders knot must assume may still act.
  {
    auto drop_a_tx = std::move(a_tx);
    auto drop_a_rx = std::move(a_rx);
    auto drop_b_tx = std::move(b_tx);
    auto drop_b_rx = std::move(b_rx);
  }
  wait_forever();
}

// 4. A thread holds a mutex and waits for pool tasks that need it.
void pool_and_lock() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Mutex state("state");
  std::thread holder([&] {
    knot::this_thread::set_name("holder");
    std::lock_guard<knot::Mutex> lock(state);
    pool.install([&] {
      knot::parallel_for(std::size_t{0}, std::size_t{64},
                         [&](std::size_t) { std::lock_guard<knot::Mutex> inner(state); });
    });
  });
  holder.join();
}

// 5. Every worker waits on a latch that only a task queued behind it
// counts down. Both tasks queue their count-down only once both run, so
// neither worker is free to take the other's.
void nested_latches() {
  std::atomic<int> arrived{0};  // outlives the tasks: the pool waits for them
  knot::ThreadPool pool = make_pool("p", 2);
  for (int t = 0; t < 2; ++t) {
    pool.spawn([&pool, &arrived] {
      auto done = std::make_shared<knot::Latch>(1, "step");
      arrive_and_wait(arrived, 2);
      pool.spawn([done] { done->count_down(); });
      done->wait();
    });
  }
}

// on_both_workers_waiting() is 5b's exhaustion through a range algorithm:
// `algorithm(values, wait)` runs on pool 'p' of two workers over 8192
// elements and calls wait() for each; the first call on each worker waits
// until both arrived, the second to arrive queues the count-down of latch
// 'step' behind both, and every call then waits on the latch.
template <class Algorithm>
void on_both_workers_waiting(Algorithm algorithm) {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Latch step(1, "step");
  std::atomic<bool> seen[2] = {false, false};
  std::atomic<int> arrived{0};
  auto wait = [&] {
    const std::size_t w = knot::current_worker_index().value_or(0) % 2;
    if (!seen[w].exchange(true) && arrive_and_wait(arrived, 2) == 1)
      pool.spawn([&step] { step.count_down(); });
    step.wait();
  };
  std::vector<int> values(8192, 1);
  pool.install([&] { algorithm(values, wait); });
}

// 5b. The pieces of a transform_reduce, on both workers, wait on a latch
// that only a task queued behind them counts down (#20: the algorithms'
// waits are join's).
void algorithm_latch() {
  on_both_workers_waiting([](const std::vector<int>& values, auto& wait) {
    (void)knot::transform_reduce(values, 0, std::plus<>{}, [&](int x) {
      wait();
      return x;
    });
  });
}

// 5b'. The same through find_if, whose pieces are handed out in order to
// one task per worker (not a join tree of pieces).
void find_if_latch() {
  on_both_workers_waiting([](const std::vector<int>& values, auto& wait) {
    (void)knot::find_if(values, [&](int x) {
      wait();
      return x == 0;
    });
  });
}

// 5c. The same exhaustion through a TaskGroup: its first two tasks, one on
// each worker, wait on a latch that its third task, queued behind them,
// counts down; the main thread waits for the group (#20).
void task_group_latch() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Latch step(1, "step");
  knot::TaskGroup group(pool);
  for (int i = 0; i < 2; ++i)
    group.run([&step] { step.wait(); });
  group.run([&step] { step.count_down(); });
  group.wait();
}

// 6. Two stage threads, each blocked sending into the other's full channel.
void channel_cycle() {
  auto l2r_tx_and_l2r_rx = knot::channel<int>(1, "left_to_right");
  auto l2r_tx = std::move(l2r_tx_and_l2r_rx.first);
  auto l2r_rx = std::move(l2r_tx_and_l2r_rx.second);
  auto r2l_tx_and_r2l_rx = knot::channel<int>(1, "right_to_left");
  auto r2l_tx = std::move(r2l_tx_and_r2l_rx.first);
  auto r2l_rx = std::move(r2l_tx_and_r2l_rx.second);
  l2r_tx.send(0);
  r2l_tx.send(0);
  // The stages take the handles: the main thread keeps none (a receiver it
  // kept could drain a channel later, for all knot knows).
  std::thread left([tx = std::move(l2r_tx), rx = std::move(r2l_rx)]() mutable {
    knot::this_thread::set_name("left");
    auto stage = knot::stage_scope("left");
    rx.recv();
    for (int i = 0; i < 10; ++i)
      tx.send(i);
  });
  std::thread right([tx = std::move(r2l_tx), rx = std::move(l2r_rx)]() mutable {
    knot::this_thread::set_name("right");
    auto stage = knot::stage_scope("right");
    rx.recv();
    for (int i = 0; i < 10; ++i)
      tx.send(i);
  });
  left.join();
  right.join();
}

// 7. A worker holds a mutex, joins, and while it waits for the stolen half
// runs a task that locks the same mutex.
void self_deadlock() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Mutex m("cache");
  std::atomic<bool> stolen{false};
  std::atomic<bool> relocking{false};
  pool.install([&] {
    std::lock_guard<knot::Mutex> lock(m);
    // join() queues its first closure and runs the second inline: the
    // other worker steals the first, queues the task that locks `m`, and
    // only then lets the second closure end, so the task is queued before
    // this worker waits for the stolen half: this worker steals it at its
    // first look (were it queued later, this worker could sleep, and under
    // kCompensate a spare take the task). The stolen half returns once the
    // task started.
    knot::join(
        [&] {
          knot::spawn([&] {
            relocking.store(true);
            std::lock_guard<knot::Mutex> again(m);
          });
          stolen.store(true);
          wait_until([&] { return relocking.load(); });
        },
        [&] {
          while (!stolen.load())
            std::this_thread::yield();
        });
  });
}

// 8. A pool task locks a mutex it already holds (through a helper that
// does not know the caller holds it). No policy helps: under kFiber the
// task suspends on the mutex, and owns it, wherever it runs.
void relock() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Mutex m("config");
  auto reload = [&] { std::lock_guard<knot::Mutex> again(m); };
  pool.install([&] {
    std::lock_guard<knot::Mutex> lock(m);
    reload();
  });
}

}  // namespace

void add_classic_shapes(Shapes& shapes) {
  shapes["seed"] = seed;
  shapes["queued_receiver"] = queued_receiver;
  shapes["two_pools"] = two_pools;
  shapes["pool_and_lock"] = pool_and_lock;
  shapes["nested_latches"] = nested_latches;
  shapes["algorithm_latch"] = algorithm_latch;
  shapes["find_if_latch"] = find_if_latch;
  shapes["task_group_latch"] = task_group_latch;
  shapes["channel_cycle"] = channel_cycle;
  shapes["self_deadlock"] = self_deadlock;
  shapes["relock"] = relock;
}

}  // namespace knot::scenarios
