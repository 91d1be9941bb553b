// Shapes of locks: a read lock taken again while a writer waits (rayon
// #1205), a reader that waits for a pool whose task wants to write, and a
// lock held across a join whose stolen half wants it (rayon #847's shared
// iterator). All proven under every policy: the cycles go through locks and
// helping waits, not through a pool's free workers.
#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "knot/runtime.h"
#include "shape_support.h"
#include "shapes.h"

namespace knot::scenarios {

namespace {

// A task reads 'cache' and, while its scope waits, runs a second task of
// the scope that reads 'cache' again; a writer queued in between makes the
// second read wait for the writer, which waits for the first read.
void shared_reentry() {
  knot::ThreadPool pool = make_pool("p", 1);
  knot::SharedMutex cache("cache");
  pool.install([&] {
    std::shared_lock<knot::SharedMutex> read(cache);
    std::thread writer([&] {
      knot::this_thread::set_name("writer");
      std::lock_guard<knot::SharedMutex> write(cache);
    });
    writer.detach();
    knot::scope([&](knot::Scope& s) {
      s.spawn([&] {
        wait_until([&] { return cache.has_parked_writers(); });
        std::shared_lock<knot::SharedMutex> again(cache);
      });
    });
  });
}

// Thread 'reader' reads 'table' and waits in install for a task of pool
// 'p' that writes it.
void reader_installs() {
  knot::ThreadPool pool = make_pool("p", 1);
  knot::SharedMutex table("table");
  std::thread reader([&] {
    knot::this_thread::set_name("reader");
    std::shared_lock<knot::SharedMutex> read(table);
    pool.install([&] { std::lock_guard<knot::SharedMutex> write(table); });
  });
  reader.join();
}

// A task holds 'iterator' (the lock around an iterator that tasks share)
// and joins; the other worker steals the first half, which takes the next
// item, and waits for the lock the joining task holds.
void iterator_lock() {
  knot::ThreadPool pool = make_pool("walk", 2);
  knot::Mutex iterator("iterator");
  pool.install([&] {
    std::lock_guard<knot::Mutex> next(iterator);
    std::atomic<bool> started{false};
    knot::join(
        [&] {
          started.store(true);
          std::lock_guard<knot::Mutex> another(iterator);
        },
        [&] { wait_until([&] { return started.load(); }); });
  });
}

}  // namespace

void add_lock_shapes(Shapes& shapes) {
  shapes["shared_reentry"] = shared_reentry;
  shapes["reader_installs"] = reader_installs;
  shapes["iterator_lock"] = iterator_lock;
}

}  // namespace knot::scenarios
