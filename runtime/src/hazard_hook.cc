// The runtime's side of hazard tracking (knot/runtime/hazard_hook.h).

#include "knot/runtime/hazard_hook.h"

#include "fiber/fiber.h"
#include "registry.h"
#include "thread_record.h"

#include "knot/runtime/detail/scheduler.h"

namespace knot {

namespace detail {

constinit std::atomic<HazardHook> g_hazard_hook{nullptr};

void note_hazard(HazardPoint point) noexcept {
  // Acquire: whatever the tracker set up before installing itself is
  // visible to the call.
  const HazardHook hook = g_hazard_hook.load(std::memory_order_acquire);
  if (hook == nullptr)
    return;
  if (point.call_site == 0)
    point.call_site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  hook(point);
}

// note_install() is ThreadPool::install's call from outside `pool`.
[[gnu::noinline]] void note_install(const Registry* pool) noexcept {
  HazardPoint point;
  point.op = HazardOp::kInstall;
  point.resource = pool;
  point.name = pool->name();
  point.pool_id = pool->id();
  point.call_site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  note_hazard(point);
}

}  // namespace detail

HazardHook set_hazard_hook(HazardHook hook) noexcept {
  return detail::g_hazard_hook.exchange(hook, std::memory_order_acq_rel);
}

HazardContext hazard_context() noexcept {
  HazardContext out;
  detail::Worker* worker = detail::t_current_worker;
  if (worker == nullptr)
    return out;
  out.pool_id = worker->registry()->id();
  out.is_spare = worker->is_spare();
  if (detail::Fiber* fiber = worker->running_fiber()) {
    out.on_fiber = true;
    out.task = fiber->record().marks().num_started();
  } else {
    out.task = worker->record().marks().num_started();
  }
  return out;
}

}  // namespace knot
