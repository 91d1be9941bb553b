// Negative shapes: programs that finish, and must leave no verdict, not
// even a warning, except the warnings scenarios_test.cc allows by name
// (true ones: a pool exhausted by a thread knot cannot see, for a while).
// Each stands for a category of false alarm: slow but progressing work, a
// thread or handle outside knot's view that acts late, long computations
// that somebody rightly waits for, short contention.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "knot/runtime.h"
#include "shape_support.h"
#include "shapes.h"

namespace knot::scenarios {

namespace {

using namespace std::chrono_literals;

// A slow but progressing pipeline: the consumer sleeps 500 ms per batch
// while the producers' channel is full.
void slow_pipeline() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto tx_and_rx = knot::channel<int>(2, "batches");
  auto tx = std::move(tx_and_rx.first);
  auto rx = std::move(tx_and_rx.second);
  std::thread consumer([rx = std::move(rx)]() mutable {
    knot::this_thread::set_name("consumer");
    while (rx.recv())
      std::this_thread::sleep_for(500ms);
  });
  pool.install([&] {
    knot::parallel_for(std::size_t{0}, std::size_t{6},
                       [&](std::size_t i) { tx.send(static_cast<int>(i)); });
  });
  { auto drop = std::move(tx); }
  consumer.join();
}

// A pool fully busy with CPU work for two seconds.
void busy_pool() {
  knot::ThreadPool pool = make_pool("p", 2);
  const auto end = std::chrono::steady_clock::now() + 2s;
  pool.install([&] {
    knot::parallel_for(std::size_t{0}, std::size_t{2}, [&](std::size_t) {
      volatile unsigned x = 0;
      while (std::chrono::steady_clock::now() < end)
        x = x + 1;
    });
  });
}

// Long timed waits: every worker waits two seconds on a latch with a timeout.
void timed_waits() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Latch never(1, "never");
  pool.install([&] {
    knot::parallel_for(std::size_t{0}, std::size_t{2},
                       [&](std::size_t) { (void)never.wait_for(2s); });
  });
}

// A channel whose receiver is a thread that never used knot before and is
// alive (sleeping) while the pool's senders are blocked.
void foreign_receiver() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto tx_and_rx = knot::channel<int>(1, "to_foreign");
  auto tx = std::move(tx_and_rx.first);
  auto rx = std::move(tx_and_rx.second);
  std::thread foreign([rx = std::move(rx)]() mutable {
    std::this_thread::sleep_for(1500ms);
    while (rx.recv()) {
    }
  });
  pool.install([&] {
    knot::parallel_for(std::size_t{0}, std::size_t{8},
                       [&](std::size_t i) { tx.send(static_cast<int>(i)); });
  });
  { auto drop = std::move(tx); }
  foreign.join();
}

// Pools idle for two seconds.
void idle_pools() {
  knot::ThreadPool a = make_pool("a", 2);
  knot::ThreadPool b = make_pool("b", 2);
  std::this_thread::sleep_for(2s);
}

// Heavy churn of short parks: two threads ping-pong through two channels
// of capacity 1, so that nearly every transfer parks and unparks.
void churn() {
  const char* scale = std::getenv("KNOT_SCENARIO_CHURN");
  const int rounds = scale != nullptr ? std::atoi(scale) : 1000000;
  auto ping_tx_and_ping_rx = knot::channel<int>(1, "ping");
  auto ping_tx = std::move(ping_tx_and_ping_rx.first);
  auto ping_rx = std::move(ping_tx_and_ping_rx.second);
  auto pong_tx_and_pong_rx = knot::channel<int>(1, "pong");
  auto pong_tx = std::move(pong_tx_and_pong_rx.first);
  auto pong_rx = std::move(pong_tx_and_pong_rx.second);
  std::thread other([rx = std::move(ping_rx), tx = std::move(pong_tx)]() mutable {
    while (auto v = rx.recv())
      tx.send(*v);
  });
  // At most 20 s: on a loaded machine every hand-over may wait for a core,
  // and the point is many park/unpark cycles with no verdict, not a count.
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  for (int i = 0; i < rounds / 2; ++i) {
    ping_tx.send(i);
    pong_rx.recv();
    if (i % 1024 == 0 && std::chrono::steady_clock::now() > give_up)
      break;
  }
  { auto drop = std::move(ping_tx); }
  other.join();
}

