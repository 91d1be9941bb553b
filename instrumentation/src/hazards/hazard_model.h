// The hazard tracker's vocabulary (docs/hazards.md): events, the classes
// they belong to, and the dependency edges between them that the tracker
// records and the analysis searches for cycles.
//
//   Event      what a context may wait for: a free worker of a pool, room
//              in a channel, a message in a channel, a mutex given back, a
//              latch opening, a helping worker getting back to its wait
//   EventKey   an event of one class (pools, channels and locks by name;
//              unnamed ones by the code that made them)
//   EdgeRecord "`blocked` cannot happen while `awaited` has not": a context
//              waited for `awaited` while it was responsible for `blocked`
//   Recorded   everything recorded so far (a copy, for the analysis)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "knot/runtime/options.h"

namespace knot::instr::hazards {

enum class Primitive : std::uint8_t { kPool, kChannel, kMutex, kLatch };

enum class Event : std::uint8_t {
  kWorker,   // a worker of the pool becomes free to take a task
  kRoom,     // a bounded channel has room
  kMessage,  // a channel has a message
  kUnlock,   // the mutex is given back
  kOpen,     // the latch opens
  kHelped,   // a worker of the pool that helps while it waits (a join whose half
             // another worker took) gets back to its wait: the task it took up ends
};

struct EventKey {
  std::uint64_t cls = 0;  // ClassInfo key
  Event event = Event::kWorker;
  friend bool operator==(const EventKey&, const EventKey&) = default;
  friend auto operator<=>(const EventKey&, const EventKey&) = default;
};

// ClassInfo is one class of primitives.
struct ClassInfo {
  Primitive primitive = Primitive::kPool;
  std::string name{};           // empty: unnamed, known by `site`
  std::uintptr_t site = 0;      // the code that made it (unnamed classes)
  std::uint64_t pool_id = 0;    // pools
  bool is_bounded = false;      // channels
  std::size_t capacity = 0;     // bounded channels: the largest capacity seen in the class
  bool has_writers = false;     // mutexes: taken exclusively somewhere
  std::string exempt_reason{};  // exempt_from_hazards(): cycles through it are not reported
};

// Basis: why the context was responsible for `blocked` while it waited.
enum class Basis : std::uint8_t {
  kHeld,        // it held the mutex
  kStage,       // it receives from the channel (it used the receiving side, and holds it)
  kWorkerSlot,  // it ran a task of the pool on one of its workers, and the wait parks
  kAfterWait,   // it sent into the channel, or counted the latch down, after the wait
  kPoolStage,   // only tasks of the pool use that side of the channel (or count the latch down)
  kHelper,      // tasks of the pool waited for it while a worker of the pool helped, within
                // reach of that worker: a helper may take such a task up (kHelped -> it)
};

// Origin is a stack where something was first seen (innermost first).
using Origin = std::vector<std::uintptr_t>;

struct EdgeRecord {
  EventKey blocked{};
  EventKey awaited{};
  Basis basis = Basis::kHeld;
  std::string context{};  // "thread 'embed'", "tasks of pool 'global'"
  std::uint64_t context_pool = 0;
  std::size_t wait_origin = 0;  // index into Recorded::origins (0: none)
  std::size_t responsibility_origin = 0;
  // kWorkerSlot: the events the waiting task had already caused in the
  // same task (sent into a channel, counted a latch down) every time
  // this edge was seen. A pool-level edge for one of them cannot close a
  // cycle through this wait (docs/hazards.md, "Pairs").
  std::set<EventKey> done_before{};
  // kWorkerSlot: how many distinct tasks were seen waiting there (counted
  // up to a limit). A pool of N workers is exhausted by that wait only if
  // N tasks can wait in it at once: the analysis asks for N seen.
  std::size_t tasks_seen = 0;
  // kWorkerSlot: a task waited there while its worker's own queue held work
  // it had forked (a parallel loop's other pieces): the same wait can be
  // reached on other workers at once.
  bool forked_seen = false;
  // kHelper: the locks the helping workers held (exclusively) when a task
  // within their reach waited for `awaited`. A cycle that enters the help
  // through lock L closes only if L is one of them.
  std::set<EventKey> helper_held{};
};

struct PoolInfo {
  std::uint64_t id = 0;
  std::string name{};
  BlockingPolicy policy = BlockingPolicy::kBlock;
  std::size_t num_threads = 0;
  std::size_t max_spares = 0;
};

// Users of one side of a channel, or the counters of a latch.
struct SideUsers {
  std::set<std::uint64_t> pools{};
  std::set<std::string> threads{};
  std::size_t origin = 0;  // where a pool's task first used it
};

struct Recorded {
  std::map<std::uint64_t, ClassInfo> classes{};
  std::map<std::pair<EventKey, EventKey>, EdgeRecord> edges{};  // (blocked, awaited)
  std::map<std::uint64_t, PoolInfo> pools{};
  // The users whose progress makes each event happen: receivers (kRoom),
  // senders (kMessage), counters (kOpen).
  std::map<EventKey, SideUsers> users{};
  std::vector<Origin> origins{};  // [0] is empty
  // Forwarding by stage threads (docs/hazards.md, "Messages that
  // circulate"): the (receive-from, send-into) channel pairs where a
  // thread sent more than one message per message received, and per
  // channel how many messages were sent into it by sends that forwarded
  // nothing (counted up to a limit per thread).
  std::set<std::pair<std::uint64_t, std::uint64_t>> multi_forward{};
  std::map<std::uint64_t, std::size_t> injected{};
};

}  // namespace knot::instr::hazards
