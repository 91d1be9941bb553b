// The runtime's side of hazard tracking (knot/runtime/hazard_hook.h).

#include "knot/runtime/hazard_hook.h"

#include "fiber/fiber.h"
#include "hazard_point.h"
#include "registry.h"
#include "thread_record.h"
#include "worker.h"

#include "knot/runtime/detail/scheduler.h"

namespace knot {

namespace detail {

constinit std::atomic<HazardHook> g_hazard_hook{nullptr};

void note_hazard(const HazardPoint& point) noexcept {
  // Acquire: whatever the tracker set up before installing itself is
  // visible to the call.
  const HazardHook hook = g_hazard_hook.load(std::memory_order_acquire);
  if (hook != nullptr)
    (void)hook(point);
}

namespace {
// The calling thread's state generation: bumped by the tracker. Its high
// bits are the thread's own (t_hazard_thread), so that memos of two
// threads never match.
constinit thread_local std::uint64_t t_hazard_generation = 0;
std::atomic<std::uint64_t> g_next_thread{1};
}  // namespace

// The generation is 0 until the tracker first changes the thread's state
// (it does when it first sees the thread): a memo taken before then
// matches nothing (a memo is never 0 once stored, and note_hazard_memo
// stores 0 for such a thread).
std::uint64_t hazard_memo() noexcept {
  const std::uint64_t generation = t_hazard_generation;
  if (generation == 0)
    return 0;
  std::uint64_t task = 0;
  if (Worker* worker = t_current_worker) {
    const Fiber* fiber = worker->running_fiber();
    task = fiber == nullptr ? worker->record().marks().num_started()
                            : reinterpret_cast<std::uintptr_t>(fiber);
  }
  return generation ^ (task * 0x9E3779B97F4A7C15ull);
}

void note_hazard_state_changed() noexcept {
  if (t_hazard_generation == 0)
    t_hazard_generation = g_next_thread.fetch_add(1, std::memory_order_relaxed) << 32;
  ++t_hazard_generation;
}

void note_hazard_memo(const HazardPoint& point, std::atomic<std::uint64_t>& memo) noexcept {
  const HazardHook hook = g_hazard_hook.load(std::memory_order_acquire);
  if (hook == nullptr)
    return;
  // Relaxed: a handle used by several threads at once (shared by
  // reference) only makes them call the hook more often.
  const std::uint64_t before = hazard_memo();
  if (before != 0 && memo.load(std::memory_order_relaxed) == before)
    return;
  const bool may_skip = hook(point);
  memo.store(may_skip ? hazard_memo() : 0, std::memory_order_relaxed);
}

void note_primitive(HazardOp op, const void* resource, std::string_view name,
                    std::uintptr_t class_site, std::uintptr_t call_site, std::string_view reason,
                    std::atomic<std::uint64_t>* instance_word) noexcept {
  HazardPoint point;
  point.instance_word = instance_word;
  point.op = op;
  point.resource = resource;
  point.name = name;
  point.class_site = class_site;
  point.call_site = call_site;
  point.reason = reason;
  note_hazard(point);
}

// note_install(): ThreadPool::install from outside `pool` waits (or may
// wait) for one of its workers; `call_site` is the install's caller.
void note_install(const Registry* pool, std::uintptr_t call_site) noexcept {
  HazardPoint point;
  point.op = HazardOp::kInstall;
  point.resource = pool;
  point.name = pool->name();
  point.pool_id = pool->id();
  point.call_site = call_site;
  note_hazard(point);
}

void note_help(const Registry* pool, std::uintptr_t call_site, bool is_end) noexcept {
  HazardPoint point;
  point.op = is_end ? HazardOp::kHelpEnd : HazardOp::kHelp;
  point.resource = pool;
  point.name = pool->name();
  point.pool_id = pool->id();
  point.call_site = call_site;
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
  out.has_forked = worker->has_local_work();
  out.region = worker->isolation();
  if (detail::Fiber* fiber = worker->running_fiber()) {
    out.on_fiber = true;
    out.task = fiber->record().marks().num_started();
  } else {
    out.task = worker->record().marks().num_started();
  }
  return out;
}

}  // namespace knot
