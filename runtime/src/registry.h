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
//
// Spares (BlockingPolicy::kCompensate). Worker slots [0, num_threads) are the
// pool's workers; slots from num_threads up to num_threads + max_spares are
// made on demand for spares and never freed before the pool is. One atomic
// word counts the active workers (workers plus spares in use) and the parked
// ones; a worker that parks and leaves fewer than num_threads unparked
// activates a spare: an idle one, or a new thread in a free slot. A spare
// that finds the pool over strength between two jobs steps out (idle, not
// counted); an idle spare that nobody needs for spare_keep_alive exits.
// Slot states and thread starts are guarded by spare_mutex_, which only the
// parking path of a kCompensate pool and spares stepping out take.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fiber/fiber.h"
#include "injector.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/options.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/thread_pool.h"
#include "sleep/sleep.h"
#include "ws_deque.h"

namespace knot {
class ThreadPool;
}

namespace knot::detail {

class Registry;
class ThreadRecord;

class Worker {
 public:
  Worker(Registry* registry, std::size_t index);

  // main() is the thread's body: run jobs until the terminate latch is set
  // (a spare: until it exits for good).
  void main() noexcept;

  // ---- worker-only (called on this worker's own thread) ----
  void push(Job* job) noexcept;
  bool pop_if(Job* job) noexcept;
  void put_back(Job* job, std::uint64_t tag) noexcept;
  void wait_until(JobLatch& latch) noexcept;
  // kFiber: the fiber running on this worker now, or null in its scheduler.
  Fiber* running_fiber() const noexcept { return running_; }
  // The worker thread's record (its task mark and wait frames); set at start.
  ThreadRecord& record() const noexcept { return *record_; }
  bool is_isolated() const noexcept { return isolation_ != 0; }
  std::uint64_t isolation() const noexcept { return isolation_; }  // owner-only
  // kFiber: make woken fiber `f` of this pool run again, from this worker's
  // deque (any worker may steal it).
  void push_resume(Fiber* f) noexcept;
  // The body of every fiber of a kFiber pool: run the job it was given.
  static void fiber_body(Fiber& fiber) noexcept;
  std::uint64_t enter_isolation() noexcept;
  void leave_isolation(std::uint64_t previous) noexcept { isolation_ = previous; }
  bool has_local_work() const noexcept { return !deque_.empty(); }
  // yield_now() runs one job this worker could take, if any (thread_pool.h).
  Yield yield_now() noexcept;

  // ---- any thread ----
  Registry* registry() const noexcept { return registry_; }
  std::size_t index() const noexcept { return index_; }
  bool is_spare() const noexcept { return is_spare_; }
  WorkerView view() const noexcept;
  JobLatch& terminate_latch() noexcept { return terminate_; }
  void set_state(WorkerState s) noexcept { state_.store(s, std::memory_order_relaxed); }
  WorkerState state() const noexcept { return state_.load(std::memory_order_relaxed); }
  // The jobs of broadcasts (ThreadPool::broadcast) that only this worker
  // takes: any thread pushes (Registry::push_broadcast), the worker pops.
  Injector& inbox() noexcept { return inbox_; }

  pthread_t thread{};
  bool has_thread = false;  // a thread was started and not joined yet

  // Spare slot states (spare_state_), written under the registry's
  // spare_mutex_; the spare's thread waits on the word while idle.
  static constexpr std::uint32_t kSpareFree = 0;    // no thread
  static constexpr std::uint32_t kSpareActive = 1;  // counted, running jobs
  static constexpr std::uint32_t kSpareIdle = 2;    // stepped out, waiting to be needed
  static constexpr std::uint32_t kSpareExited = 3;  // its thread ended; join before reuse
  // Stored under spare_mutex_ (release); read there relaxed, and without the lock by the
  // spare's own wait_idle() (acquire: woken by terminate(), it sees its terminate latch set)
  // and by snapshots (relaxed: it only picks the spares to list).
  std::atomic<std::uint32_t> spare_state_{kSpareFree};

