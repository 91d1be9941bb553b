// isolate(): keep a waiting worker from running unrelated tasks.
//
// While a worker waits in join, scope or install it runs other tasks on top
// of its own stack. That is what keeps fork-join fast, but it is re-entrant:
// a task taken from elsewhere may, for instance, try to lock a Mutex that the
// frame below already holds (a self-deadlock), or observe a thread_local in
// a half-updated state. Rayon's most reported deadlock class is this one.
//
// isolate(f) runs `f` so that, while any wait inside `f` helps, it runs only
// tasks spawned inside `f` (transitively), never tasks from outside it, like
// oneTBB's this_task_arena::isolate. The cost: a worker waiting inside the
// region may sit idle while unrelated work is queued.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <type_traits>
#include <utility>

#include "knot/runtime/detail/scheduler.h"

namespace knot {

// isolate() calls `f` in a fresh isolation region on the current worker and
// returns its value. Off-pool it just calls `f` (an outside thread never
// helps). Regions nest: the innermost one applies.
template <class F>
std::invoke_result_t<F&> isolate(F&& f) {
  detail::Worker* worker = detail::current_worker();
  if (worker == nullptr)
    return f();
  struct Restore {
    detail::Worker* worker;
    std::uint64_t previous;
    ~Restore() { detail::leave_isolation(worker, previous); }
  } restore{worker, detail::enter_isolation(worker)};
  return f();
}

}  // namespace knot
