// Registry: pool start-up, shutdown, injection and pending-work accounting.

#include "registry.h"
#include "compensate/spares.h"
#include "fiber/fiber_pool.h"
#include "job_heap.h"
#include "roster.h"
#include "thread_record.h"
#include "watchdog_presence.h"
#include "worker.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
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

// The live pools for snapshot_pools(). Workers never take its lock.
Roster<Registry>& pool_list() {
  static Roster<Registry> pools;
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
  pool_list().add(registry);
}

void unregister_pool(Registry* registry) {
  pool_list().remove(registry);
}

void describe_pool(const void* resource, ResourceFacts& facts) noexcept {
  facts.pool_id = static_cast<const Registry*>(resource)->id();
}

Registry::Registry(PoolOptions options, ThreadPool* pool)
    : options_(std::move(options)),
      pool_(pool),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      max_slots_(options_.num_threads +
                 (options_.policy != BlockingPolicy::kBlock ? options_.max_spares : 0)),
      slots_(new std::unique_ptr<Worker>[max_slots_]),
      occupancy_(options_.num_threads),
      sleep_(max_slots_),
      started_(static_cast<std::ptrdiff_t>(options_.num_threads)) {
  sleep_.set_num_in_use(options_.num_threads);
  if (options_.policy != BlockingPolicy::kBlock)
    spares_ = std::make_unique<Spares>(*this, occupancy_);
  if (options_.policy == BlockingPolicy::kFiber)
    fibers_ = std::make_unique<FiberPool>(*this, options_.fiber_stack_size);
  for (std::size_t i = 0; i < options_.num_threads; ++i) {
    slots_[i] = std::make_unique<Worker>(this, i);
  }
  num_slots_.store(options_.num_threads, std::memory_order_release);
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
  // No spare starts after this; idle ones are woken once the latches are set.
  if (spares_)
    spares_->close();
  const std::size_t n = num_slots();
  for (std::size_t i = 0; i < n; ++i)
    slots_[i]->terminate_latch().set();
  if (spares_)
    spares_->wake_to_stop();
  for (std::size_t i = 0; i < n; ++i) {
    if (slots_[i]->has_thread) {
      pthread_join(slots_[i]->thread, nullptr);
      slots_[i]->has_thread = false;
    }
  }
  // Every fiber waits for a job now (all work finished): end them here,
  // on this thread, which resumes each one last time.
  if (fibers_)
    fibers_->quit_all();
  unregister_pool(this);
  terminated_ = true;
}

void Registry::worker_blocking(Worker& worker) noexcept {
  if (worker.has_local_work() || has_injected())
    sleep_.worker_blocked();
}

void Registry::worker_parked() noexcept {
  const Occupancy::Counts c = occupancy_.park();
  if (c.runnable() >= options_.num_threads)
    return;
  if (spares_ && spares_->activate())
    return;
  if (c.parked >= c.active) {
    if (PoolStuckHook hook = pool_stuck_hook())
      hook(id_);
  }
}

void Registry::may_block() const {
  if (spares_)
    spares_->may_block();
}

Worker* Registry::add_slot() noexcept {
  const std::size_t n = num_slots_.load(std::memory_order_relaxed);
  if (n >= max_slots_)
    return nullptr;
  try {
    slots_[n] = std::make_unique<Worker>(this, n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  sleep_.set_num_in_use(n + 1);
  num_slots_.store(n + 1, std::memory_order_release);
  return slots_[n].get();
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
  if (fibers_) {
    s.num_suspended = fibers_->num_suspended();
    s.num_ready = fibers_->num_ready();
  }
  s.is_shutting_down = is_shutting_down();
  for (const auto& [actor, count] : injector_.count_by_submitter())
    s.injected_by.push_back({actor, count});
  const std::size_t n = num_slots();
  s.workers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Worker& w = *slots_[i];
    if (w.is_spare() && !spares_->is_active(w))
      continue;
    s.workers.push_back(w.view());
    s.num_spares += w.is_spare() ? 1 : 0;
  }
  return s;
}

}  // namespace knot::detail

namespace knot {

std::vector<PoolSnapshot> snapshot_pools() {
  return detail::pool_list().read([](const std::vector<detail::Registry*>& pools) {
    std::vector<PoolSnapshot> result;
    result.reserve(pools.size());
    for (const detail::Registry* registry : pools)
      result.push_back(registry->snapshot());
    return result;
  });
}

LiveObjects live_objects() noexcept {
  LiveObjects live;
  live.pools = detail::pool_list().size();
  live.fibers = detail::Fiber::num_live();
  live.orphaned_jobs = detail::num_orphaned_jobs();
  return live;
}

}  // namespace knot
