// Names for threads and pipeline stages, as knot's reports show them.
//
//   this_thread::set_name()  names the calling thread (knot and the OS)
//   this_thread::name()      the calling thread's knot name
//   this_thread::stage()     the innermost stage of what runs here
//   this_thread::fiber_index()  the fiber task that runs here, if any
//   StageScope               marks the calling thread as running a stage
//   stage_scope()            makes one
//
// Worker threads are named "<pool>-<index>" by their pool; other threads
// start with the name the OS has for them. Reports say "thread 'embed'
// (stage 'embed')" instead of a bare thread id, so name the threads and
// stages you start.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace knot {

namespace this_thread {

// set_name() names the calling thread. The OS keeps the first 15 characters
// (pthread_setname_np: ps -L, gdb, /proc); knot keeps all of it. Any thread.
void set_name(std::string_view name);

// name() is the calling thread's knot name.
std::string name();

// stage() is the innermost StageScope of what runs on the calling thread:
// on a fiber task of a kFiber pool, the task's own stage (stages move with
// the task), else the thread's; empty outside any stage. Takes the record's
// lock for a copy, like name(). Any thread.
std::string stage();

// fiber_index() is the index (ThreadView::index) of the fiber task of a
// kFiber pool that runs on the calling thread, the index under which
// snapshot_threads() lists the task while it waits; nullopt on a thread
// that runs no fiber task. For tools that follow a task across the workers
// that resume it (the trace recorder). Any thread; no lock.
std::optional<std::uint32_t> fiber_index() noexcept;

}  // namespace this_thread

// StageScope marks the calling thread as running pipeline stage `name` from
// construction to destruction. Scopes nest; the innermost one is the
// thread's stage. Costs a short lock and a string copy: use it per stage,
// not per item.
class [[nodiscard]] StageScope {
 public:
  explicit StageScope(std::string_view name);
  ~StageScope();
  StageScope(const StageScope&) = delete;
  StageScope& operator=(const StageScope&) = delete;
};

// stage_scope() makes a StageScope:
//   auto stage = knot::stage_scope("embed");
inline StageScope stage_scope(std::string_view name) {
  return StageScope(name);
}

}  // namespace knot
