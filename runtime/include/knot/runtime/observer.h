// Observer: the hook through which diagnosis sees every blocking wait.
//
//   WaitKind     what a thread is waiting in (join, latch, channel, mutex, ...)
//   WaitSite     one wait: the resource, its kind, its name, timed or not
//   Observer     callbacks for wait begin/end and worker start/stop
//   set_observer installs the process-wide observer
//
// Every wait in knot goes through one parking mechanism (see
// detail/parking_lot.h and blocking.h), and that mechanism calls the observer
// just before a thread goes to sleep and just after it wakes. Nothing on a fast
// path calls it: a send into a channel with room, an uncontended lock or a
// join whose other half was not stolen never reaches the observer.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace knot {

// WaitKind says what a parked thread waits in. Each enumerator names the
// primitive whose slow path reports it.
enum class WaitKind : std::uint8_t {
  kJoin,            // join(): waits for the half it forked (off-pool: parks; a worker whose
                    // half was stolen: helps, or suspends on a fiber task)
  kInstall,         // install(): waits for a closure it sent to another pool (a worker helps)
  kLatch,           // Latch::wait / wait_for
  kChannelSend,     // Channel send on a full bounded channel
  kChannelRecv,     // Channel receive on an empty channel
  kMutex,           // Mutex::lock, or SharedMutex::lock (exclusive)
  kSharedMutex,     // SharedMutex::lock_shared
  kBlockingRegion,  // code marked with blocking_region(): blocking that knot cannot see
  kPoolShutdown,    // ThreadPool's destructor waits for queued work to drain
  kScope,           // scope() waits for the tasks spawned into it (a helping wait)
};

// to_string() gives the stable lower-case name used in reports ("channel_send").
std::string_view to_string(WaitKind kind) noexcept;

// ActorId names who used a primitive: a pool (any task running on one of
// its workers) or a thread (knot's index for it, ThreadView::index). Zero is
// no one. Diagnosis uses them as a primitive's likely wakers: whoever drained
// a channel lately is whom its full send side waits for.
using ActorId = std::uint64_t;
inline constexpr ActorId kPoolActorBit = ActorId{1} << 63;
constexpr bool is_pool_actor(ActorId actor) noexcept {
  return (actor & kPoolActorBit) != 0;
}
// actor_id() is the pool id (pool actors) or the thread index (threads).
constexpr std::uint64_t actor_id(ActorId actor) noexcept {
  return actor & ~kPoolActorBit;
}
constexpr ActorId pool_actor(std::uint64_t pool_id) noexcept {
  return pool_id | kPoolActorBit;
}

// kMaxRecentUsers is how many distinct recent users a primitive keeps per
// side (a small hashed table: users that collide replace each other).
inline constexpr std::size_t kMaxRecentUsers = 4;
using RecentActors = std::array<ActorId, kMaxRecentUsers>;

// HandleBasis says how knot knows who holds a live channel handle
// (detail/handle_table.h): kUsed, exactly (the one actor that used it since
// it was made or moved); kCreated, a guess (nobody used it since `actor`
// made or moved it); kShared, a guess (several actors used it, `actor` one
// of them). kNone: an empty entry.
enum class HandleBasis : std::uint8_t { kNone = 0, kUsed = 1, kCreated = 2, kShared = 3 };

// HandleHolder is one live handle of a channel side and its holder.
struct HandleHolder {
  ActorId actor = 0;
  HandleBasis basis = HandleBasis::kNone;
};

// kMaxTrackedHandles is how many live handles per channel side knot follows
// one by one; further handles are counted as untracked (holder unknown).
inline constexpr std::size_t kMaxTrackedHandles = 16;
using HandleHolders = std::array<HandleHolder, kMaxTrackedHandles>;

