// Fiber: one task's own stack under BlockingPolicy::kFiber, and the pool of
// stacks it runs on. The protocol (who switches when, how a wake meets a
// suspension, the sanitizer annotations) is in README.md next to this file.
//
//   FiberStacks  a pool's stacks: mmap'd, a guard page below each, reused
//   Fiber        a Boost.Context fiber that runs jobs one after the other;
//                a job that parks suspends it and its worker moves on
//
// A fiber is resumed by a scheduler (a worker's own thread stack, or the
// thread that ends the pool) and always switches back to the one that
// resumed it. It belongs to one pool for life and may run on any of its
// workers, a different one after each suspension.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/observer.h"
#include "ws_deque.h"

namespace knot::detail {

class Registry;
class ThreadRecord;

// FiberStacks hands out stacks of one size, each with a PROT_NONE guard page
// below it, so that an overflow faults (SIGSEGV) instead of writing over
// the next stack. Freed stacks are kept for reuse until the pool ends.
class FiberStacks {
 public:
  explicit FiberStacks(std::size_t stack_size);
  ~FiberStacks();
  FiberStacks(const FiberStacks&) = delete;
  FiberStacks& operator=(const FiberStacks&) = delete;

  std::size_t stack_size() const noexcept { return size_; }
  // allocate() throws std::bad_alloc when the kernel refuses the mapping.
  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& stack) noexcept;

 private:
  void unmap(void* base) const noexcept;

  std::size_t size_;  // usable bytes, a multiple of the page size
  std::size_t page_;
  base::InternalMutex mutex_;
  std::vector<void*> free_ KNOT_GUARDED_BY(mutex_);  // bases of free mappings
};

class Fiber {
 public:
  // Why a fiber switched back to its scheduler.
  enum class Exit : std::uint8_t {
    kDone,       // its job finished; it waits for the next one
    kSuspended,  // its job waits (suspend()); see arrive()
    kQuit,       // quit() ended it; the fiber is finished
  };
  using Body = void (*)(Fiber&) noexcept;

  // Fiber() makes the fiber's context on a stack from `stacks`; `body` runs
  // each job given with resume(). Throws std::bad_alloc.
  Fiber(Registry* registry, FiberStacks& stacks, Body body);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // ---- scheduler side ----
  // resume() switches to the fiber until it switches back, and says why.
  Exit resume() noexcept;
  // quit() ends a fiber that waits for a job (its last Exit was kDone).
  void quit() noexcept;

  // ---- fiber side ----
  // suspend() switches back to the scheduler with Exit::kSuspended; it
  // returns once the fiber was resumed again, maybe on another worker.
  void suspend() noexcept;

  // ---- the meeting of a suspension and its wake (README.md) ----
  // Each suspension is met by exactly two arrivals: the scheduler's, once the
  // switch is complete, and the waker's. arrive() is true for the second,
  // which must then make the fiber run again. acq_rel: the second sees
  // everything the first did.
  bool arrive() noexcept {
    if (handoff_.fetch_add(1, std::memory_order_acq_rel) == 0)
      return false;
    handoff_.store(0, std::memory_order_relaxed);
    return true;
  }

  Registry* registry() const noexcept { return registry_; }
  // num_live(): fibers made and not yet destroyed, in the whole process
  // (live_objects()).
  static std::size_t num_live() noexcept;
  // The fiber's record: its waits while suspended (snapshot_threads()).
  ThreadRecord& record() noexcept { return *record_; }

  // resume_job is queued to make a woken fiber run again; a scheduler that
  // takes it calls resume() instead of running it (is_resume_job()).
  struct ResumeJob final : Job {
    explicit ResumeJob(Fiber* f) noexcept : Job(&resume_marker), fiber(f) {}
    Fiber* fiber;
  };
  ResumeJob resume_job;
  static bool is_resume_job(const Job* job) noexcept { return job->execute_fn == &resume_marker; }
  static Fiber* from_resume_job(Job* job) noexcept { return static_cast<ResumeJob*>(job)->fiber; }

  Item job;                     // the job to run at the next resume (scheduler sets it)
  std::uint64_t isolation = 0;  // the worker's isolation tag while the fiber is away
  Fiber* next = nullptr;        // intrusive link: a pool's ready or free list

 private:
  static void resume_marker(Job*) noexcept {}
  boost::context::fiber entry(boost::context::fiber&& scheduler);
  void switch_to_scheduler(Exit why) noexcept;

  Registry* registry_;
  Body body_;
  ThreadRecord* record_;
  boost::context::fiber context_;    // the fiber, while it does not run
  boost::context::fiber scheduler_;  // whoever resumed it, while it runs
  Exit exit_ = Exit::kDone;
  bool quit_ = false;
  std::atomic<std::uint32_t> handoff_{0};
  // Sanitizer state (unused without sanitizers): the fiber's stack and TSan
  // fiber, and the resumer's, saved at each resume.
  void* stack_bottom_ = nullptr;
  std::size_t stack_size_ = 0;
  void* tsan_fiber_ = nullptr;
  void* resumer_tsan_fiber_ = nullptr;
  const void* resumer_stack_bottom_ = nullptr;
  std::size_t resumer_stack_size_ = 0;
  void* fake_stack_ = nullptr;  // ASan's fake stack of the fiber while away
};

// FiberWaitScope marks fiber `fiber` as waiting at `site` for the lifetime
// of the object, on the fiber's own record (the worker thread goes on with
// other work meanwhile) and to the Observer. park() uses it around a
// fiber's suspension.
class FiberWaitScope {
 public:
  FiberWaitScope(const WaitSite& site, Fiber& fiber) noexcept;
  ~FiberWaitScope();
  FiberWaitScope(const FiberWaitScope&) = delete;
  FiberWaitScope& operator=(const FiberWaitScope&) = delete;

 private:
  const WaitSite& site_;
  Observer* observer_;
  ThreadRecord* record_;
};

// current_fiber() is the fiber running on the calling thread (a worker of a
// kFiber pool running a task), else null. Not inlined: a fiber that moved
// to another worker must read its new thread's state (README.md, TLS).
Fiber* current_fiber() noexcept;

// wake_fiber() is a waker's arrival at suspended fiber `f` (Fiber::arrive):
// if the fiber already switched out, it is queued to run again, on this
// worker's deque when this is a worker of its pool, else on the pool's
// ready list.
void wake_fiber(Fiber* f) noexcept;

// fiber_wait() suspends fiber `f` until `latch` is set: a join or scope of a
// fiber task waits without helping (README.md, "Waiting").
void fiber_wait(Fiber* f, JobLatch& latch) noexcept;

}  // namespace knot::detail
