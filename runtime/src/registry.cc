// Registry: pool start-up, shutdown, injection and pending-work accounting.

#include "registry.h"
#include "futex.h"
#include "thread_record.h"
#include "watchdog_presence.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <typeinfo>

#include "knot/base/check.h"
#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/detail/recent_users.h"
#include "knot/runtime/detail/scheduler.h"
#include "knot/runtime/error.h"

namespace knot::detail {

namespace {

std::atomic<std::uint64_t> g_next_pool_id{1};

// The list of live pools for snapshot_pools(). Workers never take this lock.
std::mutex& pool_list_mutex() {
  static std::mutex m;
  return m;
}
std::vector<Registry*>& pool_list() {
  static std::vector<Registry*> pools;
  return pools;
}

struct ThreadStart {
  Worker* worker;
  std::string name;
};

void* thread_entry(void* arg) {
  std::unique_ptr<ThreadStart> start(static_cast<ThreadStart*>(arg));
  pthread_setname_np(pthread_self(), start->name.c_str());
  Worker* worker = start->worker;
  start.reset();
  worker->main();
  return nullptr;
}

// thread_name() is "<pool>-<index>" cut to the 15 characters Linux keeps,
// shortening the pool name so that the index survives. (Built with
// snprintf: GCC 12 at -O3 warns falsely, -Wrestrict, on the inlined
// std::string operator+ chain.)
std::string thread_name(const std::string& pool, std::size_t index) {
  char suffix[24];
  int suffix_len = std::snprintf(suffix, sizeof suffix, "-%zu", index);
  std::size_t keep = std::min(pool.size(), std::size_t{15} - static_cast<std::size_t>(suffix_len));
  std::string name = pool.substr(0, keep);
  name.append(suffix, static_cast<std::size_t>(suffix_len));
  return name;
}

void default_uncaught_handler(const std::string& pool, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knot: a task spawned on pool '%s' threw %s: %s\n", pool.c_str(),
                 typeid(e).name(), e.what());
  } catch (...) {
    std::fprintf(stderr, "knot: a task spawned on pool '%s' threw a non-std exception\n",
                 pool.c_str());
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace

void register_pool(Registry* registry) {
  std::lock_guard<std::mutex> lock(pool_list_mutex());
  pool_list().push_back(registry);
}

void unregister_pool(Registry* registry) {
  std::lock_guard<std::mutex> lock(pool_list_mutex());
  auto& pools = pool_list();
  pools.erase(std::remove(pools.begin(), pools.end(), registry), pools.end());
}

Registry::Registry(PoolOptions options, ThreadPool* pool)
    : options_(std::move(options)),
      pool_(pool),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      max_slots_(options_.num_threads +
                 (options_.policy != BlockingPolicy::kBlock ? options_.max_spares : 0)),
      slots_(new std::unique_ptr<Worker>[max_slots_]),
      sleep_(max_slots_),
      started_(static_cast<std::ptrdiff_t>(options_.num_threads)) {
  sleep_.set_num_in_use(options_.num_threads);
  if (options_.policy == BlockingPolicy::kFiber)
    fiber_stacks_ = std::make_unique<FiberStacks>(options_.fiber_stack_size);
  for (std::size_t i = 0; i < options_.num_threads; ++i) {
    slots_[i] = std::make_unique<Worker>(this, i);
  }
  num_slots_.store(options_.num_threads, std::memory_order_release);
  occupancy_.store(options_.num_threads * kOneActive, std::memory_order_relaxed);
}

std::shared_ptr<Registry> Registry::create(PoolOptions options, ThreadPool* pool) {
  check_watchdog_request();
  if (options.num_threads == 0)
    options.num_threads = default_num_threads();
  if (options.name.empty())
    options.name = "knot";
  if (options.policy != BlockingPolicy::kBlock &&
      options.num_threads + options.max_spares > std::numeric_limits<std::uint32_t>::max() / 2) {
    throw Error(Errc::kInvalidOption,
                "knot: max_spares " + std::to_string(options.max_spares) + " is too large");
  }
  std::shared_ptr<Registry> registry(new Registry(std::move(options), pool));
  registry->start_threads();
  // A std::latch, not knot's parking lot: start-up is not a wait that
  // diagnosis should see.
  registry->started_.wait();
  register_pool(registry.get());
  return registry;
}

int Registry::start_thread(Worker& w) noexcept {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  int rc = 0;
  if (options_.stack_size != 0) {
    rc = pthread_attr_setstacksize(&attr,
                                   std::max<std::size_t>(options_.stack_size, PTHREAD_STACK_MIN));
  }
  if (rc == 0) {
    auto* start = new (std::nothrow) ThreadStart{&w, thread_name(options_.name, w.index())};
    rc = start == nullptr ? ENOMEM : pthread_create(&w.thread, &attr, &thread_entry, start);
    if (rc != 0)
      delete start;
  }
  pthread_attr_destroy(&attr);
  w.has_thread = rc == 0;
  return rc;
}

void Registry::start_threads() {
  if (options_.stack_size != 0) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = pthread_attr_setstacksize(
        &attr, std::max<std::size_t>(options_.stack_size, PTHREAD_STACK_MIN));
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      throw Error(std::error_code(rc, std::generic_category()),
                  "knot: invalid worker stack size " + std::to_string(options_.stack_size));
    }
  }
  for (std::size_t i = 0; i < options_.num_threads; ++i) {
    Worker& worker = *slots_[i];
    int rc = start_thread(worker);
    if (rc != 0) {
      // Stand in for the workers that will never start, then stop the others.
      started_.count_down(static_cast<std::ptrdiff_t>(options_.num_threads - i));
      terminate();
      throw Error(Errc::kThreadCreation, "knot: cannot start worker thread '" +
                                             thread_name(options_.name, i) +
                                             "': " + std::strerror(rc));
    }
  }
}