 private:
  // run() is the loop of main() and wait_until(): until `latch` is set
  // (true), or, when `may_step_out`, until this spare stepped out (false).
  bool run(JobLatch& latch, bool may_step_out) noexcept;
  void execute(Item item) noexcept;
  // run_here() runs `item` on this stack inside isolation region `region`,
  // then counts it finished.
  void run_here(Item item, std::uint64_t region) noexcept;
  // job_finished() is the bookkeeping after any job this worker took ran.
  void job_finished(Item item) noexcept;
  // kFiber: run a job on a fiber, or resume a woken fiber (fiber/README.md).
  void execute_on_fiber(Item item) noexcept;
  void run_fiber(Fiber* f) noexcept;
  Item pop_local() noexcept;
  Item find_work() noexcept;
  Item steal_from_others() noexcept;
  bool pool_has_work() const noexcept;
  std::uint32_t next_random() noexcept;

  Registry* registry_;
  std::size_t index_;
  bool is_spare_;
  bool isolates_roots_;             // kCompensate: every root job runs in its own isolation region
  bool uses_fibers_;                // kFiber: jobs taken by the scheduler run on fibers
  Fiber* running_ = nullptr;        // owner-only: the fiber running on this worker
  ThreadRecord* record_ = nullptr;  // owner-only writes, at start: this thread's record
  Fiber* cached_ = nullptr;         // owner-only: a free fiber kept for the next job
  WsDeque deque_;
  Injector inbox_;
  std::uint64_t isolation_ = 0;    // owner-only: tag of the innermost region, 0 = none
  std::uint32_t rng_;              // owner-only: xorshift state for victim choice
  bool idle_since_sleep_ = false;  // owner-only: a spare stepped out after sleeping unneeded
  // Set by the owner thread only (set_state), read by snapshots (view) and by the owner's
  // WaitScope: relaxed, a value for display that publishes nothing.
  std::atomic<WorkerState> state_{WorkerState::kStopped};
  // Owner writes (load + store, no RMW), snapshots read: relaxed. A pool's first workers
  // store os_tid_ before started_.count_down(), which orders it before create() returns.
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

  // Called by a worker about to park (WaitScope): if it leaves work behind,
  // wake a sleeper to take it [sleep/README.md R5].
  void worker_blocking(Worker& worker) noexcept;
  // worker_parked() / worker_unparked() count a worker's parks (WaitScope).
  // Under kCompensate a park that leaves fewer than num_threads workers
  // unparked activates a spare; the park that leaves no worker unparked
  // (and no spare to activate) calls the pool-stuck hook.
  void worker_parked() noexcept;
  void worker_unparked() noexcept { occupancy_.fetch_sub(kOneParked, std::memory_order_acq_rel); }
  bool all_workers_parked() const noexcept {
    const std::uint64_t c = occupancy_.load(std::memory_order_relaxed);
    return parked(c) >= active(c);
  }
  // may_block() is called by a worker of this pool before a wait that may
  // throw: under kCompensate with AtSpareLimit::kFail, it throws
  // Error(Errc::kSpareLimit) if the wait would leave the pool short and no
  // spare can take its place.
  void may_block() const;
  // try_step_out() is called by spare `w` between jobs: if the pool is over
  // strength, it stops counting `w` as active, marks it idle and returns true.
  bool try_step_out(Worker& w) noexcept;
  // wait_idle() keeps idle spare `w` waiting until it is needed again (true)
  // or spare_keep_alive passed or the pool stops (false: `w` exits).
  // `has_waited`: it already slept that long before stepping out.
  bool wait_idle(Worker& w, bool has_waited) noexcept;
  // ---- kFiber (fiber/README.md) ----
  // take_fiber() is a free fiber, made if none is free; null if that fails.
  Fiber* take_fiber() noexcept;
  void give_back_fiber(Fiber* f) noexcept;
  // push_ready() queues woken fiber `f` and wakes a sleeping worker;
  // pop_ready() takes the oldest one (an empty item if none).
  void push_ready(Fiber* f) noexcept;
  Item pop_ready() noexcept;
  bool has_ready() const noexcept { return num_ready_.load(std::memory_order_seq_cst) != 0; }
  // Counts the pool's fibers suspended in a wait, for snapshots (relaxed:
  // a statistic, read torn like the rest of a snapshot).
  void fiber_suspending(bool begins) noexcept {
    num_suspended_.fetch_add(begins ? 1 : std::size_t(-1), std::memory_order_relaxed);
  }

