// Registry: the shared state of one pool, and Worker: one of its threads.
//
// The Registry owns the workers, the injector and the sleep module, and
// counts pending fire-and-forget work for shutdown. ThreadPool is a handle on
// it. A Worker is one OS thread with its Chase-Lev deque; its main loop and
// the helping wait (wait_until) live in worker.cc.
//
// Lifetime: a Registry is shared (shared_ptr) because a worker of another
// pool may be the one that sets a latch its workers wait on, and must keep
// it alive until the wake is done (JobLatch cross mode).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <vector>

#include "injector.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/options.h"
#include "knot/runtime/snapshot.h"
#include "sleep/sleep.h"
#include "ws_deque.h"

namespace knot {
class ThreadPool;
}

namespace knot::detail {

class Registry;

class Worker {
 public:
  Worker(Registry* registry, std::size_t index);

  // main() is the thread's body: run jobs until the terminate latch is set.
  void main() noexcept;

  // ---- worker-only (called on this worker's own thread) ----
  void push(Job* job) noexcept;
  bool pop_if(Job* job) noexcept;
  void wait_until(JobLatch& latch) noexcept;
  std::uint64_t enter_isolation() noexcept;
  void leave_isolation(std::uint64_t previous) noexcept { isolation_ = previous; }
  bool has_local_work() const noexcept { return !deque_.empty(); }

  // ---- any thread ----
  Registry* registry() const noexcept { return registry_; }
  std::size_t index() const noexcept { return index_; }
  WorkerView view() const noexcept;
  JobLatch& terminate_latch() noexcept { return terminate_; }
  void set_state(WorkerState s) noexcept { state_.store(s, std::memory_order_relaxed); }
  WorkerState state() const noexcept { return state_.load(std::memory_order_relaxed); }

  pthread_t thread{};
  bool has_thread = false;

 private:
  void execute(Item item) noexcept;
  Item pop_local() noexcept;
  Item find_work() noexcept;
  Item steal_from_others() noexcept;
  bool pool_has_work() const noexcept;
  std::uint32_t next_random() noexcept;

  Registry* registry_;
  std::size_t index_;
  WsDeque deque_;
  std::uint64_t isolation_ = 0;  // owner-only: tag of the innermost region, 0 = none
  std::uint32_t rng_;            // owner-only: xorshift state for victim choice
  std::atomic<WorkerState> state_{WorkerState::kStopped};
  // Owner writes (load + store, no RMW), snapshots read: relaxed.
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::int64_t> os_tid_{0};
  JobLatch terminate_;
};

class Registry : public std::enable_shared_from_this<Registry> {
 public:
  // create() builds the registry and starts its threads. Throws knot::Error.
  static std::shared_ptr<Registry> create(PoolOptions options, ThreadPool* pool);
  ~Registry();

  // terminate() waits for pending work, stops and joins the workers.
  void terminate() noexcept;

  void inject(Job* job);
  Item pop_injected() noexcept { return injector_.pop(); }
  bool has_injected() const noexcept { return !injector_.empty(); }

  void add_pending() noexcept { pending_.fetch_add(1, std::memory_order_relaxed); }
  void finish_pending() noexcept;
  void handle_uncaught(std::exception_ptr error) noexcept;

  std::size_t num_threads() const noexcept { return workers_.size(); }
  Worker& worker(std::size_t i) noexcept { return *workers_[i]; }
  Sleep& sleep() noexcept { return sleep_; }
  const PoolOptions& options() const noexcept { return options_; }
  const std::string& name() const noexcept { return options_.name; }
  ThreadPool* pool() const noexcept { return pool_; }
  std::uint64_t id() const noexcept { return id_; }
  bool is_shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }
  PoolSnapshot snapshot() const;

  // Called by a worker about to park (WaitScope): if it leaves work behind,
  // wake a sleeper to take it [sleep/README.md R5].
  void worker_blocking(Worker& worker) noexcept;
  // worker_parked() / worker_unparked() count a worker's parks (WaitScope).
  // The park that leaves no worker unparked calls the pool-stuck hook.
  void worker_parked() noexcept;
  void worker_unparked() noexcept { num_parked_.fetch_sub(1, std::memory_order_relaxed); }
  bool all_workers_parked() const noexcept {
    return num_parked_.load(std::memory_order_relaxed) >= workers_.size();
  }
  // worker_started() is called by each worker once it is set up.
  void worker_started() noexcept { started_.count_down(); }

 private:
  Registry(PoolOptions options, ThreadPool* pool);
  void start_threads();

  PoolOptions options_;
  ThreadPool* pool_;
  std::uint64_t id_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Injector injector_;
  Sleep sleep_;
  std::atomic<bool> shutting_down_{false};
  // Spawned jobs not yet finished plus injected jobs not yet run; the
  // destructor waits for zero. A spawned job that was injected counts twice.
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> has_shutdown_waiter_{false};
  std::atomic<std::size_t> num_parked_{0};  // workers inside a WaitScope
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