Registry::~Registry() {
  KNOT_CHECK(terminated_, "registry of pool '%s' destroyed without terminate()",
             options_.name.c_str());
}

void Registry::inject(Job* job) {
  Worker* self = current_worker();
  if (is_shutting_down() && (self == nullptr || self->registry() != this)) {
    throw Error(Errc::kShutDown, "knot: pool '" + options_.name + "' is shutting down");
  }
  // Injected jobs count as pending until a worker ran them, so that the
  // destructor never stops the workers with an injected job still queued.
  add_pending();
  injector_.push(Item{job, 0}, current_actor());
  sleep_.new_injected_job();
}

void Registry::push_broadcast(std::size_t index, Job* job) noexcept {
  add_pending();
  worker(index).inbox().push(Item{job, 0}, current_actor());
  // [R1] as for the injector: the inbox's seq_cst size store, then the
  // fence, then the look at the worker's word; the sleeper announces
  // itself, then looks at its inbox (pool_has_work).
  seq_cst_fence();
  sleep_.wake_worker(index);
}

void Registry::finish_pending() noexcept {
  // seq_cst pairs with the flag store in terminate()'s validate (Dekker).
  if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      has_shutdown_waiter_.load(std::memory_order_seq_cst)) {
    unpark_all(&pending_);
  }
}

void Registry::handle_uncaught(std::exception_ptr error) noexcept {
  if (options_.on_uncaught_exception) {
    options_.on_uncaught_exception(std::move(error));
  } else {
    default_uncaught_handler(options_.name, std::move(error));
  }
}

