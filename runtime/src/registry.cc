// Registry: pool start-up, shutdown, injection and pending-work accounting.

#include "registry.h"
#include "thread_record.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <typeinfo>

#include "knot/runtime/detail/check.h"
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
      sleep_(options_.num_threads),
      started_(static_cast<std::ptrdiff_t>(options_.num_threads)) {
  workers_.reserve(options_.num_threads);
  for (std::size_t i = 0; i < options_.num_threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(this, i));
  }
}

std::shared_ptr<Registry> Registry::create(PoolOptions options, ThreadPool* pool) {
  if (options.policy != BlockingPolicy::kBlock) {
    throw Error(Errc::kNotSupported,
                "knot: blocking policies other than kBlock are not implemented yet");
  }
  if (options.num_threads == 0)
    options.num_threads = default_num_threads();
  if (options.name.empty())
    options.name = "knot";
  std::shared_ptr<Registry> registry(new Registry(std::move(options), pool));
  registry->start_threads();
  // A std::latch, not knot's parking lot: start-up is not a wait that
  // diagnosis should see.
  registry->started_.wait();
  register_pool(registry.get());
  return registry;
}

void Registry::start_threads() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (options_.stack_size != 0) {
    int rc = pthread_attr_setstacksize(
        &attr, std::max<std::size_t>(options_.stack_size, PTHREAD_STACK_MIN));
    if (rc != 0) {
      pthread_attr_destroy(&attr);
      throw Error(std::error_code(rc, std::generic_category()),
                  "knot: invalid worker stack size " + std::to_string(options_.stack_size));
    }
  }
  for (auto& worker : workers_) {
    std::string name = thread_name(options_.name, worker->index());
    auto* start = new ThreadStart{worker.get(), name};
    int rc = pthread_create(&worker->thread, &attr, &thread_entry, start);
    if (rc != 0) {
      delete start;
      pthread_attr_destroy(&attr);
      // Stand in for the workers that will never start, then stop the others.
      started_.count_down(static_cast<std::ptrdiff_t>(workers_.size() - worker->index()));
      terminate();
      throw Error(Errc::kThreadCreation,
                  "knot: cannot start worker thread '" + name + "': " + std::strerror(rc));
    }
    worker->has_thread = true;
  }
  pthread_attr_destroy(&attr);
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
  for (auto& worker : workers_)
    worker->terminate_latch().set();
  for (auto& worker : workers_) {
    if (worker->has_thread)
      pthread_join(worker->thread, nullptr);
  }
  unregister_pool(this);
  terminated_ = true;
}

void Registry::worker_blocking(Worker& worker) noexcept {
  if (worker.has_local_work() || has_injected())
    sleep_.worker_blocked();
}

void Registry::worker_parked() noexcept {
  const std::size_t parked = num_parked_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (parked == workers_.size()) {
    if (PoolStuckHook hook = pool_stuck_hook())
      hook(id_);
  }
}

PoolSnapshot Registry::snapshot() const {
  PoolSnapshot s;
  s.id = id_;
  s.name = options_.name;
  s.policy = options_.policy;
  s.num_threads = workers_.size();
  s.injector_depth = injector_.size();
  s.pending_tasks = pending_.load(std::memory_order_relaxed);
  s.is_shutting_down = is_shutting_down();
  for (const auto& [actor, count] : injector_.count_by_submitter())
    s.injected_by.push_back({actor, count});
  s.workers.reserve(workers_.size());
  for (const auto& worker : workers_)
    s.workers.push_back(worker->view());
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