  // worker_started() is called by each worker once it is set up.
  void worker_started() noexcept { started_.count_down(); }

 private:
  Registry(PoolOptions options, ThreadPool* pool);
  void start_threads();

  // occupancy_: high 32 bits active workers (workers plus spares in use),
  // low 32 bits parked ones.
  static constexpr std::uint64_t kOneParked = 1;
  static constexpr std::uint64_t kOneActive = std::uint64_t{1} << 32;
  static std::uint32_t parked(std::uint64_t c) { return static_cast<std::uint32_t>(c); }
  static std::uint32_t active(std::uint64_t c) { return static_cast<std::uint32_t>(c >> 32); }

  // compensate() activates a spare for a worker that parked, if the pool is
  // short and a spare is allowed; true if one was activated.
  bool compensate() noexcept;
  // start_thread() starts the thread of slot `w`: 0, or the error number.
  int start_thread(Worker& w) noexcept;

  PoolOptions options_;
  ThreadPool* pool_;
  std::uint64_t id_;
  std::size_t max_slots_;  // num_threads, plus max_spares under kCompensate
  // Worker slots; [0, num_slots_) are made. Written under spare_mutex_ (or
  // before any thread runs), published by num_slots_.
  std::unique_ptr<std::unique_ptr<Worker>[]> slots_;
  // Stored (release) by the constructor and by compensate() under spare_mutex_, once
  // slots_[n] is built; read by num_slots() (acquire) from any thread without the lock:
  // a reader that sees n finds slots [0, n) built.
  std::atomic<std::size_t> num_slots_{0};
  // Changed only by RMWs (acq_rel): worker_parked/unparked, and compensate() and
  // try_step_out() by CAS, which re-checks their bound. Plain reads are relaxed: CAS seeds,
  // and may_block() and all_workers_parked(), which are hints. No other data rides on the
  // word (slot states are under spare_mutex_): acq_rel is more than the counts need.
  std::atomic<std::uint64_t> occupancy_{0};
  std::mutex spare_mutex_;
  bool spares_closed_ = false;  // guarded by spare_mutex_: terminate() began joining
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
  // kFiber: the stacks, every fiber made (destroyed by terminate()), the
  // free ones, and the ready list (woken fibers queued from outside the
  // pool's workers), each list under its own mutex.
  std::unique_ptr<FiberStacks> fiber_stacks_;
  std::mutex fibers_mutex_;
  std::vector<std::unique_ptr<Fiber>> fibers_;  // guarded by fibers_mutex_
  std::vector<Fiber*> free_fibers_;             // guarded by fibers_mutex_
  std::mutex ready_mutex_;
  Fiber* ready_head_ = nullptr;  // guarded by ready_mutex_
  Fiber* ready_tail_ = nullptr;  // guarded by ready_mutex_
  // Fibers on the ready list. push_ready() bumps it (seq_cst) under ready_mutex_, before
  // new_injected_job()'s fence; the sleeper's last look reads it seq_cst (has_ready): the
  // Dekker pair of [sleep/README.md R1]. Other reads and the decrement (under ready_mutex_,
  // like the list) are relaxed: a searcher that misses a fiber still takes that last look.
  std::atomic<std::size_t> num_ready_{0};
  // Changed by fiber_suspending() (relaxed RMWs keep it exact, though a fiber may count
  // itself down on another thread than it counted up) and read by snapshots (relaxed).
  std::atomic<std::size_t> num_suspended_{0};
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
