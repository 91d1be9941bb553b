// ThreadPool and the process-wide pool functions.

#include "knot/runtime/thread_pool.h"

#include <cstdlib>
#include <string>
#include <thread>

#include "registry.h"
#include "worker.h"

namespace knot {

std::size_t default_num_threads() noexcept {
  if (const char* env = std::getenv("KNOT_NUM_THREADS")) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0 && n <= 4096)
      return static_cast<std::size_t>(n);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

ThreadPool::ThreadPool(PoolOptions options)
    : registry_(detail::Registry::create(std::move(options), this)) {}

ThreadPool::~ThreadPool() {
  registry_->terminate();
}

std::size_t ThreadPool::num_threads() const noexcept {
  return registry_->num_threads();
}

const std::string& ThreadPool::name() const noexcept {
  return registry_->name();
}

BlockingPolicy ThreadPool::policy() const noexcept {
  return registry_->options().policy;
}

PoolSnapshot ThreadPool::snapshot() const {
  return registry_->snapshot();
}

ThreadPool& global_pool() {
  // Never destroyed: code running at exit may still use it, and its idle
  // workers cost nothing.
  static ThreadPool* pool = [] {
    PoolOptions options;
    options.name = "global";
    return new ThreadPool(std::move(options));
  }();
  return *pool;
}

ThreadPool* current_pool() noexcept {
  detail::Worker* worker = detail::current_worker();
  return worker == nullptr ? nullptr : worker->registry()->pool();
}

std::optional<std::size_t> current_worker_index() noexcept {
  detail::Worker* worker = detail::current_worker();
  if (worker == nullptr)
    return std::nullopt;
  return worker->index();
}

ThreadPool& current_or_global_pool() noexcept {
  ThreadPool* pool = current_pool();
  return pool != nullptr ? *pool : global_pool();
}

Yield yield_now() noexcept {
  detail::Worker* w = detail::current_worker();
  return w != nullptr ? w->yield_now() : Yield::kNotOnPool;
}

std::size_t current_num_threads() noexcept {
  detail::Worker* worker = detail::current_worker();
  if (worker != nullptr)
    return worker->registry()->num_threads();
  return global_pool().num_threads();
}

// ---- snapshot.h helpers ----

std::string_view to_string(WorkerState state) noexcept {
  switch (state) {
    case WorkerState::kRunning:
      return "running";
    case WorkerState::kSearching:
      return "searching";
    case WorkerState::kSleeping:
      return "sleeping";
    case WorkerState::kParked:
      return "parked";
    case WorkerState::kStopped:
      return "stopped";
  }
  return "unknown";
}

const WorkerView* PoolSnapshot::find_worker(std::size_t index) const noexcept {
  for (const WorkerView& w : workers) {
    if (w.index == index)
      return &w;
  }
  return nullptr;
}

std::size_t PoolSnapshot::count(WorkerState state) const noexcept {
  std::size_t n = 0;
  for (const auto& w : workers)
    n += w.state == state ? 1 : 0;
  return n;
}

std::size_t PoolSnapshot::queued_jobs() const noexcept {
  std::size_t n = injector_depth + num_ready;
  for (const auto& w : workers)
    n += w.queue_depth;
  return n;
}

std::uint64_t PoolSnapshot::tasks_completed() const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : workers)
    n += w.tasks_completed;
  return n;
}

}  // namespace knot
