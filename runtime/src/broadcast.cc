// run_broadcast(): queue one job per worker, run the caller's own share,
// wait for the rest (ThreadPool::broadcast).
#include "knot/runtime/detail/broadcast.h"

#include <string>

#include "knot/runtime/error.h"
#include "registry.h"
#include "worker.h"

namespace knot::detail {

void run_broadcast(Registry* registry, BroadcastState& state, Job* const* jobs, std::size_t n) {
  Worker* self = current_worker();
  const bool here = self != nullptr && self->registry() == registry;
  if (!here && registry->is_shutting_down()) {
    throw Error(Errc::kShutDown, "knot: pool '" + registry->name() + "' is shutting down");
  }
  JobLatch latch = group_latch(registry);
  state.latch = &latch;
  state.pending.store(n, std::memory_order_relaxed);
  const std::size_t own = here && self->index() < n ? self->index() : n;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != own)
      registry->push_broadcast(i, jobs[i]);
  }
  if (own < n)
    jobs[own]->execute_fn(jobs[own]);
  // The jobs' group is &state: a wait for them names the threads that run them.
  wait_for_group(registry, latch, &state);
}

}  // namespace knot::detail