void Registry::terminate() noexcept {
  if (terminated_)
    return;
  Worker* self = current_worker();
  KNOT_CHECK(self == nullptr || self->registry() != this,
             "pool '%s' destroyed from one of its own workers", options_.name.c_str());
  shutting_down_.store(true, std::memory_order_release);
  // Let spawned and injected work finish (both are counted in pending_).
  WaitSite site{this, WaitKind::kPoolShutdown, options_.name, false, &describe_pool};
  while (pending_.load(std::memory_order_seq_cst) != 0) {
    park(&pending_, site, [&] {
      has_shutdown_waiter_.store(true, std::memory_order_seq_cst);
      return pending_.load(std::memory_order_seq_cst) != 0;
    });
  }
  {
    // No spare starts after this; idle spares are woken to see the latch.
    std::lock_guard<std::mutex> lock(spare_mutex_);
    spares_closed_ = true;
  }
  const std::size_t n = num_slots();
  for (std::size_t i = 0; i < n; ++i)
    slots_[i]->terminate_latch().set();
  for (std::size_t i = options_.num_threads; i < n; ++i) {
    Worker& spare = *slots_[i];
    std::lock_guard<std::mutex> lock(spare_mutex_);
    if (spare.spare_state_.load(std::memory_order_relaxed) == Worker::kSpareIdle) {
      spare.spare_state_.store(Worker::kSpareActive, std::memory_order_release);
      futex_wake(spare.spare_state_, 1);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (slots_[i]->has_thread) {
      pthread_join(slots_[i]->thread, nullptr);
      slots_[i]->has_thread = false;
    }
  }
  // Every fiber waits for a job now (all work finished): end them here,
  // on this thread, which resumes each one last time.
  {
    std::lock_guard<std::mutex> lock(fibers_mutex_);
    for (auto& fiber : fibers_)
      fiber->quit();
    fibers_.clear();
    free_fibers_.clear();
  }
  unregister_pool(this);
  terminated_ = true;
}

Fiber* Registry::take_fiber() noexcept {
  std::lock_guard<std::mutex> lock(fibers_mutex_);
  if (!free_fibers_.empty()) {
    Fiber* f = free_fibers_.back();
    free_fibers_.pop_back();
    return f;
  }
  try {
    fibers_.reserve(fibers_.size() + 1);
    free_fibers_.reserve(fibers_.size() + 1);  // give_back_fiber() never allocates
    fibers_.push_back(std::make_unique<Fiber>(this, *fiber_stacks_, &Worker::fiber_body));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return fibers_.back().get();
}

void Registry::give_back_fiber(Fiber* f) noexcept {
  std::lock_guard<std::mutex> lock(fibers_mutex_);
  free_fibers_.push_back(f);
}

void Registry::push_ready(Fiber* f) noexcept {
  {
    std::lock_guard<std::mutex> lock(ready_mutex_);
    f->next = nullptr;
    (ready_tail_ != nullptr ? ready_tail_->next : ready_head_) = f;
    ready_tail_ = f;
    num_ready_.fetch_add(1, std::memory_order_seq_cst);
  }
  sleep_.new_injected_job();
}

Item Registry::pop_ready() noexcept {
  if (num_ready_.load(std::memory_order_relaxed) == 0)
    return {};
  std::lock_guard<std::mutex> lock(ready_mutex_);
  Fiber* f = ready_head_;
  if (f == nullptr)
    return {};
  ready_head_ = f->next;
  if (ready_head_ == nullptr)
    ready_tail_ = nullptr;
  num_ready_.fetch_sub(1, std::memory_order_relaxed);
  return Item{&f->resume_job, 0};
}

void Registry::worker_blocking(Worker& worker) noexcept {
  if (worker.has_local_work() || has_injected())
    sleep_.worker_blocked();
}

void Registry::worker_parked() noexcept {
  const std::uint64_t c = occupancy_.fetch_add(kOneParked, std::memory_order_acq_rel) + kOneParked;
  if (active(c) - parked(c) >= options_.num_threads)
    return;
  if (options_.policy != BlockingPolicy::kBlock && compensate())
    return;
  if (parked(c) >= active(c)) {
    if (PoolStuckHook hook = pool_stuck_hook())
      hook(id_);
  }
}

bool Registry::compensate() noexcept {
  // Count the spare in first, so that concurrent parks do not all start one.
  std::uint64_t c = occupancy_.load(std::memory_order_relaxed);
  do {
    if (active(c) - parked(c) >= options_.num_threads || active(c) >= max_slots_)
      return false;
  } while (!occupancy_.compare_exchange_weak(c, c + kOneActive, std::memory_order_acq_rel,
                                             std::memory_order_relaxed));
  std::lock_guard<std::mutex> lock(spare_mutex_);
  if (!spares_closed_) {
    // An idle spare first: it has a thread already.
    const std::size_t n = num_slots();
    Worker* free_slot = nullptr;
    for (std::size_t i = options_.num_threads; i < n; ++i) {
      Worker& spare = *slots_[i];
      const std::uint32_t state = spare.spare_state_.load(std::memory_order_relaxed);
      if (state == Worker::kSpareIdle) {
        spare.spare_state_.store(Worker::kSpareActive, std::memory_order_release);
        futex_wake(spare.spare_state_, 1);
        return true;
      }
      if (free_slot == nullptr && (state == Worker::kSpareFree || state == Worker::kSpareExited))
        free_slot = &spare;
    }
    if (free_slot == nullptr && n < max_slots_) {
      try {
        slots_[n] = std::make_unique<Worker>(this, n);
      } catch (const std::bad_alloc&) {
        occupancy_.fetch_sub(kOneActive, std::memory_order_acq_rel);
        return false;
      }
      free_slot = slots_[n].get();
      sleep_.set_num_in_use(n + 1);
      num_slots_.store(n + 1, std::memory_order_release);
    }
    if (free_slot != nullptr) {
      if (free_slot->has_thread) {  // kSpareExited: its thread is ending or ended
        pthread_join(free_slot->thread, nullptr);
        free_slot->has_thread = false;
      }
      free_slot->spare_state_.store(Worker::kSpareActive, std::memory_order_release);
      if (start_thread(*free_slot) == 0)
        return true;
      free_slot->spare_state_.store(Worker::kSpareFree, std::memory_order_release);
    }
  }
  // No spare after all (the OS refused a thread, or shutdown): uncount it.
  occupancy_.fetch_sub(kOneActive, std::memory_order_acq_rel);
  return false;
}

void Registry::may_block() const {
  if (options_.policy == BlockingPolicy::kBlock || options_.at_spare_limit != AtSpareLimit::kFail) {
    return;
  }
  const std::uint64_t c = occupancy_.load(std::memory_order_relaxed);
  // This worker's park would leave active - parked - 1 runnable.
  if (active(c) - parked(c) - 1 < options_.num_threads && active(c) >= max_slots_) {
    throw Error(Errc::kSpareLimit, "knot: pool '" + options_.name + "': all " +
                                       std::to_string(options_.max_spares) +
                                       " spare threads are in use; this wait would leave the "
                                       "pool short (AtSpareLimit::kFail)");
  }
}

bool Registry::try_step_out(Worker& w) noexcept {
  std::uint64_t c = occupancy_.load(std::memory_order_relaxed);
  do {
    if (active(c) - parked(c) <= options_.num_threads)
      return false;
  } while (!occupancy_.compare_exchange_weak(c, c - kOneActive, std::memory_order_acq_rel,
                                             std::memory_order_relaxed));
  std::lock_guard<std::mutex> lock(spare_mutex_);
  // After terminate() closed the spares it wakes no idle one: stay active,
  // and the terminate latch ends the spare's loop.
  w.spare_state_.store(spares_closed_ ? Worker::kSpareActive : Worker::kSpareIdle,
                       std::memory_order_release);
  return true;
}

bool Registry::wait_idle(Worker& w, bool has_waited) noexcept {
  const auto deadline = std::chrono::steady_clock::now() +
                        (has_waited ? std::chrono::milliseconds(0) : options_.spare_keep_alive);
  for (;;) {
    if (w.spare_state_.load(std::memory_order_acquire) != Worker::kSpareIdle)
      return !w.terminate_latch().probe();  // needed again, or woken to stop
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() > 0) {
      futex_wait(w.spare_state_, Worker::kSpareIdle, &left);
      continue;
    }
    std::lock_guard<std::mutex> lock(spare_mutex_);
    if (w.spare_state_.load(std::memory_order_relaxed) != Worker::kSpareIdle)
      continue;  // activated just now
    w.spare_state_.store(Worker::kSpareExited, std::memory_order_release);
    return false;
  }
}

PoolSnapshot Registry::snapshot() const {
  PoolSnapshot s;
  s.id = id_;
  s.name = options_.name;
  s.policy = options_.policy;
  s.num_threads = options_.num_threads;
  s.max_spares = options_.policy != BlockingPolicy::kBlock ? options_.max_spares : 0;
  s.injector_depth = injector_.size();
  s.pending_tasks = pending_.load(std::memory_order_relaxed);
  s.num_suspended = num_suspended_.load(std::memory_order_relaxed);
  s.num_ready = num_ready_.load(std::memory_order_relaxed);
  s.is_shutting_down = is_shutting_down();
  for (const auto& [actor, count] : injector_.count_by_submitter())
    s.injected_by.push_back({actor, count});
  const std::size_t n = num_slots();
  s.workers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Worker& w = *slots_[i];
    if (w.is_spare() && w.spare_state_.load(std::memory_order_relaxed) != Worker::kSpareActive)
      continue;
    s.workers.push_back(w.view());
    s.num_spares += w.is_spare() ? 1 : 0;
  }
  return s;
}

}  // namespace knot::detail

namespace knot {

std::vector<PoolSnapshot> snapshot_pools() {
  std::lock_guard<std::mutex> lock(detail::pool_list_mutex());
  std::vector<PoolSnapshot> result;
  result.reserve(detail::pool_list().size());
  for (const auto* registry : detail::pool_list())
    result.push_back(registry->snapshot());
  return result;
}

}  // namespace knot
