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

#include "job_heap.h"
#include "knot/base/check.h"
#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/detail/recent_users.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/hazard_hook.h"
#include "knot/runtime/observer.h"
#include "registry.h"
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
      uses_fibers_(registry->options().policy == BlockingPolicy::kFiber),
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
    while (!run(terminate_, /*may_step_out=*/true) &&
           registry_->wait_idle(*this, /*has_waited=*/idle_since_sleep_)) {
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

// push() and pop_if() are inline: push_job() and pop_job_if(), the entry
// points of every join, are their only callers.
inline void Worker::push(Job* job) noexcept {
  deque_.push(job, isolation_);
  registry_->sleep().new_local_job();
}

inline bool Worker::pop_if(Job* job) noexcept {
  Item item = deque_.pop();
  if (item.job == job) [[likely]]
    return true;
  // Not ours: our job was stolen. Anything else found here would belong to
  // an enclosing frame; put it back untouched.
  if (item)
    put_back(item.job, item.tag);
  return false;
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
    if (uses_fibers_) {
      if (Item item = registry_->pop_ready())
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
  if (isolation_ == 0 && (registry_->has_injected() || registry_->has_ready()))
    return true;
  const std::size_t n = registry_->num_slots();
  for (std::size_t i = 0; i < n; ++i) {
    if (registry_->worker(i).deque_.has_stealable(isolation_))
      return true;
  }
  return false;
}

void Worker::execute(Item item) noexcept {
  if (uses_fibers_) {
    execute_on_fiber(item);
    return;
  }
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

inline void Worker::job_finished(Item item) noexcept {
  if (item.is_injected)
    registry_->finish_pending();
  completed_.store(completed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// ============================================================================
// kFiber (fiber/README.md)
// ============================================================================

void Worker::execute_on_fiber(Item item) noexcept {
  if (Fiber::is_resume_job(item.job)) {
    run_fiber(Fiber::from_resume_job(item.job));
    return;
  }
  Fiber* f = cached_;
  cached_ = nullptr;
  if (f == nullptr)
    f = registry_->take_fiber();
  if (f == nullptr) {
    // No stack for a fiber: run the job here, as under kBlock.
    run_here(item, item.tag);
    return;
  }
  f->job = item;
  f->isolation = item.tag;
  run_fiber(f);
}

void Worker::run_fiber(Fiber* f) noexcept {
  for (;;) {
    running_ = f;
    isolation_ = f->isolation;
    // The thread's task mark names the fiber; its jobs are marked in the
    // fiber's own record (fiber_body).
    const SavedTask below = record_->marks().enter_fiber(f->record().index(), f);
    const Fiber::Exit why = f->resume();
    record_->marks().leave_task(below);
    running_ = nullptr;
    f->isolation = isolation_;
    isolation_ = 0;
    if (why == Fiber::Exit::kDone) {
      if (cached_ == nullptr) {
        cached_ = f;
      } else {
        registry_->give_back_fiber(f);
      }
      return;
    }
    // Suspended: the scheduler's arrival. If the waker came first, go on
    // with the fiber at once; else the waker queues it and `f` is theirs.
    if (!f->arrive())
      return;
  }
}

namespace {
// The calling thread's worker, read afresh on every call: a loop that runs
// jobs on a fiber may move to another thread between two calls, and the
// compiler must not keep the thread-local's address from the first.
[[gnu::noinline]] Worker* this_worker() noexcept {
  Worker* w = t_current_worker;
  asm volatile("" ::: "memory");
  return w;
}
}  // namespace

// The body of every fiber: run the job the scheduler gave it, then the jobs
// left on the bottom of its worker's deque, on the same fiber: a scheduler
// would only hand them to this fiber again, at the cost of two switches
// each. A resume job goes back to the scheduler, which switches fibers.
void Worker::fiber_body(Fiber& fiber) noexcept {
  Item item = fiber.job;
  fiber.job = {};
  ContextMarks& marks = fiber.record().marks();
  constexpr SavedTask kNone{0, 0, 0};
  for (;;) {
    marks.enter_task(item.job);
    item.job->execute_fn(item.job);
    Worker* self = this_worker();  // the job may have moved to another worker
    self->job_finished(item);
    item = self->deque_.pop();
    if (!item || Fiber::is_resume_job(item.job)) {
      marks.leave_task(kNone);
      if (item)
        self->put_back(item.job, item.tag);
      return;
    }
    self->isolation_ = item.tag;
  }
}

Yield Worker::yield_now() noexcept {
  Item item = find_work();
  if (!item)
    return Yield::kIdle;
  Fiber* fiber = running_;
  if (fiber == nullptr) {
    execute(item);
    return Yield::kExecuted;
  }
  // A fiber task runs the job on its own fiber, as fiber_body runs the jobs
  // left on its deque; a woken fiber needs the scheduler: left queued.
  if (Fiber::is_resume_job(item.job)) {
    put_back(item.job, item.tag);
    return Yield::kIdle;
  }
  const std::uint64_t saved = isolation_;
  isolation_ = item.tag;
  ContextMarks& marks = fiber->record().marks();
  const SavedTask below = marks.enter_task(item.job);
  item.job->execute_fn(item.job);
  marks.leave_task(below);
  Worker* self = this_worker();  // the job may have moved this fiber to another worker
  self->isolation_ = saved;
  self->job_finished(item);
  return Yield::kExecuted;
}

void Worker::push_resume(Fiber* f) noexcept {
  deque_.push(&f->resume_job, 0);
  registry_->sleep().new_local_job();
}

bool on_fiber() noexcept {
  return current_fiber() != nullptr;
}

Fiber* current_fiber() noexcept {
  Worker* w = t_current_worker;
  return w != nullptr ? w->running_fiber() : nullptr;
}

void wake_fiber(Fiber* f) noexcept {
  if (!f->arrive())
    return;  // it has not switched out yet: its scheduler resumes it
  Worker* w = t_current_worker;
  if (w != nullptr && w->registry() == f->registry()) {
    w->push_resume(f);
  } else {
    f->registry()->push_ready(f);
  }
}

// fiber_wait() suspends fiber `f` until `latch` is set: a join or scope of a
// fiber task waits without helping.
static void fiber_wait(Fiber* f, JobLatch& latch) noexcept {
  while (!latch.probe()) {
    if (latch.try_suspend(f))
      f->suspend();
  }
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
    if (may_step_out && registry_->try_step_out(*this)) {
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
      if (!woken && may_step_out && registry_->try_step_out(*this)) {
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

// ============================================================================
// JobLatch
// ============================================================================

void JobLatch::set() noexcept {
  // Copy what the wake needs: after the exchange the latch may be gone
  // [sleep/README.md R7]. The exchange is acq_rel: it publishes the job's
  // result to the waiter, and reads whether the waiter announced sleep [R6].
  Worker* worker = worker_;
  Registry* registry = registry_ != nullptr || worker == nullptr ? registry_ : worker->registry();
  std::shared_ptr<Registry> keep_alive;
  if (is_cross_)
    keep_alive = registry->shared_from_this();
  const void* key = this;
  const std::uint32_t previous = state_.exchange(kSet, std::memory_order_acq_rel);
  if (previous == kFiberWaiting) {
    // The fiber cannot run on before this wake, so the latch is alive.
    wake_fiber(fiber_);
    return;
  }
  if (previous != kSleeping)
    return;
  if (worker != nullptr) {
    registry->sleep().wake_worker(worker->index());
  } else {
    unpark_all(key);
  }
}

// ============================================================================
// Entry points for the templates (detail/scheduler.h)
// ============================================================================

// The entry points read the current worker instead of trusting the one the
// template passes: under kFiber a task may have moved to another worker
// since it read it (fiber/README.md). Without fibers they are the same.

void push_job(Worker*, Job* job) noexcept {
  t_current_worker->push(job);
}

bool pop_job_if(Worker*, Job* job) noexcept {
  return t_current_worker->pop_if(job);
}

void wait_until(Worker*, JobLatch& latch, WaitKind kind, const void* awaited,
                const Registry* pool) noexcept {
  // An install on another pool may wait for one of its workers, also when
  // it did not (hazard_hook.h); a join or scope in the pool is a help.
  if (kind == WaitKind::kInstall && hazards_on()) [[unlikely]]
    note_install(pool, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  if (latch.probe())
    return;
  Worker* self = t_current_worker;
  WaitFrame frame;
  frame.kind = kind;
  frame.awaited = reinterpret_cast<std::uintptr_t>(awaited);
  frame.pool_id = (pool != nullptr ? pool : self->registry())->id();
  frame.site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  frame.since = std::chrono::steady_clock::now();
  if (Fiber* f = self->running_fiber()) {
    // A fiber task suspends: the frame is the task's, wherever it resumes.
    ContextMarks& marks = f->record().marks();
    frame.under_job = marks.current_job();
    frame.under_group = marks.current_group();
    marks.push_frame(frame);
    fiber_wait(f, latch);
    marks.pop_frame();
    return;
  }
  ContextMarks& marks = self->record().marks();
  frame.under_job = marks.current_job();
  frame.under_group = marks.current_group();
  frame.is_isolated = self->is_isolated();
  marks.push_frame(frame);
  // The worker runs other tasks of its pool while it waits: the tracker
  // follows what it holds meanwhile (docs/hazards.md, "Helping").
  const bool notes_help = hazards_on();
  if (notes_help) [[unlikely]]
    note_help(self->registry(), frame.site, /*is_end=*/false);
  self->wait_until(latch);
  if (notes_help) [[unlikely]]
    note_help(self->registry(), frame.site, /*is_end=*/true);
  marks.pop_frame();
}

void describe_pool(const void* resource, ResourceFacts& facts) noexcept {
  facts.pool_id = static_cast<const Registry*>(resource)->id();
}

void wait_outside(JobLatch& latch, WaitKind kind, const Registry* pool, std::string_view name,
                  const void* awaited) noexcept {
  if (kind == WaitKind::kInstall && hazards_on()) [[unlikely]]
    note_install(pool, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  WaitSite site{pool, kind, name, /*is_timed=*/false, &describe_pool};
  ContextMarks& marks = ThreadRecord::this_thread().marks();
  WaitFrame frame;
  frame.kind = kind;
  frame.awaited = reinterpret_cast<std::uintptr_t>(awaited);
  frame.pool_id = pool->id();
  frame.under_job = marks.current_job();
  frame.under_group = marks.current_group();
  frame.site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  frame.since = std::chrono::steady_clock::now();
  marks.push_frame(frame);
  while (!latch.probe()) {
    park(&latch, site, [&] { return latch.try_fall_asleep() || latch.is_sleeping(); });
  }
  marks.pop_frame();
}

JobLatch group_latch(const Registry* pool) noexcept {
  Worker* self = t_current_worker;
  // As install's: a waiter of another pool is woken across pools.
  return JobLatch(self != nullptr ? self->registry() : nullptr, self,
                  /*cross=*/self != nullptr && self->registry() != pool);
}

void wait_for_group(Registry* pool, JobLatch& latch, const void* group) noexcept {
  Worker* self = t_current_worker;
  if (self != nullptr && self->registry() == pool) {
    wait_until(self, latch, WaitKind::kScope, group, nullptr);
  } else if (self != nullptr) {
    wait_until(self, latch, WaitKind::kInstall, group, pool);
  } else {
    wait_outside(latch, WaitKind::kInstall, pool, pool->name(), group);
  }
}

Registry* registry_of(Worker* worker) noexcept {
  return worker->registry();
}

void inject_job(Registry* registry, Job* job) {
  registry->inject(job);
}

void add_pending(Registry* registry) noexcept {
  registry->add_pending();
}

void finish_pending(Registry* registry) noexcept {
  registry->finish_pending();
}

void handle_uncaught(Registry* registry, std::exception_ptr error) noexcept {
  registry->handle_uncaught(std::move(error));
}

std::uint64_t enter_isolation(Worker*) noexcept {
  return t_current_worker->enter_isolation();
}

void leave_isolation(Worker*, std::uint64_t previous) noexcept {
  t_current_worker->leave_isolation(previous);
}

std::string_view registry_name(const Registry* registry) noexcept {
  return registry->name();
}

}  // namespace knot::detail
