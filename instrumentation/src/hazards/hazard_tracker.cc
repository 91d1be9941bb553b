// The hazard tracker (hazard_tracker.h).

#include "hazard_tracker.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/runtime/hazard_hook.h"
#include "knot/runtime/mutex.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/this_thread.h"

namespace knot::instr::hazards {

namespace {

constexpr std::size_t kOriginDepth = 32;
// A thread's sends that forward nothing are counted up to this many per
// channel (hazard_cycles.cc, is_conserved_ring).
constexpr std::size_t kMaxInjected = 256;
// A context remembers this many distinct waits for the events it causes
// after them (kAfterWait); later ones are not followed.
constexpr std::size_t kMaxRecentWaits = 32;

std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) noexcept {
  return mix(a ^ mix(b));
}

std::uint64_t event_hash(EventKey e) noexcept {
  return mix(e.cls, static_cast<std::uint64_t>(e.event) + 1);
}

// class_key() is a class's identity: its name, else where it was made.
std::uint64_t class_key(Primitive primitive, std::string_view name, std::uintptr_t site,
                        std::uint64_t pool_id) noexcept {
  const std::uint64_t kind = static_cast<std::uint64_t>(primitive) + 1;
  if (!name.empty())
    return mix(kind, std::hash<std::string_view>{}(name));
  if (primitive == Primitive::kPool)
    return mix(kind * 7, pool_id);
  return mix(kind * 13, site);
}

// SeenSet: a thread's filter of keys already passed to the global record.
// Open addressing; cleared when three quarters full (forgetting only costs
// a second trip to the global record).
class SeenSet {
 public:
  // insert() is true if `key` was not there.
  bool insert(std::uint64_t key) noexcept {
    if (key == 0)
      key = 1;
    std::size_t i = key & (kSize - 1);
    for (;;) {
      if (slots_[i] == key)
        return false;
      if (slots_[i] == 0)
        break;
      i = (i + 1) & (kSize - 1);
    }
    if (used_ + 1 > kSize * 3 / 4) {
      slots_.fill(0);
      used_ = 0;
      return insert(key);
    }
    slots_[i] = key;
    ++used_;
    return true;
  }

 private:
  static constexpr std::size_t kSize = 2048;
  std::array<std::uint64_t, kSize> slots_{};
  std::size_t used_ = 0;
};

struct Held {
  EventKey event{};
  const void* resource = nullptr;
  std::size_t origin = 0;
  bool is_shared = false;  // a SharedMutex held for reading
};

struct RecentWait {
  EventKey awaited{};
  std::size_t origin = 0;
  // How many of the context's events (Context::done) it had caused when it
  // last waited here: a send after this wait counts only if the context
  // had sent into that channel before it too (the wait is inside the loop
  // that sends; a wait once at start is not).
  std::size_t done_before = 0;
  std::uint64_t seq = 0;  // next_seq() when it was last seen
};

// next_seq() orders the waits of all contexts: a latch's first wait
// against the waits after which it is counted down (after_waits).
std::atomic<std::uint64_t> g_seq{1};
std::uint64_t next_seq() noexcept {
  return g_seq.fetch_add(1, std::memory_order_relaxed);
}

// Context: one thread's state. A worker's task scope (stages, recent
// waits, events done) is reset whenever another task runs on it; locks
// belong to the thread.
struct Context {
  bool is_busy = false;          // in the hook (a nested call is ignored)
  bool is_known = false;         // the runtime's memos of this thread started
  bool is_lock_waiting = false;  // it is in Tracker::lock_waits
  std::size_t helps = 0;         // its entries in Tracker::helps
  // Its helps in progress, innermost last (they nest: a task taken up may
  // help too): whether each one is in Tracker::helps.
  std::vector<bool> help_stack;
  std::uintptr_t task = 0;
  std::vector<Held> locks;
  std::vector<Held> stages;        // room(C) for the channels it receives from
  std::vector<RecentWait> recent;  // distinct waits, in order
  std::vector<EventKey> done;      // events caused in this task (sent, counted down)
  // (site, event) -> the recent waits' version it was last matched with
  std::unordered_map<std::uint64_t, std::size_t> committed;
  std::size_t recent_version = 0;  // grows when a wait is added or seen again later
  std::uint64_t signature = 0;     // sum of event hashes of locks and stages
  SeenSet seen;
  // Worker-slot waits: per (call site, awaited), the tasks counted so far
  // and the last one (a task waiting again there counts once).
  struct Position {
    std::size_t count = 0;
    std::uintptr_t last_task = 0;
    bool forked = false;
  };
  std::unordered_map<std::uint64_t, Position> positions;
  // Forwarding: per (received-from, sent-into) channel pair, the sends
  // since the last receive; the sends that forwarded nothing, per channel.
  struct Forward {
    std::uint64_t from = 0;
    std::uint64_t into = 0;
    std::size_t since = 0;
    bool is_multi = false;
  };
  std::vector<Forward> forwards;
  std::unordered_map<std::uint64_t, std::size_t> injected;
  // The steady state: an operation repeated in the same state records
  // nothing new. `repeats` holds keys of (operation, class, call site,
  // state) already processed; `classes` the class of recently used
  // primitives, by address and name (an address may be reused).
  std::array<std::uint64_t, 64> repeats{};
  struct CachedClass {
    const void* resource = nullptr;
    std::uintptr_t site = 0;
    std::string name;
    std::uint64_t cls = 0;
  };
  std::array<CachedClass, 16> classes{};
  // Origins (captured stacks) by (call site, event), and a direct-mapped
  // cache of (key, index) pairs in front of them.
  std::unordered_map<std::uint64_t, std::size_t> origins;
  std::array<std::pair<std::uint64_t, std::size_t>, 64> recent_origins{};

