// Registry: the shared state of one pool. ThreadPool is a handle on it.
//
// The Registry owns the worker slots (worker.h), the injector and the sleep
// module, counts pending fire-and-forget work for shutdown, and counts its
// threads' parks (occupancy.h). A blocking policy's state lives in its own
// room, owned here and consulted only on park and where a job starts:
// compensate/spares.h (kCompensate and kFiber) and fiber/fiber_pool.h
// (kFiber).
//
// Lifetime: a Registry is shared (shared_ptr) because a worker of another
// pool may be the one that sets a latch its workers wait on, and must keep
// it alive until the wake is done (JobLatch cross mode).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>

#include "injector.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/options.h"
#include "knot/runtime/snapshot.h"
#include "occupancy.h"
#include "sleep/sleep.h"

namespace knot {
class ThreadPool;
}

namespace knot::detail {

class FiberPool;
class Spares;
class Worker;

class Registry : public std::enable_shared_from_this<Registry> {
 public:
  // create() builds the registry and starts its threads. Throws knot::Error.
  static std::shared_ptr<Registry> create(PoolOptions options, ThreadPool* pool);
  ~Registry();

  // terminate() waits for pending work, stops and joins the workers.
  void terminate() noexcept;

  void inject(Job* job);
  // push_broadcast() queues `job` for worker `index` alone and wakes it if
  // it sleeps; counted pending like an injected job. Allocation failure
  // aborts: the broadcast's other jobs may be queued already.
  void push_broadcast(std::size_t index, Job* job) noexcept;
  Item pop_injected() noexcept { return injector_.pop(); }
  bool has_injected() const noexcept { return !injector_.empty(); }

  void add_pending() noexcept { pending_.fetch_add(1, std::memory_order_relaxed); }
  void finish_pending() noexcept;
  void handle_uncaught(std::exception_ptr error) noexcept;

  // num_threads(): the pool's size. num_slots(): worker slots made so far,
  // spares' included; worker(i) for i < num_slots() (acquire: a slot is
  // complete before it is counted).
  std::size_t num_threads() const noexcept { return options_.num_threads; }
  std::size_t num_slots() const noexcept { return num_slots_.load(std::memory_order_acquire); }
  Worker& worker(std::size_t i) noexcept { return *slots_[i]; }
  Sleep& sleep() noexcept { return sleep_; }
  const PoolOptions& options() const noexcept { return options_; }
  const std::string& name() const noexcept { return options_.name; }
  ThreadPool* pool() const noexcept { return pool_; }
  std::uint64_t id() const noexcept { return id_; }
  bool is_shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }
  PoolSnapshot snapshot() const;

  // ---- the park path (WaitScope in parking_lot.cc, and Worker::run) ----
  // Called by a worker about to park: if it leaves work behind, wake a
  // sleeper to take it [sleep/README.md R5].
  void worker_blocking(Worker& worker) noexcept;
  // worker_parked() / worker_unparked() count a worker's parks. A park that
  // leaves fewer than num_threads threads runnable asks the spares for one
  // (kCompensate, kFiber); the park that leaves none runnable (and no spare
  // to activate) calls the pool-stuck hook.
  void worker_parked() noexcept;
  void worker_unparked() noexcept { occupancy_.unpark(); }
  bool all_workers_parked() const noexcept {
    const Occupancy::Counts c = occupancy_.load();
    return c.parked >= c.active;
  }
  // may_block() is called by a worker of this pool before a wait that may
  // throw: see Spares::may_block.
  void may_block() const;

  // ---- the policies' rooms ----
  // spares(): kCompensate and kFiber, else null. fibers(): kFiber, else null.
  Spares* spares() const noexcept { return spares_.get(); }
  FiberPool* fibers() const noexcept { return fibers_.get(); }
  // add_slot() makes the next worker slot, for a spare: null when every
  // slot is made or memory runs out. Called only under the spares' lock.
  Worker* add_slot() noexcept;
  // start_thread() starts the thread of slot `w`: 0, or the error number.
  int start_thread(Worker& w) noexcept;

  // worker_started() is called by each worker once it is set up.
  void worker_started() noexcept { started_.count_down(); }

 private:
  Registry(PoolOptions options, ThreadPool* pool);
  void start_threads();

  PoolOptions options_;
  ThreadPool* pool_;
  std::uint64_t id_;
  std::size_t max_slots_;  // num_threads, plus max_spares when the policy has spares
  // Worker slots; [0, num_slots_) are made. Written before any thread runs,
  // then by add_slot() under the spares' lock; published by num_slots_.
  std::unique_ptr<std::unique_ptr<Worker>[]> slots_;
  // Stored (release) by the constructor and by add_slot() under the spares' lock, once
  // slots_[n] is built; read by num_slots() (acquire) from any thread without the lock:
  // a reader that sees n finds slots [0, n) built.
  std::atomic<std::size_t> num_slots_{0};
  Occupancy occupancy_;
  Injector injector_;
  Sleep sleep_;
  // Set once by terminate() (release); read (acquire) by inject() and run_broadcast() to
  // refuse outside work, and by snapshots. A bare flag: no data rides on the pair, and it is
  // read before pending_ is counted, so it refuses submissions made after terminate() began,
  // not ones racing it.
  std::atomic<bool> shutting_down_{false};
  // Spawned jobs not yet finished plus injected jobs not yet run; the destructor waits for
  // zero. A spawned job that was injected counts twice. add_pending() is relaxed: it precedes
  // the push that lets its job run, so it precedes that job's decrement. Decrements and
  // terminate()'s reads are seq_cst (see has_shutdown_waiter_); snapshots read relaxed.
  std::atomic<std::size_t> pending_{0};
  // Set once by terminate() in its park's validate, then pending_ re-read (both seq_cst);
  // finish_pending() decrements pending_, then reads this (both seq_cst). A Dekker pair: the
  // last finisher sees the waiter and wakes it, or the waiter sees zero and does not park.
  std::atomic<bool> has_shutdown_waiter_{false};
  // The policies' rooms: made by the constructor, before any thread runs.
  std::unique_ptr<Spares> spares_;
  std::unique_ptr<FiberPool> fibers_;
  bool terminated_ = false;
  // Counted down by each worker once it runs (its OS thread id is known);
  // create() waits for it, so a new pool's snapshot is complete.
  std::latch started_;
};

// describe_pool() is the DescribeFn of waits on a pool (install from
// outside, shutdown): the resource is the Registry.
void describe_pool(const void* resource, ResourceFacts& facts) noexcept;

// The pool list behind snapshot_pools().
void register_pool(Registry* registry);
void unregister_pool(Registry* registry);

}  // namespace knot::detail
