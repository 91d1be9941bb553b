// The parking lot (see knot/runtime/detail/parking_lot.h).
//
// A fixed table of buckets, each a mutex and an intrusive FIFO of waiters.
// A waiter lives on the parked thread's stack and sleeps on its own futex
// word. Unparking dequeues the waiter under the bucket lock, releases the
// lock, then stores 1 into the word and wakes it; the waiter, if it woke on
// its own (timeout), takes the bucket lock to learn whether it was dequeued
// and, if so, waits for that store before it returns, so the word is never
// written after its frame is gone.

#include "knot/runtime/detail/parking_lot.h"

#include <atomic>
#include <cstdint>

#include "fiber/fiber.h"
#include "futex.h"
#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/runtime/detail/scheduler.h"
#include "registry.h"
#include "thread_record.h"
#include "worker.h"

namespace knot::detail {

namespace {

struct Waiter {
  const void* key = nullptr;
  Waiter* next = nullptr;
  std::atomic<std::uint32_t> woken{0};
  Fiber* fiber = nullptr;  // a suspended fiber task instead of a thread
};

struct alignas(64) Bucket {
  base::InternalMutex mutex;
  Waiter* head KNOT_GUARDED_BY(mutex) = nullptr;
  Waiter* tail KNOT_GUARDED_BY(mutex) = nullptr;
};

constexpr std::size_t kNumBuckets = 1024;

Bucket& bucket_for(const void* key) noexcept {
  static Bucket buckets[kNumBuckets];
  auto h = reinterpret_cast<std::uintptr_t>(key);
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ull;
  return buckets[(h >> 32) % kNumBuckets];
}

// Removes `w` from the bucket's list; true if it was there.
bool remove_waiter(Bucket& b, Waiter* w) noexcept KNOT_REQUIRES(b.mutex) {
  Waiter* prev = nullptr;
  for (Waiter* cur = b.head; cur != nullptr; prev = cur, cur = cur->next) {
    if (cur != w)
      continue;
    (prev != nullptr ? prev->next : b.head) = cur->next;
    if (b.tail == cur)
      b.tail = prev;
    return true;
  }
  return false;
}

void wake(Waiter* w) noexcept {
  if (Fiber* fiber = w->fiber) {
    wake_fiber(fiber);  // the waiter's frame may be gone after this
    return;
  }
  w->woken.store(1, std::memory_order_release);
  futex_wake(w->woken, 1);  // harmless even if the frame is already gone
}

}  // namespace

ParkResult park(const void* key, const WaitSite& site, FunctionRef<bool()> validate,
                const Clock::time_point* deadline) noexcept {
  Bucket& b = bucket_for(key);
  Waiter self;
  self.key = key;
  // A fiber task suspends instead (fiber/README.md); a timed wait blocks its
  // thread, which a spare replaces as under kCompensate.
  self.fiber = deadline == nullptr ? current_fiber() : nullptr;
  {
    base::InternalLock lock(b.mutex);
    if (!validate())
      return ParkResult::kInvalid;
    (b.tail != nullptr ? b.tail->next : b.head) = &self;
    b.tail = &self;
  }
  if (self.fiber != nullptr) {
    FiberWaitScope scope(site, *self.fiber);
    self.fiber->suspend();
    return ParkResult::kUnparked;
  }
  WaitScope scope(site);
  while (self.woken.load(std::memory_order_acquire) == 0) {
    if (deadline == nullptr) {
      futex_wait(self.woken, 0);
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - Clock::now());
    if (left.count() > 0) {
      futex_wait(self.woken, 0, &left);
      continue;
    }
    bool removed;
    {
      base::InternalLock lock(b.mutex);
      removed = remove_waiter(b, &self);
    }
    if (removed)
      return ParkResult::kTimedOut;
    // An unparker dequeued us first: wait for its store, then we are unparked.
    while (self.woken.load(std::memory_order_acquire) == 0)
      futex_wait(self.woken, 0);
  }
  return ParkResult::kUnparked;
}

bool unpark_one(const void* key, FunctionRef<void(UnparkInfo)> on_unpark) noexcept {
  Bucket& b = bucket_for(key);
  Waiter* found = nullptr;
  {
    base::InternalLock lock(b.mutex);
    UnparkInfo info;
    Waiter* prev = nullptr;
    // The first waiter on `key` is the oldest (FIFO).
    Waiter* cur = b.head;
    while (cur != nullptr && cur->key != key) {
      prev = cur;
      cur = cur->next;
    }
    if (cur != nullptr) {
      found = cur;
      (prev != nullptr ? prev->next : b.head) = cur->next;
      if (b.tail == cur)
        b.tail = prev;
      info.unparked_one = true;
      for (Waiter* rest = cur->next; rest != nullptr && !info.has_more_waiters; rest = rest->next) {
        info.has_more_waiters = rest->key == key;
      }
    }
    on_unpark(info);
  }
  if (found == nullptr)
    return false;
  wake(found);
  return true;
}

bool unpark_one(const void* key) noexcept {
  return unpark_one(key, [](UnparkInfo) {});
}

std::size_t unpark_all(const void* key) noexcept {
  Bucket& b = bucket_for(key);
  Waiter* woken_head = nullptr;
  {
    base::InternalLock lock(b.mutex);
    Waiter* prev = nullptr;
    Waiter* cur = b.head;
    while (cur != nullptr) {
      Waiter* next = cur->next;
      if (cur->key == key) {
        (prev != nullptr ? prev->next : b.head) = next;
        if (b.tail == cur)
          b.tail = prev;
        cur->next = woken_head;
        woken_head = cur;
      } else {
        prev = cur;
      }
      cur = next;
    }
  }
  std::size_t n = 0;
  while (woken_head != nullptr) {
    Waiter* next = woken_head->next;  // read before the wake frees the frame
    wake(woken_head);
    woken_head = next;
    ++n;
  }
  return n;
}

void before_blocking() {
  Worker* worker = current_worker();
  if (worker != nullptr && worker->running_fiber() == nullptr)
    worker->registry()->may_block();
}

// ============================================================================
// FiberWaitScope
// ============================================================================

FiberWaitScope::FiberWaitScope(const WaitSite& site, Fiber& fiber) noexcept
    : site_(site), observer_(knot::observer()), record_(&fiber.record()) {
  record_->begin_wait(&site_);
  if (observer_ != nullptr)
    observer_->on_wait_begin(site_);
}

FiberWaitScope::~FiberWaitScope() {
  if (observer_ != nullptr)
    observer_->on_wait_end(site_);
  record_->end_wait();
}

// ============================================================================
// WaitScope
// ============================================================================

WaitScope::WaitScope(const WaitSite& site) noexcept
    : site_(site), observer_(knot::observer()), worker_(nullptr), previous_state_(0) {
  if (Worker* worker = current_worker()) {
    worker_ = worker;
    previous_state_ = static_cast<unsigned char>(worker->state());
    worker->set_state(WorkerState::kParked);
    worker->registry()->worker_blocking(*worker);
  }
  ThreadRecord::this_thread().begin_wait(&site_);
  // After begin_wait(), so that a watchdog woken by the hook finds the wait.
  if (worker_ != nullptr) {
    static_cast<Worker*>(worker_)->registry()->worker_parked();
  } else if (site_.describe == &describe_pool && !site_.is_timed) {
    // An outside thread starts waiting for a pool whose workers all wait.
    const auto* pool = static_cast<const Registry*>(site_.resource);
    if (pool->all_workers_parked()) {
      if (PoolStuckHook hook = pool_stuck_hook())
        hook(pool->id());
    }
  }
  if (observer_ != nullptr)
    observer_->on_wait_begin(site_);
}

WaitScope::~WaitScope() {
  if (observer_ != nullptr)
    observer_->on_wait_end(site_);
  // After this no snapshot can read the site: the caller may free it.
  ThreadRecord::this_thread().end_wait();
  if (worker_ != nullptr) {
    static_cast<Worker*>(worker_)->registry()->worker_unparked();
    static_cast<Worker*>(worker_)->set_state(static_cast<WorkerState>(previous_state_));
  }
}

}  // namespace knot::detail