  void enter_task(std::uintptr_t t, bool is_worker) {
    if (!is_worker || t == task)
      return;
    task = t;
    knot::detail::note_hazard_state_changed();
    for (const Held& h : stages)
      signature -= event_hash(h.event);
    stages.clear();
    recent.clear();
    done.clear();
    committed.clear();
  }
};

// The context lives on the heap, and the thread holds only a pointer:
// the library may be loaded by dlopen(), and then all its thread-locals
// come from glibc's small static TLS reserve (it has initial-exec ones,
// signal_unwinder.cc), where a Context (about 18 KiB) does not fit.
constinit thread_local Context* t_context = nullptr;
constinit thread_local bool t_context_gone = false;  // the thread is exiting

void forget_context(const Context* c);

struct ContextOwner {
  ContextOwner() = default;
  ContextOwner(const ContextOwner&) = delete;
  ContextOwner& operator=(const ContextOwner&) = delete;
  ~ContextOwner() {
    if (t_context != nullptr)
      forget_context(t_context);
    delete t_context;
    t_context = nullptr;
    t_context_gone = true;
  }
};
thread_local ContextOwner t_context_owner;

// The calling thread's context; null once its thread-locals are destroyed.
Context* thread_context() {
  if (t_context == nullptr && !t_context_gone) {
    static_cast<void>(&t_context_owner);  // registers its destructor
    t_context = new Context;
  }
  return t_context;
}

class Tracker {
 public:
  base::InternalMutex mutex;
  Recorded rec KNOT_GUARDED_BY(mutex);
  std::atomic<bool> is_enabled{false};
  // Exemptions: a class by its name, or an unnamed one by where it was
  // made; applied to classes seen before and after.
  struct Exemption {
    std::string name;
    std::uintptr_t site = 0;
    std::string reason;
    bool matches(const ClassInfo& info) const {
      return name.empty() ? info.name.empty() && info.site == site : info.name == name;
    }
  };
  std::vector<Exemption> exemptions KNOT_GUARDED_BY(mutex);

  // Helping (docs/hazards.md, "Helping"): the workers that help now, and
  // the tasks of pools that wait for a lock now. A task that waits while
  // a worker of its pool helps, within that worker's reach, could have
  // been taken up by it.
  struct Help {
    const Context* who = nullptr;
    std::uint64_t pool_id = 0;
    std::uint64_t region = 0;      // it takes up only tasks of this region (0: any)
    std::size_t origin = 0;        // where it waits
    std::vector<EventKey> held{};  // the locks it holds (exclusively)
  };
  struct LockWait {
    const Context* who = nullptr;
    std::uint64_t pool_id = 0;
    std::uint64_t region = 0;  // the region its task runs in
    EventKey unlock{};
    std::size_t origin = 0;
  };
  std::vector<Help> helps KNOT_GUARDED_BY(mutex);
  std::vector<LockWait> lock_waits KNOT_GUARDED_BY(mutex);