// ResourceFacts is what a primitive says about itself to diagnosis: the
// fields that apply to its kind are set, the rest keep their defaults.
// Filled by WaitSite::describe on the thread that reads a snapshot, while
// the waiting thread is known to be parked (the primitive is alive).
struct ResourceFacts {
  // Channels.
  std::optional<std::size_t> capacity{};  // unset: unbounded
  std::size_t length = 0;
  std::size_t num_senders = 0;
  std::size_t num_receivers = 0;
  std::uint64_t num_sent = 0;
  std::uint64_t num_received = 0;
  RecentActors recent_senders{};    // who sent lately (zeros: empty slots)
  RecentActors recent_receivers{};  // who received lately
  // Who holds each live handle of each side (kNone entries are empty), and
  // how many live handles of each side are not tracked one by one.
  HandleHolders sender_handles{};
  HandleHolders receiver_handles{};
  std::size_t untracked_senders = 0;
  std::size_t untracked_receivers = 0;
  // Latches: the remaining count, and who counted down lately.
  std::ptrdiff_t count = 0;
  RecentActors recent_counters{};
  // Mutexes: the exclusive owner's OS thread id (0: none; a fiber task of a
  // kFiber pool: minus its ThreadView::index), shared holders. Shared
  // mutexes also say whether a writer is parked (it blocks new readers).
  std::int64_t owner_tid = 0;
  std::size_t num_readers = 0;
  bool is_shared_mutex = false;
  bool has_parked_writers = false;
  // Pools (install, join from outside, shutdown): the pool waited for.
  std::uint64_t pool_id = 0;
};

// DescribeFn fills `facts` for `resource`. It must not block or allocate
// beyond the facts themselves, and it is only called while a thread is
// parked on the resource.
using DescribeFn = void (*)(const void* resource, ResourceFacts& facts) noexcept;

// WaitSite describes one wait. `resource` identifies the primitive (its
// address); `name` is the name the user gave it, or empty. The site lives on
// the waiting thread's stack for the duration of the wait.
struct WaitSite {
  const void* resource = nullptr;
  WaitKind kind = WaitKind::kBlockingRegion;
  std::string_view name{};
  bool is_timed = false;          // a wait with a deadline: it ends by itself
  DescribeFn describe = nullptr;  // the primitive's facts, or null
};

// Observer receives the slow-path events of the runtime. Callbacks run on the
// thread concerned, must not block and must not throw; they may be called
// concurrently from many threads. They must not use knot's blocking
// primitives (that would re-enter the parking path).
class Observer {
 public:
  virtual ~Observer() = default;
  // on_wait_begin() runs just before the calling thread parks (or enters a
  // blocking_region); on_wait_end() just after it resumes. The two calls pair
  // up on the same thread with the same site.
  virtual void on_wait_begin(const WaitSite& site) noexcept = 0;
  virtual void on_wait_end(const WaitSite& site) noexcept = 0;
  // on_worker_start/stop() run on a pool's worker thread as it starts and
  // before it exits. `pool_name` is the pool's name, `index` the worker's.
  virtual void on_worker_start(std::string_view pool_name, std::size_t index) noexcept {
    (void)pool_name;
    (void)index;
  }
  virtual void on_worker_stop(std::string_view pool_name, std::size_t index) noexcept {
    (void)pool_name;
    (void)index;
  }
};

// WaitStackHook captures the calling thread's stack into `pcs` (at most
// `max` return addresses, innermost first) and returns how many it wrote.
// Called on the parking path just before a thread parks; must not block.
using WaitStackHook = std::size_t (*)(std::uintptr_t* pcs, std::size_t max) noexcept;

// set_wait_stack_hook() installs the hook that records wait-site stacks
// (the instrumentation installs one built on libunwind; the runtime has
// none of its own) and returns the previous one. nullptr: no stacks.
WaitStackHook set_wait_stack_hook(WaitStackHook hook) noexcept;

// kMaxWaitStackDepth is the most frames kept per wait-site stack.
inline constexpr std::size_t kMaxWaitStackDepth = 48;

// PoolStuckHook is called on the parking path when a thread parks and,
// with it, every worker of pool `pool_id` is parked (a worker's own park, or
// an outside thread starting to wait for that pool). The watchdog uses it
// to look at once instead of at its next interval. Must not block.
using PoolStuckHook = void (*)(std::uint64_t pool_id) noexcept;

// set_pool_stuck_hook() installs the hook (nullptr: none) and returns the
// previous one. Cost without a hook: one relaxed load per parking worker.
PoolStuckHook set_pool_stuck_hook(PoolStuckHook hook) noexcept;

// set_observer() installs `observer` for the whole process (nullptr removes
// it) and returns the previous one. The observer must outlive every wait that
// may call it: remove it only when no knot thread can be parked. Cost when no
// observer is installed: one relaxed load on the parking path.
Observer* set_observer(Observer* observer) noexcept;

// observer() returns the installed observer, or nullptr.
Observer* observer() noexcept;

}  // namespace knot
