// The worker: its main loop, the helping wait, and where it looks for work.
//
// Work-finding order (worker-only): the bottom of its own deque, then the
// top of other workers' deques starting at a random victim, then the pool's
// injector (a kCompensate spare looks at the injector before stealing).
// Inside an isolation region (isolate.h) only jobs of that region are taken
// and the injector is skipped. A kFiber worker looks at its pool's ready
// list (woken fibers) before the injector.

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "worker.h"

#include "compensate/spares.h"
#include "fiber/fiber.h"
#include "fiber/fiber_pool.h"
#include "job_heap.h"
#include "knot/runtime/detail/recent_users.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/observer.h"
#include "thread_record.h"

namespace knot::detail {

[[gnu::tls_model("initial-exec")]] constinit thread_local Worker* t_current_worker = nullptr;

namespace {

// Searching rounds before a worker sleeps: each round looks at every deque
// and the injector, then yields. About 10-50 us in total here.
constexpr int kRoundsBeforeSleep = 32;

std::atomic<std::uint64_t> g_next_isolation_tag{1};

}  // namespace

Worker::Worker(Registry* registry, std::size_t index)
    : registry_(registry),
      index_(index),
      is_spare_(index >= registry->num_threads()),
      isolates_roots_(registry->options().policy == BlockingPolicy::kCompensate),
      fibers_(registry->fibers()),
      rng_(static_cast<std::uint32_t>(index * 2654435761u + 1)),
      terminate_(registry, this, /*cross=*/false) {}

std::uint32_t Worker::next_random() noexcept {
  std::uint32_t x = rng_;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_ = x;
  return x;
}

void Worker::main() noexcept {
  attach_job_heap();
  t_current_worker = this;
  ThreadRecord& record = ThreadRecord::this_thread();
  record_ = &record;
  record.set_worker(registry_->id(), index_);
  t_actor = pool_actor(registry_->id());
  os_tid_.store(record.tid(), std::memory_order_relaxed);
  set_state(WorkerState::kRunning);
  if (Observer* obs = observer())
    obs->on_worker_start(registry_->name(), index_);
  if (!is_spare_) {
    registry_->worker_started();
    run(terminate_, /*may_step_out=*/false);
  } else {
    // A spare runs jobs while the pool needs it, then waits idle to be
    // needed again, and exits after spare_keep_alive unneeded.
    Spares& spares = *registry_->spares();
    while (!run(terminate_, /*may_step_out=*/true) &&
           spares.wait_idle(*this, /*has_waited=*/idle_since_sleep_)) {
    }
  }
  if (Observer* obs = observer())
    obs->on_worker_stop(registry_->name(), index_);
  set_state(WorkerState::kStopped);
  os_tid_.store(0, std::memory_order_relaxed);  // a spare's slot may get another thread
  t_current_worker = nullptr;
  t_actor = 0;
  detach_job_heap();
}

// put_back() returns an item that a pop took but may not run here (pop_if,
// pop_local, a fiber's job loop). Out of line and cold: pop_if()'s fast
// path then needs no saved registers.
[[gnu::noinline, gnu::cold]] void Worker::put_back(Job* job, std::uint64_t tag) noexcept {
  deque_.push(job, tag);
}

Item Worker::pop_local() noexcept {
  Item item = deque_.pop();
  if (item && isolation_ != 0 && item.tag != isolation_) {
    // A job from outside the current isolation region: leave it.
    put_back(item.job, item.tag);
    return {};
  }
  return item;
}

Item Worker::steal_from_others() noexcept {
  std::size_t n = registry_->num_slots();
  if (n <= 1)
    return {};
  std::size_t start = next_random() % n;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool retry = false;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t victim = (start + i) % n;
      if (victim == index_)
        continue;
      Item item;
      switch (registry_->worker(victim).deque_.steal(isolation_, item)) {
        case WsDeque::Steal::kSuccess:
          return item;
        case WsDeque::Steal::kRetry:
          retry = true;
          break;
        case WsDeque::Steal::kEmpty:
        case WsDeque::Steal::kRefused:
          break;
      }
    }
    if (!retry)
      break;
  }
  return {};
}

Item Worker::find_work() noexcept {
  if (Item item = pop_local())
    return item;
  // A broadcast's share, in any isolation region: no other worker can run
  // it, and two workers broadcasting at once each wait for the other's.
  if (Item item = inbox_.pop())
    return item;
  // A spare outside any region takes queued submissions before stealing:
  // it exists because workers wait, and what they wait for is more often a
  // task submitted to the pool (a consumer, a tokenizer) than another piece
  // of the loop that blocked them. Taking pieces first could make every new
  // spare block like the last, up to max_spares.
  if (is_spare_ && isolation_ == 0) {
    if (Item item = registry_->pop_injected())
      return item;
  }
  if (Item item = steal_from_others())
    return item;
  if (isolation_ == 0) {
    if (fibers_ != nullptr) {
      if (Item item = fibers_->pop_ready())
        return item;
    }
    return registry_->pop_injected();
  }
  return {};
}

