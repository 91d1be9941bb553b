#include "thread_record.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include "fiber/fiber.h"
#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/runtime/detail/recent_users.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/this_thread.h"
#include "registry.h"
#include "roster.h"
#include "worker.h"

namespace knot::detail {

namespace {

// The live records, in creation order. Threads add and remove themselves
// (once each); snapshots read the list. Nobody holds this lock while taking
// a record's lock for longer than a copy.
Roster<ThreadRecord>& record_list() {
  static Roster<ThreadRecord> records;
  return records;
}

std::atomic<std::uint32_t> g_next_index{1};
// Wait ends since the start: a progress counter for stall detection.
std::atomic<std::uint64_t> g_wait_ends{0};

// Owns the calling thread's record and unregisters it at thread exit.
struct RecordHolder {
  std::unique_ptr<ThreadRecord> record;
  ~RecordHolder() {
    if (!record)
      return;
    record_list().remove(record.get());
  }
};

std::string os_thread_name() {
  char buf[32] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

}  // namespace

ThreadRecord::ThreadRecord(std::uint32_t index, std::int64_t tid, std::string name)
    : index_(index), tid_(tid), name_(std::move(name)) {}

ThreadRecord& ThreadRecord::this_thread() {
  thread_local RecordHolder holder;
  if (!holder.record) {
    holder.record = std::make_unique<ThreadRecord>(
        g_next_index.fetch_add(1, std::memory_order_relaxed),
        static_cast<std::int64_t>(::syscall(SYS_gettid)), os_thread_name());
    record_list().add(holder.record.get());
  }
  return *holder.record;
}

ThreadRecord& ThreadRecord::current() {
  if (Fiber* fiber = current_fiber())
    return fiber->record();
  return this_thread();
}

ThreadRecord* ThreadRecord::create_fiber_record(const Registry* pool) {
  const std::uint32_t index = g_next_index.fetch_add(1, std::memory_order_relaxed);
  auto record =
      std::make_unique<ThreadRecord>(index, 0, pool->name() + "-fiber-" + std::to_string(index));
  record->is_fiber_ = true;
  {
    base::InternalLock record_lock(record->mutex_);
    record->pool_id_ = pool->id();
  }
  record_list().add(record.get());
  return record.release();
}

void ThreadRecord::destroy_fiber_record(ThreadRecord* record) noexcept {
  { record_list().remove(record); }
  delete record;
}

void ThreadRecord::set_name(std::string name) {
  base::InternalLock lock(mutex_);
  name_ = std::move(name);
}

void ThreadRecord::push_stage(std::string stage) {
  base::InternalLock lock(mutex_);
  stages_.push_back(std::move(stage));
}

void ThreadRecord::pop_stage() {
  base::InternalLock lock(mutex_);
  if (!stages_.empty())
    stages_.pop_back();
}

void ThreadRecord::set_worker(std::uint64_t pool_id, std::size_t worker_index) {
  base::InternalLock lock(mutex_);
  pool_id_ = pool_id;
  worker_index_ = worker_index;
}

void ThreadRecord::begin_wait(const WaitSite* site) noexcept {
  auto now = std::chrono::steady_clock::now();
  // Capture outside the lock: a snapshot reader never waits for an unwind.
  std::uintptr_t pcs[kMaxWaitStackDepth];
  std::size_t depth = 0;
  if (WaitStackHook hook = wait_stack_hook())
    depth = hook(pcs, kMaxWaitStackDepth);
  base::InternalLock lock(mutex_);
  wait_ = site;
  wait_since_ = now;
  stack_depth_ = depth;
  for (std::size_t i = 0; i < depth; ++i)
    stack_[i] = pcs[i];
}

void ThreadRecord::end_wait() noexcept {
  {
    base::InternalLock lock(mutex_);
    wait_ = nullptr;
  }
  g_wait_ends.fetch_add(1, std::memory_order_relaxed);
}

[[gnu::tls_model("initial-exec")]] constinit thread_local ActorId t_actor = 0;

ActorId current_actor_slow() noexcept {
  t_actor = ThreadRecord::this_thread().index();
  return t_actor;
}

std::string ThreadRecord::name() const {
  base::InternalLock lock(mutex_);
  return name_;
}

std::string ThreadRecord::stage() const {
  base::InternalLock lock(mutex_);
  return stages_.empty() ? std::string() : stages_.back();
}

ThreadView ThreadRecord::view() const {
  ThreadView v;
  v.index = index_;
  v.os_thread_id = tid_;
  base::InternalLock lock(mutex_);
  v.name = name_;
  if (!stages_.empty())
    v.stage = stages_.back();
  v.pool_id = pool_id_;
  v.worker_index = worker_index_;
  v.is_fiber = is_fiber_;
  marks_.read(v);
  if (wait_ != nullptr) {
    WaitView w;
    w.kind = wait_->kind;
    w.resource = reinterpret_cast<std::uintptr_t>(wait_->resource);
    w.name = std::string(wait_->name);
    w.is_timed = wait_->is_timed;
    w.since = wait_since_;
    // The waiting thread cannot leave its wait (end_wait takes this lock),
    // so the resource is alive while it describes itself.
    if (wait_->describe != nullptr)
      wait_->describe(wait_->resource, w.facts);
    w.stack.assign(stack_, stack_ + stack_depth_);
    v.wait = std::move(w);
  }
  return v;
}

}  // namespace knot::detail

namespace knot {

std::uint64_t num_wait_ends() noexcept {
  return detail::g_wait_ends.load(std::memory_order_relaxed);
}

std::vector<ThreadView> snapshot_threads() {
  return detail::record_list().read([](const std::vector<detail::ThreadRecord*>& records) {
    std::vector<ThreadView> views;
    views.reserve(records.size());
    for (const detail::ThreadRecord* record : records) {
      ThreadView view = record->view();
      // A fiber task is listed while it runs a job or waits.
      if (!view.is_fiber || view.wait || view.task.job != 0 || !view.frames.empty())
        views.push_back(std::move(view));
    }
    return views;
  });
}

namespace this_thread {

void set_name(std::string_view name) {
  std::string full(name);
  detail::ThreadRecord::this_thread().set_name(full);
  pthread_setname_np(pthread_self(), full.substr(0, 15).c_str());
}

std::string name() {
  return detail::ThreadRecord::this_thread().name();
}

std::string stage() {
  return detail::ThreadRecord::current().stage();
}

std::optional<std::uint32_t> fiber_index() noexcept {
  if (detail::Fiber* fiber = detail::current_fiber())
    return fiber->record().index();
  return std::nullopt;
}

}  // namespace this_thread

StageScope::StageScope(std::string_view name) {
  detail::ThreadRecord::current().push_stage(std::string(name));
}

StageScope::~StageScope() {
  detail::ThreadRecord::current().pop_stage();
}

}  // namespace knot
