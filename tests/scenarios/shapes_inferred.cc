// Shapes whose deadlock rests on who may still act: a receiver that the
// main thread made but has not used yet (so it may have gone elsewhere), a
// receiver it used (exact: proven), and a barrier (a latch) whose missing
// arrivals knot only infers from who arrived so far (oneTBB #1316). Under
// kCompensate and kFiber the first and last finish.
#include <cstddef>
#include <utility>

#include "knot/runtime.h"
#include "shape_support.h"
#include "shapes.h"

namespace knot::scenarios {

namespace {

// The pool's tasks fill 'results'; the main thread, which made the
// receiver and will drain it, first waits in install for the pool.
void unreceived_channel() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto channel = knot::channel<int>(2, "results");
  auto tx = std::move(channel.first);
  auto rx = std::move(channel.second);
  for (int t = 0; t < 4; ++t) {
    pool.spawn([tx]() mutable {
      for (int i = 0; i < 10; ++i)
        tx.send(i);
    });
  }
  { auto drop = std::move(tx); }
  pool.install([] {});
  while (rx.recv()) {
  }
}

// The same, but the main thread received once before it waits: it is
// known to hold the receiver.
void received_then_installs() {
  knot::ThreadPool pool = make_pool("p", 2);
  auto channel = knot::channel<int>(2, "results");
  auto tx = std::move(channel.first);
  auto rx = std::move(channel.second);
  for (int t = 0; t < 4; ++t) {
    pool.spawn([tx]() mutable {
      for (int i = 0; i < 10; ++i)
        tx.send(i);
    });
  }
  { auto drop = std::move(tx); }
  rx.recv();
  pool.install([] {});
  while (rx.recv()) {
  }
}

// Four tasks meet at a barrier on a pool of two workers: the two that
// arrive first wait for two that are queued behind them.
void barrier() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Latch meet(4, "barrier");
  pool.install([&] {
    knot::parallel_for(
        std::size_t{0}, std::size_t{4}, [&](std::size_t) { meet.arrive_and_wait(); },
        knot::Grain{.size = 1});
  });
}

}  // namespace

void add_inferred_shapes(Shapes& shapes) {
  shapes["unreceived_channel"] = unreceived_channel;
  shapes["received_then_installs"] = received_then_installs;
  shapes["barrier"] = barrier;
}

}  // namespace knot::scenarios