// The sleeper's last look [sleep/README.md R1]: is there a job this worker
// could take? Inside an isolation region only jobs of the region count, so
// that a waiting worker sleeps instead of spinning over work it may not run.
bool Worker::pool_has_work() const noexcept {
  if (!inbox_.empty())
    return true;
  if (isolation_ == 0 &&
      (registry_->has_injected() || (fibers_ != nullptr && fibers_->has_ready())))
    return true;
  const std::size_t n = registry_->num_slots();
  for (std::size_t i = 0; i < n; ++i) {
    if (registry_->worker(i).deque_.has_stealable(isolation_))
      return true;
  }
  return false;
}

void Worker::execute(Item item) noexcept {
  if (fibers_ != nullptr && execute_on_fiber(item))
    return;
  std::uint64_t region = item.tag;  // the job's children inherit its region
  if (region == 0 && isolates_roots_) {
    // kCompensate: a root job (injected, or spawned outside any region)
    // opens a region of its own, so that a join inside it helps only with
    // its own subtree, as ForkJoinPool's join does. Otherwise a worker
    // waiting in a join could start an unrelated task that blocks, under
    // the frame whose task someone else waits for, and no spare could
    // finish that frame.
    region = g_next_isolation_tag.fetch_add(1, std::memory_order_relaxed);
  }
  run_here(item, region);
}

inline void Worker::run_here(Item item, std::uint64_t region) noexcept {
  std::uint64_t saved = isolation_;
  isolation_ = region;
  ContextMarks& marks = record_->marks();
  const SavedTask below = marks.enter_task(item.job);
  item.job->execute_fn(item.job);
  marks.leave_task(below);
  isolation_ = saved;
  job_finished(item);
}

Yield Worker::yield_now() noexcept {
  Item item = find_work();
  if (!item)
    return Yield::kIdle;
  if (running_ != nullptr)
    return yield_on_fiber(running_, item);
  execute(item);
  return Yield::kExecuted;
}

void Worker::wait_until(JobLatch& latch) noexcept {
  run(latch, /*may_step_out=*/false);
}

bool Worker::run(JobLatch& latch, bool may_step_out) noexcept {
  while (!latch.probe()) {
    // Local work first: it is ours and cache-warm.
    if (Item item = pop_local()) {
      execute(item);
      continue;
    }
    // A spare between two jobs, with nothing of its own queued: is it still
    // needed?
    if (may_step_out && registry_->spares()->try_step_out(*this)) {
      idle_since_sleep_ = false;
      return false;
    }
    // One look elsewhere before counting as a searcher: a thief that keeps
    // finding work (a burst of spawns) then does not write the sleep
    // counters that every push reads. Not counting costs no wakeup: a
    // pusher that sees no searcher wakes a sleeper, one too many at worst.
    if (Item item = find_work()) {
      execute(item);
      continue;
    }
    Sleep& sleep = registry_->sleep();
    sleep.start_looking();
    set_state(WorkerState::kSearching);
    int rounds = 0;
    Item found;
    while (!latch.probe()) {
      found = find_work();
      if (found)
        break;
      if (++rounds < kRoundsBeforeSleep) {
        std::this_thread::yield();
        continue;
      }
      set_state(WorkerState::kSleeping);
      // A spare sleeps at most spare_keep_alive: then it leaves if the pool
      // can do without it.
      const std::chrono::nanoseconds keep_alive = registry_->options().spare_keep_alive;
      // kCompensate: a join that sleeps inside its isolation region cannot
      // run the pool's other work, so it counts as parked (ForkJoinPool
      // compensates a join that cannot help, too). Otherwise spares blocked
      // under such joins would look runnable, and a queued task could wait
      // for a worker forever.
      const bool counts_as_parked = isolates_roots_ && isolation_ != 0;
      if (counts_as_parked)
        registry_->worker_parked();
      bool woken = sleep.sleep(
          index_, &latch, [this] { return pool_has_work(); }, may_step_out ? &keep_alive : nullptr);
      if (counts_as_parked)
        registry_->worker_unparked();
      set_state(WorkerState::kSearching);
      rounds = 0;
      if (!woken && may_step_out && registry_->spares()->try_step_out(*this)) {
        set_state(WorkerState::kRunning);
        sleep.stop_looking();
        idle_since_sleep_ = true;
        return false;
      }
    }
    set_state(WorkerState::kRunning);
    if (!found) {
      sleep.stop_looking();
      return true;
    }
    sleep.work_found();
    execute(found);
  }
  return true;
}

std::uint64_t Worker::enter_isolation() noexcept {
  std::uint64_t previous = isolation_;
  isolation_ = g_next_isolation_tag.fetch_add(1, std::memory_order_relaxed);
  return previous;
}

WorkerView Worker::view() const noexcept {
  WorkerView v;
  v.index = index_;
  v.os_thread_id = os_tid_.load(std::memory_order_relaxed);
  v.state = state();
  v.queue_depth = deque_.size();
  v.tasks_completed = completed_.load(std::memory_order_relaxed);
  v.is_spare = is_spare_;
  return v;
}

}  // namespace knot::detail
