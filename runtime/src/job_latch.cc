// JobLatch::set() (detail/job.h): the latch a join, scope or install waits
// on, set by the job that finishes last, and the wake of its waiter: a
// worker's sleep, a thread's park, or a suspended fiber.

#include <memory>

#include "fiber/fiber.h"
#include "knot/runtime/detail/job.h"
#include "knot/runtime/detail/parking_lot.h"
#include "registry.h"
#include "worker.h"

namespace knot::detail {

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

}  // namespace knot::detail
