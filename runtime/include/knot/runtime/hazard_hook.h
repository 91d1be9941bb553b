// HazardHook: how the potential-deadlock tracker (docs/hazards.md) hears of
// the operations that may block, also when they did not block, and of the
// operations that end other contexts' waits.
//
//   HazardOp     the operation: a send or receive done, a lock taken or
//                given back, a latch waited on or counted down, an install
//                on another pool, a channel handle dropped
//   HazardPoint  one such operation: the primitive, its class (name, or
//                where it was made), where it was called
//   set_hazard_hook  installs the tracker (instrumentation/src/hazards/)
//
// With no hook installed (the default, and KNOT_HAZARDS unset) each of
// these operations pays one relaxed load of a global and a branch that is
// never taken: no call, no thread-local access. The hook runs on the
// calling thread, must not block on knot's primitives and must not throw.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace knot {

enum class HazardOp : std::uint8_t {
  kSend,          // a send completed (bounded: it may have waited for room)
  kRecv,          // a receive completed (it may have waited for a message)
  kLock,          // Mutex / SharedMutex taken exclusively (it may have waited)
  kLockShared,    // SharedMutex taken in shared mode (it may have waited)
  kTryLock,       // taken by try_lock / try_lock_shared: held, never waited
  kUnlock,        // given back (exclusive or shared)
  kLatchWait,     // Latch::wait begins (it may block until the latch opens)
  kCountDown,     // Latch::count_down
  kInstall,       // install on pool `pool_id` from outside it (it waits for a worker)
  kLockWait,      // lock() / lock_shared() found the mutex taken and waits (untimed; kLock
                  // or kLockShared follows when it has it)
  kHelp,          // a worker of pool `pool_id` waits for work another worker took (a join's
                  // stolen half, a scope's tasks, another pool's install) and runs other
                  // tasks of its pool meanwhile
  kHelpEnd,       // that wait ended
  kDropSender,    // a channel's sending handle is destroyed here
  kDropReceiver,  // a channel's receiving handle is destroyed here
  kExempt,        // the program exempts the primitive's class: `reason` says why
};

// HazardPoint is one operation. `resource` is the primitive's address;
// `name` its user-given name (empty: unnamed, its class is `class_site`,
// the code that made it, as lockdep's lock classes).
struct HazardPoint {
  HazardOp op = HazardOp::kSend;
  const void* resource = nullptr;
  std::string_view name{};
  std::uintptr_t class_site = 0;  // pc of the code that made the primitive
  std::uintptr_t call_site = 0;   // pc of the call (a cheap key; stacks are taken once per key)
  std::uint64_t pool_id = 0;      // kInstall: the pool waited for
  bool is_bounded = false;        // channels: a send may wait for room
  std::size_t capacity = 0;       // bounded channels: how many messages fit
  bool is_timed = false;          // a wait with a deadline ends by itself: not a hazard
  // Latches: a word the tracker keeps in the instance (when its first
  // wait began); null for a kLatchWait on a latch already open.
  std::atomic<std::uint64_t>* instance_word = nullptr;
  std::string_view reason{};  // kExempt: why no hazard through this class can happen
};

// HazardHook receives one operation. It returns true when the same
// operation, by the same context in the same state, has nothing new to
// record: the runtime may then skip the call for it (a channel handle
// remembers hazard_memo()) until the tracker says the context's state
// changed (note_hazard_state_changed).
using HazardHook = bool (*)(const HazardPoint& point) noexcept;

// set_hazard_hook() installs `hook` (nullptr: none) and returns the
// previous one. Install it before the threads whose operations it should
// see start; removing it while they run is allowed (later operations are
// not seen).
HazardHook set_hazard_hook(HazardHook hook) noexcept;

// HazardContext is what the tracker needs of the calling context.
struct HazardContext {
  std::uint64_t pool_id = 0;  // the pool whose worker runs here (0: not a worker)
  std::uintptr_t task = 0;    // which task runs here: changes with every task started here
  bool on_fiber = false;      // a fiber task of a kFiber pool: its waits suspend
  bool has_forked = false;    // the worker's own queue holds work it forked (a join's other half)
  std::uint64_t region = 0;   // the isolation region it runs in (0: none): a helping worker
                              // in region R (not 0) takes up only tasks of R (isolate.h)
};

// hazard_context() describes the calling context. Any thread.
HazardContext hazard_context() noexcept;

namespace detail {

// The installed hook. Relaxed on the fast paths: they only test it for
// null; the call re-reads it with acquire (note_hazard).
extern constinit std::atomic<HazardHook> g_hazard_hook;

inline bool hazards_on() noexcept {
  return g_hazard_hook.load(std::memory_order_relaxed) != nullptr;
}

// hazard_memo() names the calling context's state for the tracker: the
// thread, the task it runs and how often the tracker changed its state;
// 0 before the tracker first saw the thread (0 matches no memo).
std::uint64_t hazard_memo() noexcept;

// note_hazard_state_changed(): the tracker changed the calling context's
// state; memos taken before no longer match.
void note_hazard_state_changed() noexcept;

// note_hazard() calls the hook, if still installed, with `point` (its
// call_site set by the caller: the return address into the user's code).
// Out of line and cold: the fast paths only branch to their own cold
// helpers, which call it.
[[gnu::noinline, gnu::cold]] void note_hazard(const HazardPoint& point) noexcept;

// note_hazard_memo() is note_hazard() for an operation that remembers the
// context's state in `memo` (a channel handle's): it calls the hook only
// when `memo` differs from hazard_memo(), and updates it.
// note_install() is the kInstall point of `pool` (the scheduler's wait
// for another pool's closure calls it).
class Registry;
[[gnu::noinline, gnu::cold]] void note_install(const Registry* pool,
                                               std::uintptr_t call_site) noexcept;

// note_help() is the kHelp point (`is_end`: kHelpEnd) of a worker of
// `pool` whose wait at `call_site` helps.
[[gnu::noinline, gnu::cold]] void note_help(const Registry* pool, std::uintptr_t call_site,
                                            bool is_end) noexcept;

[[gnu::noinline, gnu::cold]] void note_hazard_memo(const HazardPoint& point,
                                                   std::atomic<std::uint64_t>& memo) noexcept;

}  // namespace detail

}  // namespace knot