  Tracker() { rec.origins.emplace_back(); }
};

// Never destroyed: threads may still report while the process exits.
Tracker& tracker() {
  static Tracker* t = new Tracker;
  return *t;
}

void forget_context(const Context* c) {
  if (c->helps == 0 && !c->is_lock_waiting)
    return;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  std::erase_if(t.helps, [&](const Tracker::Help& h) { return h.who == c; });
  std::erase_if(t.lock_waits, [&](const Tracker::LockWait& w) { return w.who == c; });
}

std::string thread_label() {
  std::string name = knot::this_thread::name();
  if (name.empty())
    return "thread " + std::to_string(knot::this_thread_id());
  return "thread '" + name + "'";
}

std::string pool_label(const Recorded& rec, std::uint64_t pool_id) {
  const auto it = rec.pools.find(pool_id);
  if (it == rec.pools.end() || it->second.name.empty())
    return "tasks of pool #" + std::to_string(pool_id);
  return "tasks of pool '" + it->second.name + "'";
}

// Under the tracker's lock.
void ensure_pool(Recorded& rec, std::uint64_t pool_id) {
  if (pool_id == 0 || rec.pools.count(pool_id) != 0)
    return;
  PoolInfo info;
  info.id = pool_id;
  for (const PoolSnapshot& p : knot::snapshot_pools()) {
    if (p.id == pool_id) {
      info.name = p.name;
      info.policy = p.policy;
      info.num_threads = p.num_threads;
      info.max_spares = p.max_spares;
    }
  }
  rec.pools.emplace(pool_id, std::move(info));
}

std::size_t capture_origin(Recorded& rec) {
  std::uintptr_t pcs[kOriginDepth];
  const std::size_t n = capture_current(pcs, kOriginDepth);
  rec.origins.emplace_back(pcs, pcs + n);
  return rec.origins.size() - 1;
}

// The origin of (call site, event), captured on its first sight.
std::size_t origin_for(Context& c, std::uintptr_t site, EventKey e) {
  const std::uint64_t key = mix(site, event_hash(e));
  auto& recent = c.recent_origins[key % c.recent_origins.size()];
  if (recent.first == key && recent.second != 0)
    return recent.second;
  const auto it = c.origins.find(key);
  if (it != c.origins.end()) {
    recent = {key, it->second};
    return it->second;
  }
  Tracker& t = tracker();
  std::size_t index;
  {
    base::InternalLock lock(t.mutex);
    index = capture_origin(t.rec);
  }
  c.origins.emplace(key, index);
  recent = {key, index};
  return index;
}

void ensure_class(Context& c, const HazardPoint& p, Primitive primitive, std::uint64_t cls) {
  if (!c.seen.insert(mix(cls, 0x5eedull)))
    return;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  auto [it, is_new] = t.rec.classes.try_emplace(cls);
  ClassInfo& info = it->second;
  if (is_new) {
    info.primitive = primitive;
    info.name = std::string(p.name);
    info.site = p.class_site;
    info.pool_id = p.pool_id;
    info.is_bounded = p.is_bounded;
  }
  if (primitive == Primitive::kChannel && p.is_bounded) {
    info.is_bounded = true;
    info.capacity = std::max(info.capacity, p.capacity);
  }
  if (is_new) {
    for (const Tracker::Exemption& e : t.exemptions) {
      if (e.matches(info))
        info.exempt_reason = e.reason;
    }
  }
  if (primitive == Primitive::kPool)
    ensure_pool(t.rec, p.pool_id);
}

EdgeRecord& record_edge_locked(Tracker& t, std::string label, EventKey blocked, EventKey awaited,
                               Basis basis, std::uint64_t context_pool, std::size_t wait_origin,
                               std::size_t responsibility_origin, const std::vector<EventKey>* done)
    KNOT_REQUIRES(t.mutex);

// record_edge() adds "blocked cannot happen while awaited has not" (under
// no lock; takes the tracker's).
void record_edge(EventKey blocked, EventKey awaited, Basis basis, std::uint64_t context_pool,
                 std::size_t wait_origin, std::size_t responsibility_origin,
                 const std::vector<EventKey>* done) {
  Tracker& t = tracker();
  std::string label = context_pool == 0 ? thread_label() : std::string();
  base::InternalLock lock(t.mutex);
  record_edge_locked(t, std::move(label), blocked, awaited, basis, context_pool, wait_origin,
                     responsibility_origin, done);
}

// record_edge_locked() is record_edge() under the tracker's lock; `label`
// names the context when it is a thread (context_pool 0).
EdgeRecord& record_edge_locked(Tracker& t, std::string label, EventKey blocked, EventKey awaited,
                               Basis basis, std::uint64_t context_pool, std::size_t wait_origin,
                               std::size_t responsibility_origin, const std::vector<EventKey>* done)
    KNOT_REQUIRES(t.mutex) {
  if (context_pool != 0) {
    ensure_pool(t.rec, context_pool);
    label = pool_label(t.rec, context_pool);
  }
  auto [it, is_new] = t.rec.edges.try_emplace({blocked, awaited});
  EdgeRecord& e = it->second;
  if (is_new) {
    e.blocked = blocked;
    e.awaited = awaited;
    e.basis = basis;
    e.context = std::move(label);
    e.context_pool = context_pool;
    e.wait_origin = wait_origin;
    e.responsibility_origin = responsibility_origin;
    if (done != nullptr)
      e.done_before.insert(done->begin(), done->end());
    return e;
  }
  if (done != nullptr) {
    std::set<EventKey> kept;
    for (const EventKey& d : e.done_before) {
      if (std::find(done->begin(), done->end(), d) != done->end())
        kept.insert(d);
    }
    e.done_before = std::move(kept);
  }
  return e;
}

void count_task(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey awaited);

// record_wait(): the context is about to wait (or may have waited) for
// `awaited`; every event it is responsible for now depends on it.
void record_wait(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey awaited,
                 bool parks);

void on_wait(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey awaited,
             bool parks) {
  record_wait(c, hc, p, awaited, parks);
  if (parks && hc.pool_id != 0)
    count_task(c, hc, p, awaited);
}

void record_wait(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey awaited,
                 bool parks) {
  const bool holds_worker = parks && hc.pool_id != 0;
  const std::uint64_t signature =
      c.signature + (holds_worker ? mix(hc.pool_id, 0xb10cull) : 0) + c.done.size();
  const std::size_t origin = origin_for(c, p.call_site, awaited);
  const auto seen_before = std::find_if(c.recent.begin(), c.recent.end(),
                                        [&](const RecentWait& r) { return r.awaited == awaited; });
  if (seen_before == c.recent.end() && c.recent.size() < kMaxRecentWaits) {
    c.recent.push_back({awaited, origin, c.done.size(), next_seq()});
    ++c.recent_version;
    knot::detail::note_hazard_state_changed();
  } else if (seen_before != c.recent.end()) {
    seen_before->seq = next_seq();
    if (seen_before->done_before < c.done.size()) {
      seen_before->done_before = c.done.size();
      ++c.recent_version;
      knot::detail::note_hazard_state_changed();
    }
  }
  if (!c.seen.insert(mix(mix(p.call_site, event_hash(awaited)), signature)))
    return;
  for (const Held& h : c.locks) {
    // Waiting for the lock one holds is a self-deadlock, not a hazard;
    // another lock of the same class is lockdep's nesting, left out. But a
    // read taken again while one holds it for reading waits behind any
    // writer that came in between (writers go first): a cycle of one,
    // if the class has writers (hazard_cycles.cc).
    const bool reads_again =
        h.is_shared && p.op == HazardOp::kLockShared && h.resource == p.resource;
    if (h.event.cls != awaited.cls || reads_again)
      record_edge(h.event, awaited, Basis::kHeld, 0, origin, h.origin, nullptr);
  }
  for (const Held& h : c.stages) {
    if (h.event.cls != awaited.cls)
      record_edge(h.event, awaited, Basis::kStage, hc.pool_id, origin, h.origin, nullptr);
  }
  if (holds_worker) {
    // The pool's class: by name when it has one (ensure_pool knows it).
    std::string name;
    {
      Tracker& t = tracker();
      base::InternalLock lock(t.mutex);
      ensure_pool(t.rec, hc.pool_id);
      name = t.rec.pools[hc.pool_id].name;
    }
    HazardPoint pool_point;
    pool_point.name = name;
    pool_point.pool_id = hc.pool_id;
    const std::uint64_t cls = class_key(Primitive::kPool, name, 0, hc.pool_id);
    ensure_class(c, pool_point, Primitive::kPool, cls);
    if (cls != awaited.cls) {
      record_edge({cls, Event::kWorker}, awaited, Basis::kWorkerSlot, hc.pool_id, origin, origin,
                  &c.done);
    }
  }
}

// count_task(): a task of a pool waits for `awaited` on its worker; count
// it for the worker-slot edge, once per task, up to kEnoughTasks per thread.
constexpr std::size_t kEnoughTasks = 256;

void count_task(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey awaited) {
  Context::Position& position = c.positions[mix(p.call_site, event_hash(awaited))];
  const bool new_task = position.count < kEnoughTasks && position.last_task != hc.task;
  const bool new_fork = hc.has_forked && !position.forked;
  if (!new_task && !new_fork)
    return;
  if (new_task) {
    ++position.count;
    position.last_task = hc.task;
  }
  position.forked = position.forked || hc.has_forked;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  const auto pool = t.rec.pools.find(hc.pool_id);
  if (pool == t.rec.pools.end())
    return;
  const EventKey worker{class_key(Primitive::kPool, pool->second.name, 0, hc.pool_id),
                        Event::kWorker};
  const auto e = t.rec.edges.find({worker, awaited});
  if (e == t.rec.edges.end())
    return;
  e->second.tasks_seen += new_task ? 1 : 0;
  e->second.forked_seen = e->second.forked_seen || hc.has_forked;
}

// after_waits(): the context causes `event`; it depends on every wait the
// context did before in its scope.
// A send counts only after a wait inside the loop that sends (the context
// had sent into that channel before the wait too). A count-down counts
// only after a wait that began while this very latch was already waited
// for (lockdep's cross-release problem: a wait once at start, before any
// task could wait for the latch, is no hazard).
void after_waits(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey event) {
  const std::uint64_t first_wait =
      p.instance_word != nullptr ? p.instance_word->load(std::memory_order_relaxed) : 0;
  if (event.event == Event::kOpen && first_wait == 0)
    return;
  // A latch's decision depends on its instance: made at every count-down.
  std::size_t& version = c.committed[mix(p.call_site, event_hash(event))];
  if (version == c.recent_version + 1 && event.event != Event::kOpen)
    return;
  version = c.recent_version + 1;
  std::size_t origin = 0;
  for (const RecentWait& w : c.recent) {
    if (w.awaited.cls == event.cls)
      continue;
    if (event.event == Event::kMessage &&
        std::find(c.done.begin(), c.done.begin() + static_cast<std::ptrdiff_t>(w.done_before),
                  event) == c.done.begin() + static_cast<std::ptrdiff_t>(w.done_before))
      continue;
    if (event.event == Event::kOpen && first_wait >= w.seq)
      continue;
    if (!c.seen.insert(mix(mix(p.call_site, event_hash(event)), event_hash(w.awaited))))
      continue;
    if (origin == 0)
      origin = origin_for(c, p.call_site, event);
    record_edge(event, w.awaited, Basis::kAfterWait, hc.pool_id, w.origin, origin, nullptr);
  }
}

// note_user(): who makes `event` happen (pool-level edges, in the analysis).
void note_user(Context& c, const HazardContext& hc, const HazardPoint& p, EventKey event) {
  const std::uint64_t who =
      hc.pool_id != 0 ? mix(hc.pool_id, 1) : reinterpret_cast<std::uintptr_t>(&c);
  if (!c.seen.insert(mix(event_hash(event), who ^ 0x05e7ull)))
    return;
  const std::string label = hc.pool_id != 0 ? std::string() : thread_label();
  const std::size_t origin = origin_for(c, p.call_site, event);
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  SideUsers& users = t.rec.users[event];
  if (hc.pool_id != 0) {
    ensure_pool(t.rec, hc.pool_id);
    users.pools.insert(hc.pool_id);
    if (users.origin == 0)
      users.origin = origin;
  } else {
    users.threads.insert(label);
  }
}

// Messages that circulate (hazard_cycles.cc): a thread's receive resets
// its forwarding counts from that channel; a send counts as forwarding the
// message received last from each channel it receives from, or, if it
// forwards nothing, as a message injected into its channel.

void note_receive_for_forwarding(Context& c, std::uint64_t from) {
  for (Context::Forward& f : c.forwards) {
    if (f.from == from)
      f.since = 0;
  }
}

void note_send_for_forwarding(Context& c, std::uint64_t into) {
  bool forwards = false;
  for (const Held& stage : c.stages) {
    const std::uint64_t from = stage.event.cls;
    auto it = std::find_if(c.forwards.begin(), c.forwards.end(), [&](const Context::Forward& f) {
      return f.from == from && f.into == into;
    });
    if (it == c.forwards.end()) {
      c.forwards.push_back({from, into, 0, false});
      it = std::prev(c.forwards.end());
    }
    ++it->since;
    forwards = forwards || it->since == 1;
    if (it->since == 2 && !it->is_multi) {
      it->is_multi = true;
      Tracker& t = tracker();
      base::InternalLock lock(t.mutex);
      t.rec.multi_forward.insert({from, into});
    }
  }
  if (forwards)
    return;
  std::size_t& count = c.injected[into];
  if (count >= kMaxInjected)
    return;
  ++count;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  ++t.rec.injected[into];
}

// note_writer(): the class is taken exclusively somewhere (a read taken
// again can then queue behind a writer).
void note_writer(Context& c, std::uint64_t cls) {
  if (!c.seen.insert(mix(cls, 0x3717e5ull)))
    return;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  t.rec.classes[cls].has_writers = true;
}

void add_stage(Context& c, const HazardPoint& p, EventKey event) {
  for (const Held& h : c.stages) {
    if (h.event == event)
      return;
  }
  c.stages.push_back({event, p.resource, origin_for(c, p.call_site, event)});
  c.signature += event_hash(event);
  knot::detail::note_hazard_state_changed();
}

// Helping (docs/hazards.md, "Helping"). A worker that waits for work
// another worker took runs other tasks of its pool meanwhile, on top of
// the frame that waits: what that frame holds stays held until the task
// it took up ends. If that task waits for a lock the frame holds, the
// worker waits for itself.

// within_reach(): a helper in `help_region` may take up a task of
// `task_region` (isolate.h: a worker waiting inside a region runs only
// that region's tasks).
bool within_reach(std::uint64_t help_region, std::uint64_t task_region) noexcept {
  return help_region == 0 || help_region == task_region;
}

EventKey helped_event(const Recorded& rec, std::uint64_t pool_id) {
  const auto it = rec.pools.find(pool_id);
  const std::string_view name = it == rec.pools.end() ? std::string_view() : it->second.name;
  return {class_key(Primitive::kPool, name, 0, pool_id), Event::kHelped};
}

// Under the tracker's lock: a task of `w.pool_id` waited for `w.unlock`
// while `h` helped within its reach.
void record_help_reach(Tracker& t, const Tracker::Help& h, const Tracker::LockWait& w)
    KNOT_REQUIRES(t.mutex) {
  EdgeRecord& e = record_edge_locked(t, std::string(), helped_event(t.rec, w.pool_id), w.unlock,
                                     Basis::kHelper, w.pool_id, w.origin, h.origin, nullptr);
  e.helper_held.insert(h.held.begin(), h.held.end());
}

// begin_help(): the worker's wait helps; its locks stay held until the
// task it takes up ends. A help that holds no lock closes no cycle and is
// not followed. A read lock held blocks only writers: left out (a
// writer's wait is not a task's wait the helper could take up alone).
void begin_help(Context& c, const HazardContext& hc, const HazardPoint& p, std::uint64_t cls) {
  Tracker::Help help{&c, hc.pool_id, hc.region, 0, {}};
  for (const Held& h : c.locks) {
    if (!h.is_shared && std::find(help.held.begin(), help.held.end(), h.event) == help.held.end())
      help.held.push_back(h.event);
  }
  c.help_stack.push_back(!help.held.empty());
  if (help.held.empty())
    return;
  const EventKey helped{cls, Event::kHelped};
  help.origin = origin_for(c, p.call_site, helped);
  {
    Tracker& t = tracker();
    base::InternalLock lock(t.mutex);
    ensure_pool(t.rec, hc.pool_id);
    for (const Tracker::LockWait& w : t.lock_waits) {
      if (w.who != &c && w.pool_id == hc.pool_id && within_reach(help.region, w.region))
        record_help_reach(t, help, w);
    }
    t.helps.push_back(help);
    ++c.helps;
  }
  for (const Held& h : c.locks) {
    if (!h.is_shared &&
        c.seen.insert(mix(mix(p.call_site, event_hash(helped)), event_hash(h.event))))
      record_edge(h.event, helped, Basis::kHeld, hc.pool_id, help.origin, h.origin, nullptr);
  }
}

void end_help(Context& c) {
  if (c.help_stack.empty())
    return;
  const bool is_registered = c.help_stack.back();
  c.help_stack.pop_back();
  if (!is_registered || c.helps == 0)
    return;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  // The innermost of this context's helps ends.
  for (auto it = t.helps.rbegin(); it != t.helps.rend(); ++it) {
    if (it->who == &c) {
      t.helps.erase(std::next(it).base());
      break;
    }
  }
  --c.helps;
}

// begin_lock_wait(): a task of a pool waits for a lock. Only a task can be
// taken up by a helper; a thread's wait is left out.
void begin_lock_wait(Context& c, const HazardContext& hc, const HazardPoint& p, std::uint64_t cls) {
  if (hc.pool_id == 0 || c.is_lock_waiting)
    return;
  const EventKey unlock{cls, Event::kUnlock};
  const std::size_t origin = origin_for(c, p.call_site, unlock);
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  const Tracker::LockWait wait{&c, hc.pool_id, hc.region, unlock, origin};
  for (const Tracker::Help& h : t.helps) {
    if (h.who != &c && h.pool_id == hc.pool_id && within_reach(h.region, wait.region))
      record_help_reach(t, h, wait);
  }
  t.lock_waits.push_back(wait);
  c.is_lock_waiting = true;
}

void end_lock_wait(Context& c) {
  if (!c.is_lock_waiting)
    return;
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  std::erase_if(t.lock_waits, [&](const Tracker::LockWait& w) { return w.who == &c; });
  c.is_lock_waiting = false;
}

void mark_done(Context& c, EventKey event) {
  if (std::find(c.done.begin(), c.done.end(), event) == c.done.end()) {
    c.done.push_back(event);
    knot::detail::note_hazard_state_changed();
  }
}

// may_skip(): whether the runtime may skip the hook for this operation
// until the context's state changes (hazard_hook.h). A stage thread's
// sends and receives feed its forwarding counts, which change with each
// one, until they can no longer matter.
bool may_skip(const Context& c, const HazardContext& hc, const HazardPoint& p, std::uint64_t cls) {
  if (hc.pool_id != 0)
    return true;
  if (p.op == HazardOp::kRecv)
    return !p.is_bounded;
  if (p.op != HazardOp::kSend)
    return false;
  if (c.stages.empty()) {
    const auto it = c.injected.find(cls);
    return it != c.injected.end() && it->second >= kMaxInjected;
  }
  for (const Held& stage : c.stages) {
    const auto f = std::find_if(c.forwards.begin(), c.forwards.end(), [&](const auto& x) {
      return x.from == stage.event.cls && x.into == cls;
    });
    if (f == c.forwards.end() || !f->is_multi)
      return false;
  }
  return true;
}

void exempt(const HazardPoint& p) {
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  Tracker::Exemption e{std::string(p.name), p.class_site, std::string(p.reason)};
  // A class already seen is marked now; one seen later, when it is.
  for (auto& [cls, info] : t.rec.classes) {
    (void)cls;
    if (e.matches(info))
      info.exempt_reason = e.reason;
  }
  t.exemptions.push_back(std::move(e));
}

Primitive primitive_of(HazardOp op) noexcept {
  switch (op) {
    case HazardOp::kSend:
    case HazardOp::kRecv:
    case HazardOp::kDropSender:
    case HazardOp::kDropReceiver:
      return Primitive::kChannel;
    case HazardOp::kLock:
    case HazardOp::kLockShared:
    case HazardOp::kTryLock:
    case HazardOp::kUnlock:
      return Primitive::kMutex;
    case HazardOp::kLatchWait:
    case HazardOp::kCountDown:
      return Primitive::kLatch;
    case HazardOp::kLockWait:
      return Primitive::kMutex;
    case HazardOp::kInstall:
    case HazardOp::kHelp:
    case HazardOp::kHelpEnd:
    case HazardOp::kExempt:
      break;
  }
  return Primitive::kPool;
}

// class_of() is class_key() through the thread's small cache.
std::uint64_t class_of(Context& c, const HazardPoint& p, Primitive primitive) {
  if (primitive == Primitive::kPool)
    return class_key(primitive, p.name, 0, p.pool_id);
  Context::CachedClass& e =
      c.classes[(reinterpret_cast<std::uintptr_t>(p.resource) >> 4) % c.classes.size()];
  if (e.resource != p.resource || e.site != p.class_site || e.name != p.name) {
    e.resource = p.resource;
    e.site = p.class_site;
    e.name = std::string(p.name);
    e.cls = class_key(primitive, p.name, p.class_site, 0);
  }
  return e.cls;
}

void process(Context& c, const HazardContext& hc, const HazardPoint& p, std::uint64_t cls,
             bool repeated);

// changes_state(): whether a repeated operation still changes the
// context's state (the locks and stages it takes and gives back, helps
// and lock waits in progress) or decides per instance (a latch's waits
// and count-downs): process() sees it every time.
bool changes_state(HazardOp op) noexcept {
  switch (op) {
    case HazardOp::kLock:
    case HazardOp::kLockShared:
    case HazardOp::kTryLock:
    case HazardOp::kUnlock:
    case HazardOp::kDropReceiver:
    case HazardOp::kLockWait:
    case HazardOp::kHelp:
    case HazardOp::kHelpEnd:
    case HazardOp::kLatchWait:
    case HazardOp::kCountDown:
      return true;
    case HazardOp::kSend:
    case HazardOp::kRecv:
    case HazardOp::kInstall:
    case HazardOp::kDropSender:
    case HazardOp::kExempt:
      break;
  }
  return false;
}

// note_repeated_wait(): a wait seen before in the same state records
// nothing new, but it happened again now (RecentWait::seq).
void note_repeated_wait(Context& c, const HazardPoint& p, std::uint64_t cls) {
  EventKey awaited{cls, Event::kWorker};
  switch (p.op) {
    case HazardOp::kSend:
      if (!p.is_bounded || p.is_timed)
        return;
      awaited.event = Event::kRoom;
      break;
    case HazardOp::kRecv:
      if (p.is_timed)
        return;
      awaited.event = Event::kMessage;
      break;
    case HazardOp::kLock:
    case HazardOp::kLockShared:
      awaited.event = Event::kUnlock;
      break;
    case HazardOp::kLatchWait:
      awaited.event = Event::kOpen;
      break;
    case HazardOp::kInstall:
      break;
    default:
      return;
  }
  for (RecentWait& w : c.recent) {
    if (w.awaited == awaited) {
      w.seq = next_seq();
      return;
    }
  }
}

bool on_point(const HazardPoint& p) noexcept {
  if (p.op == HazardOp::kExempt) {
    try {
      exempt(p);
    } catch (...) {
    }
    return false;
  }
  const HazardContext hc = knot::hazard_context();
  // A fiber task's waits suspend it and free its worker; its locks travel
  // with it across threads. Not followed (docs/hazards.md, "Limits").
  if (hc.on_fiber)
    return true;
  Context* const context = thread_context();
  if (context == nullptr)
    return false;
  Context& c = *context;
  if (c.is_busy)
    return false;
  c.is_busy = true;
  bool skip_next = false;
  if (!c.is_known) {
    c.is_known = true;
    knot::detail::note_hazard_state_changed();  // gives the thread its memos
  }
  try {
    c.enter_task(hc.task, hc.pool_id != 0);
    const std::uint64_t cls = class_of(c, p, primitive_of(p.op));
    // Forwarding counts every send and receive of a stage thread.
    if (hc.pool_id == 0 && p.op == HazardOp::kSend)
      note_send_for_forwarding(c, cls);
    if (hc.pool_id == 0 && p.op == HazardOp::kRecv)
      note_receive_for_forwarding(c, cls);
    // The state that decides what an operation records, in one word (a
    // collision only skips a recording: a missed edge, never a false one).
    const std::uint64_t key =
        mix(cls ^ (static_cast<std::uint64_t>(p.op) << 56) ^
            (static_cast<std::uint64_t>(p.is_timed * 2 + p.is_bounded) << 62) ^
            p.call_site * 0x9E3779B97F4A7C15ull ^ c.signature * 0xC2B2AE3D27D4EB4Full ^
            hc.task * 0x165667B19E3779F9ull ^ hc.pool_id * 0x27D4EB2F165667C5ull ^
            (c.recent.size() << 40) ^ (c.done.size() << 48));
    std::uint64_t& repeat = c.repeats[key % c.repeats.size()];
    const bool repeated = repeat == key;
    repeat = key;
    // A repeated operation changes nothing but the locks and stages it
    // takes and gives back (the rest of its changes are in the key).
    if (!repeated || changes_state(p.op))
      process(c, hc, p, cls, repeated);
    if (repeated)
      note_repeated_wait(c, p, cls);
    skip_next = may_skip(c, hc, p, cls);
  } catch (...) {
    // Out of memory in the tracker: that operation goes unrecorded.
  }
  c.is_busy = false;
  return skip_next;
}

// process(): what an operation changes in the context (always) and what it
// records (only when `repeated` is false: the same operation in the same
// state was processed before and recorded all of it). One case per
// operation, in one switch, so that every change to the context's state
// can be read in one place (about 100 lines).
void process(Context& c, const HazardContext& hc, const HazardPoint& p, std::uint64_t cls,
             bool repeated) {
  const Primitive primitive = primitive_of(p.op);
  if (!repeated && p.op != HazardOp::kUnlock && p.op != HazardOp::kHelpEnd)
    ensure_class(c, p, primitive, cls);
  switch (p.op) {
    case HazardOp::kSend: {
      const EventKey message{cls, Event::kMessage};
      if (!repeated) {
        if (p.is_bounded && !p.is_timed)
          on_wait(c, hc, p, {cls, Event::kRoom}, /*parks=*/true);
        after_waits(c, hc, p, message);
        note_user(c, hc, p, message);
      }
      mark_done(c, message);
      break;
    }
    case HazardOp::kRecv: {
      const EventKey room{cls, Event::kRoom};
      if (!repeated) {
        if (!p.is_timed)
          on_wait(c, hc, p, {cls, Event::kMessage}, /*parks=*/true);
        note_user(c, hc, p, room);
      }
      if (p.is_bounded)
        add_stage(c, p, room);
      break;
    }
    case HazardOp::kDropReceiver: {
      const EventKey room{cls, Event::kRoom};
      const auto it = std::find_if(c.stages.begin(), c.stages.end(),
                                   [&](const Held& h) { return h.event == room; });
      if (it != c.stages.end()) {
        c.signature -= event_hash(it->event);
        c.stages.erase(it);
        knot::detail::note_hazard_state_changed();
      }
      break;
    }
    case HazardOp::kDropSender:
      break;
    case HazardOp::kLock:
    case HazardOp::kLockShared:
    case HazardOp::kTryLock: {
      const EventKey unlock{cls, Event::kUnlock};
      end_lock_wait(c);
      if (!repeated && p.op != HazardOp::kTryLock)
        on_wait(c, hc, p, unlock, /*parks=*/true);
      if (!repeated && p.op == HazardOp::kLock)
        note_writer(c, cls);
      c.locks.push_back(
          {unlock, p.resource, origin_for(c, p.call_site, unlock), p.op == HazardOp::kLockShared});
      c.signature += event_hash(unlock);
      knot::detail::note_hazard_state_changed();
      break;
    }
    case HazardOp::kUnlock: {
      for (auto it = c.locks.rbegin(); it != c.locks.rend(); ++it) {
        if (it->resource == p.resource) {
          c.signature -= event_hash(it->event);
          c.locks.erase(std::next(it).base());
          knot::detail::note_hazard_state_changed();
          break;
        }
      }
      break;
    }
    case HazardOp::kLatchWait: {
      // The instance remembers when its first wait began (after_waits).
      if (p.instance_word != nullptr) {
        std::uint64_t none = 0;
        p.instance_word->compare_exchange_strong(none, next_seq(), std::memory_order_relaxed);
      }
      if (!repeated)
        on_wait(c, hc, p, {cls, Event::kOpen}, /*parks=*/true);
      break;
    }
    case HazardOp::kCountDown: {
      const EventKey open{cls, Event::kOpen};
      // Also when repeated: the instance decides (after_waits).
      after_waits(c, hc, p, open);
      if (!repeated)
        note_user(c, hc, p, open);
      mark_done(c, open);
      break;
    }
    case HazardOp::kInstall:
      // A worker of another pool helps its own pool while it waits: it
      // keeps no worker slot from its pool (parks = false). A thread
      // holds no slot at all.
      if (!repeated)
        on_wait(c, hc, p, {cls, Event::kWorker}, /*parks=*/false);
      break;
    case HazardOp::kLockWait:
      begin_lock_wait(c, hc, p, cls);
      break;
    case HazardOp::kHelp:
      begin_help(c, hc, p, cls);
      break;
    case HazardOp::kHelpEnd:
      end_help(c);
      break;
    case HazardOp::kExempt:
      break;
  }
}

}  // namespace

void enable() {
  Tracker& t = tracker();
  t.is_enabled.store(true, std::memory_order_release);
  knot::set_hazard_hook(&on_point);
}

void disable() {
  knot::set_hazard_hook(nullptr);
  tracker().is_enabled.store(false, std::memory_order_release);
}

bool is_enabled() noexcept {
  return tracker().is_enabled.load(std::memory_order_acquire);
}

Recorded recorded() {
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  return t.rec;
}

void reset_for_testing() {
  Tracker& t = tracker();
  base::InternalLock lock(t.mutex);
  t.rec = Recorded{};
  t.rec.origins.emplace_back();
  t.exemptions.clear();
  t.helps.clear();
  t.lock_waits.clear();
  if (Context* c = thread_context())
    *c = Context{};
}

}  // namespace knot::instr::hazards
