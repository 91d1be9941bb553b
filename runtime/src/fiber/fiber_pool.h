// FiberPool: a kFiber pool's fibers, made on demand and reused, and its
// ready list (README.md, "Who runs where").
//
// The registry owns one when the policy is kFiber, else none; workers
// consult it only where a job starts (take a fiber), where a suspended
// fiber is woken from outside the pool (push_ready) and where they look for
// work (pop_ready, has_ready).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "../injector.h"
#include "fiber.h"
#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"

namespace knot::detail {

class Registry;

class FiberPool {
 public:
  FiberPool(Registry& registry, std::size_t stack_size);
  ~FiberPool();
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // take() is a free fiber, made if none is free; null if that fails.
  Fiber* take() noexcept KNOT_EXCLUDES(fibers_mutex_);
  void give_back(Fiber* f) noexcept KNOT_EXCLUDES(fibers_mutex_);
  // quit_all() ends every fiber, from Registry::terminate() once all work
  // finished (every fiber waits for a job): this thread resumes each one a
  // last time.
  void quit_all() noexcept KNOT_EXCLUDES(fibers_mutex_);

  // push_ready() queues woken fiber `f` and wakes a sleeping worker;
  // pop_ready() takes the oldest one (an empty item if none).
  void push_ready(Fiber* f) noexcept KNOT_EXCLUDES(ready_mutex_);
  Item pop_ready() noexcept KNOT_EXCLUDES(ready_mutex_);
  bool has_ready() const noexcept { return num_ready_.load(std::memory_order_seq_cst) != 0; }

  // suspending() counts the fibers suspended in a wait, for snapshots.
  void suspending(bool begins) noexcept {
    num_suspended_.fetch_add(begins ? 1 : std::size_t(-1), std::memory_order_relaxed);
  }
  // For snapshots (relaxed: statistics, read torn like the rest of one).
  std::size_t num_suspended() const noexcept {
    return num_suspended_.load(std::memory_order_relaxed);
  }
  std::size_t num_ready() const noexcept { return num_ready_.load(std::memory_order_relaxed); }
  // num_fibers(): fibers made and not yet ended (the teardown check).
  std::size_t num_fibers() const noexcept KNOT_EXCLUDES(fibers_mutex_);

 private:
  Registry& registry_;
  FiberStacks stacks_;
  mutable base::InternalMutex fibers_mutex_;
  std::vector<std::unique_ptr<Fiber>> fibers_ KNOT_GUARDED_BY(fibers_mutex_);  // every fiber made
  std::vector<Fiber*> free_ KNOT_GUARDED_BY(fibers_mutex_);
  base::InternalMutex ready_mutex_;
  Fiber* ready_head_ KNOT_GUARDED_BY(ready_mutex_) = nullptr;
  Fiber* ready_tail_ KNOT_GUARDED_BY(ready_mutex_) = nullptr;
  // Fibers on the ready list. push_ready() bumps it (seq_cst) under ready_mutex_, before
  // new_injected_job()'s fence; the sleeper's last look reads it seq_cst (has_ready): the
  // Dekker pair of [sleep/README.md R1]. Other reads and the decrement (under ready_mutex_,
  // like the list) are relaxed: a searcher that misses a fiber still takes that last look.
  std::atomic<std::size_t> num_ready_{0};
  // Changed by suspending() (relaxed RMWs keep it exact, though a fiber may count itself down
  // on another thread than it counted up) and read by snapshots (relaxed).
  std::atomic<std::size_t> num_suspended_{0};
};

}  // namespace knot::detail
