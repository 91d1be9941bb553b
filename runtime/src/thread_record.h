// ThreadRecord: what the runtime knows about one thread (identity, names,
// role, current wait), for snapshot_threads() and diagnosis.
//
// A record is created the first time a thread needs one (a worker at start,
// any thread when it parks, names itself or enters a stage) and lives until
// the thread exits. Its fields are guarded by its own mutex, which the
// thread takes only on slow paths (parking, unparking, renaming) and a
// snapshot takes to copy it. Nothing on a fast path touches a record.
// Does not: record stacks (instrumentation does that from the observer).
//
// A fiber task (BlockingPolicy::kFiber) has a record of its own, made with
// its fiber: its waits are recorded there while it is suspended, since its
// worker thread goes on with other work. A fiber's record appears in
// snapshot_threads() only while it waits (ThreadView::is_fiber).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/snapshot.h"
#include "wait_stack.h"

namespace knot::detail {

// wait_stack_hook() is the hook installed with set_wait_stack_hook(), or null.
WaitStackHook wait_stack_hook() noexcept;
// pool_stuck_hook() is the hook installed with set_pool_stuck_hook(), or null.
PoolStuckHook pool_stuck_hook() noexcept;

class Registry;

class ThreadRecord {
 public:
  ThreadRecord(std::uint32_t index, std::int64_t tid, std::string name);

  // this_thread() is the calling thread's record, created on first use.
  static ThreadRecord& this_thread();
  // current() is the record of what runs here: the fiber running on this
  // worker, else this_thread(). Stages and fiber waits go there.
  static ThreadRecord& current();
  // A fiber's record, listed until destroy_fiber_record(). Throws bad_alloc.
  static ThreadRecord* create_fiber_record(const Registry* pool);
  static void destroy_fiber_record(ThreadRecord* record) noexcept;

  std::uint32_t index() const noexcept { return index_; }
  std::int64_t tid() const noexcept { return tid_; }

  // Owner-only.
  void set_name(std::string name);
  void push_stage(std::string stage);
  void pop_stage();
  void set_worker(std::uint64_t pool_id, std::size_t worker_index);
  // begin_wait() publishes `site` (which lives until end_wait()) and the
  // time; end_wait() withdraws it. A snapshot that copied the site did so
  // under the lock, so the site and its resource were alive meanwhile.
  void begin_wait(const WaitSite* site) noexcept;
  void end_wait() noexcept;

  // The context's task mark, wait frames and shared holds: written by the
  // owner without the lock, read by view() (wait_stack.h).
  ContextMarks& marks() noexcept { return marks_; }

  // Any thread.
  std::string name() const;
  std::string stage() const;  // innermost stage, or empty
  ThreadView view() const;

 private:
  const std::uint32_t index_;
  const std::int64_t tid_;
  bool is_fiber_ = false;
  mutable base::InternalMutex mutex_;
  std::string name_ KNOT_GUARDED_BY(mutex_);
  std::vector<std::string> stages_ KNOT_GUARDED_BY(mutex_);
  std::uint64_t pool_id_ KNOT_GUARDED_BY(mutex_) = 0;
  std::optional<std::size_t> worker_index_ KNOT_GUARDED_BY(mutex_);
  const WaitSite* wait_ KNOT_GUARDED_BY(mutex_) = nullptr;
  std::uintptr_t stack_[kMaxWaitStackDepth] KNOT_GUARDED_BY(mutex_);
  std::size_t stack_depth_ KNOT_GUARDED_BY(mutex_) = 0;
  std::chrono::steady_clock::time_point wait_since_ KNOT_GUARDED_BY(mutex_);
  ContextMarks marks_;
};

}  // namespace knot::detail