// The pool's workers wait on latch 'ready', which the main thread counted
// down once; a plain thread, which knot never saw, counts it down after
// two seconds, while the main thread waits in install.
void late_latch() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Latch ready(2, "ready");
  ready.count_down();
  std::thread late([&] {
    std::this_thread::sleep_for(2s);
    ready.count_down();
  });
  pool.install([&] {
    knot::parallel_for(
        std::size_t{0}, std::size_t{2}, [&](std::size_t) { ready.wait(); }, knot::Grain{.size = 1});
  });
  late.join();
}

// The receiver is used by reference from a plain thread that starts
// draining two seconds late; the main thread, which made it, waits in
// install meanwhile.
void late_receiver() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto channel = knot::channel<int>(1, "out");
  auto tx = std::move(channel.first);
  auto rx = std::move(channel.second);
  std::thread drain([&rx] {
    std::this_thread::sleep_for(2s);
    while (rx.recv()) {
    }
  });
  pool.install([&tx] {
    knot::parallel_for(std::size_t{0}, std::size_t{8},
                       [&](std::size_t i) { tx.send(static_cast<int>(i)); });
  });
  { auto drop = std::move(tx); }
  drain.join();
}

// A consumer (a knot thread) that pauses 1.5 s every 10 items while the
// pool's producers wait for room: slow, never stuck.
void slow_consumer() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto channel = knot::channel<int>(2, "items");
  auto tx = std::move(channel.first);
  auto rx = std::move(channel.second);
  std::thread consumer([rx = std::move(rx)]() mutable {
    knot::this_thread::set_name("consumer");
    int n = 0;
    while (rx.recv()) {
      if (++n % 10 == 0)
        std::this_thread::sleep_for(1500ms);
    }
  });
  pool.install([&tx] {
    knot::parallel_for(std::size_t{0}, std::size_t{20},
                       [&](std::size_t i) { tx.send(static_cast<int>(i)); });
  });
  { auto drop = std::move(tx); }
  consumer.join();
}

// Long computations (3.5 s, on CPU) that nobody waits for in knot: the
// main thread polls a counter outside knot until they are done.
void long_computations() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::ThreadPool side = make_pool("side", 1);
  std::atomic<int> done{0};
  auto compute = [&done](std::chrono::milliseconds how_long) {
    const auto end = std::chrono::steady_clock::now() + how_long;
    volatile unsigned x = 0;
    while (std::chrono::steady_clock::now() < end)
      x = x + 1;
    done.fetch_add(1);
  };
  side.spawn([&] { compute(3500ms); });
  pool.spawn([&] { compute(3500ms); });
  pool.spawn([&] { compute(3500ms); });
  while (done.load() < 3)
    std::this_thread::sleep_for(50ms);
}

// Many short critical sections under a std::mutex, from every worker.
void brief_std_mutex() {
  knot::ThreadPool pool = make_pool("p", 2);
  std::mutex counter_mutex;
  long counter = 0;
  pool.install([&] {
    knot::parallel_for(std::size_t{0}, std::size_t{200000}, [&](std::size_t) {
      std::lock_guard<std::mutex> lock(counter_mutex);
      ++counter;
    });
  });
  if (counter != 200000)
    std::abort();
}

}  // namespace

void add_negative_shapes(Shapes& shapes) {
  shapes["slow_pipeline"] = slow_pipeline;
  shapes["busy_pool"] = busy_pool;
  shapes["timed_waits"] = timed_waits;
  shapes["foreign_receiver"] = foreign_receiver;
  shapes["idle_pools"] = idle_pools;
  shapes["churn"] = churn;
  shapes["late_latch"] = late_latch;
  shapes["late_receiver"] = late_receiver;
  shapes["slow_consumer"] = slow_consumer;
  shapes["long_computations"] = long_computations;
  shapes["brief_std_mutex"] = brief_std_mutex;
}

}  // namespace knot::scenarios
