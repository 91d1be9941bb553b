// Shapes of tasks that never end, watched through their progress marks: a
// once-flag taken again by a task run while its initializer waits (rayon
// #1251), a task that spins forever while the pool's queue waits (tokio
// #4730), one that spins holding a lock someone waits for, and tasks that
// block their thread outside knot (boost.fiber #254: a std::mutex, a
// sleep). Each is a warning ("long_task") under every policy.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "knot/runtime.h"
#include "shape_support.h"
#include "shapes.h"

namespace knot::scenarios {

namespace {

using namespace std::chrono_literals;

// spin_until_killed() computes forever (the scenario program ends the
// process once the watchdog reported).
void spin_until_killed() {
  std::atomic<unsigned> x{0};
  for (;;)
    x.fetch_add(1, std::memory_order_relaxed);
}

// The once-initializer waits in a scope; the worker, helping, runs the
// scope's task, which needs the same once-flag: it waits for itself.
void once_reentry() {
  knot::ThreadPool pool = make_pool("p", 1);
  std::once_flag loaded;
  pool.install([&] {
    std::call_once(loaded, [&] {
      knot::scope([&](knot::Scope& s) { s.spawn([&] { std::call_once(loaded, [] {}); }); });
    });
  });
}

// The once-initializer waits in install on another pool; the waiting
// worker runs a queued task of its own pool that needs the once-flag. The
// loader's closure returns only once that task started, so the install
// cannot end first however the threads are scheduled.
void once_reentry_install() {
  knot::ThreadPool outer = make_pool("outer", 1);
  knot::ThreadPool loader = make_pool("loader", 1);
  std::once_flag loaded;
  std::atomic<bool> reentered{false};
  outer.install([&] {
    knot::spawn([&] {
      reentered.store(true);
      std::call_once(loaded, [] {});
    });
    std::call_once(loaded,
                   [&] { loader.install([&] { wait_until([&] { return reentered.load(); }); }); });
  });
}

// A task spins forever on the pool's only worker; the main thread's
// closure waits in the queue behind it.
void spin_forever() {
  knot::ThreadPool pool = make_pool("p", 1);
  std::atomic<bool> running{false};
  pool.spawn([&] {
    running.store(true);
    spin_until_killed();
  });
  wait_until([&] { return running.load(); });
  pool.install([] {});
}

// A task spins holding 'state'; the main thread waits for the lock.
void spin_holding_lock() {
  knot::ThreadPool pool = make_pool("p", 2);
  knot::Mutex state("state");
  pool.spawn([&] {
    std::lock_guard<knot::Mutex> lock(state);
    spin_until_killed();
  });
  wait_until([&] { return state.owner() != 0; });
  std::lock_guard<knot::Mutex> lock(state);
}

// A task blocks its worker thread in a std::mutex the main thread holds;
// the main thread's closure waits in the queue behind it.
void foreign_mutex() {
  knot::ThreadPool pool = make_pool("p", 1);
  std::mutex foreign;
  std::lock_guard<std::mutex> held(foreign);
  std::atomic<bool> running{false};
  pool.spawn([&] {
    running.store(true);
    std::lock_guard<std::mutex> lock(foreign);
  });
  wait_until([&] { return running.load(); });
  pool.install([] {});
}

// A task sleeps an hour on the pool's only worker (outside knot).
void foreign_sleep() {
  knot::ThreadPool pool = make_pool("p", 1);
  std::atomic<bool> running{false};
  pool.spawn([&] {
    running.store(true);
    std::this_thread::sleep_for(1h);
  });
  wait_until([&] { return running.load(); });
  pool.install([] {});
}

}  // namespace

void add_long_task_shapes(Shapes& shapes) {
  shapes["once_reentry"] = once_reentry;
  shapes["once_reentry_install"] = once_reentry_install;
  shapes["spin_forever"] = spin_forever;
  shapes["spin_holding_lock"] = spin_holding_lock;
  shapes["foreign_mutex"] = foreign_mutex;
  shapes["foreign_sleep"] = foreign_sleep;
}

}  // namespace knot::scenarios
