// Narrator::advice() (narrative.h): ways out that fit the finding's shape.
// Each rule names what it advises against as precisely as the graph
// allows: which lock, which stage, which policy would or would not help.

#include <algorithm>

#include "graph_labels.h"
#include "narrative.h"
#include "process_info.h"

namespace knot::instr {

// Shape: the parts of a cycle (or a warning's path) that advice keys on.
struct Narrator::Shape {
  int pool = -1;     // a pool on the cycle
  int channel = -1;  // a channel side
  int drainer = -1;  // the context the channel side waits for, next on the cycle
  int mutex = -1;    // an exclusive mutex
  int shared = -1;   // a side of a shared mutex
  int latch = -1;
  int outside = -1;  // a thread outside any pool
  // a worker whose top wait is a helping install on another pool, above an
  // earlier wait of its own (a task it took while helping)
  int helper = -1;
};

Narrator::Shape Narrator::shape_of(const Finding& f) const {
  Shape shape;
  for (const int n : f.cycle) {
    const GraphNode& x = node(n);
    if (x.kind == NodeKind::kPool && shape.pool < 0)
      shape.pool = n;
    if (x.kind == NodeKind::kThread) {
      const ThreadView& t = thread(n);
      if (!t.worker_index && !t.is_fiber)
        shape.outside = n;
      if (!t.wait && x.top_frame > 0 &&
          t.frames[static_cast<std::size_t>(x.top_frame)].kind == WaitKind::kInstall &&
          t.worker_index) {
        shape.helper = n;
      }
    }
    if (x.kind != NodeKind::kResource)
      continue;
    const ResourceFacts* f_ = facts(n);
    const bool shared = f_ != nullptr && f_->is_shared_mutex;
    if ((x.wait_kind == WaitKind::kChannelSend || x.wait_kind == WaitKind::kChannelRecv) &&
        shape.channel < 0) {
      shape.channel = n;
      const auto at = std::find(f.cycle.begin(), f.cycle.end(), n);
      const int after = std::next(at) == f.cycle.end() ? f.cycle.front() : *std::next(at);
      if (node(after).kind == NodeKind::kThread)
        shape.drainer = after;
    }
    if (x.wait_kind == WaitKind::kMutex && !shared)
      shape.mutex = n;
    if (shared || x.wait_kind == WaitKind::kSharedMutex)
      shape.shared = n;
    if (x.wait_kind == WaitKind::kLatch)
      shape.latch = n;
  }
  return shape;
}

std::vector<std::string> Narrator::advice(const Finding& f, const report::TaskInfo* task) const {
  std::vector<std::string> out;
  if (f.kind == FindingKind::kLongTask) {
    long_task_advice(f, task, out);
    return out;
  }
  const Shape shape = shape_of(f);
  lock_advice(shape, f, out);
  nesting_advice(shape, out);
  channel_advice(shape, out);
  latch_advice(shape, out);
  if (f.certainty == Certainty::kInferred) {
    out.push_back(
        "This rests on what knot saw so far (" +
        std::string(f.assumptions.empty() ? "" : f.assumptions.front()) +
        "). If another thread will still do it, that thread is invisible to knot: let it use its "
        "handle or the primitive once early, or name it with knot::this_thread::set_name().");
  }
  if (f.kind == FindingKind::kPoolExhaustion) {
    out.push_back(
        "If the queued tasks are the ones that would wake the workers, run the waiting stage on "
        "a pool of its own (ThreadPool::install), or use kFiber, whose waiting tasks give their "
        "workers back (docs/policies.md).");
  }
  if (f.kind == FindingKind::kStall) {
    out.push_back(
        "Look for what the waits above depend on that knot cannot see (a thread blocked in I/O "
        "or a foreign lock, a handle passed to a thread knot does not know); mark such code with "
        "knot::blocking_region() so that reports show it.");
  }
  if (out.empty()) {
    out.push_back(
        "Break the cycle: one of the waits above must not wait for the next (release, reorder or "
        "move it to another pool).");
  }
  return out;
}

// A lock held across a wait that needs it back: name the lock, its holder
// and the wait it is held across.
void Narrator::lock_advice(const Shape& shape, const Finding& f,
                           std::vector<std::string>& out) const {
  const int lock = shape.mutex >= 0 ? shape.mutex : shape.shared;
  if (lock < 0)
    return;
  std::string holder_text;
  std::string across;
  for (const int n : f.cycle) {
    if (node(n).kind != NodeKind::kThread)
      continue;
    const GraphEdge* held = nullptr;
    for (const GraphEdge& e : g_.edges()) {
      if (e.to == n && (e.from == lock || g_.node(e.from).label == node(lock).label) && !e.is_wait)
        held = &e;
    }
    if (held == nullptr)
      continue;
    holder_text = node(n).label;
    const ThreadView& t = thread(n);
    if (!t.frames.empty())
      across = buried_waits(t, -1);
  }
  const std::string name = node(lock).label;
  if (f.kind == FindingKind::kSelfDeadlock) {
    out.push_back(
        "Do not wait for tasks (join, scope, install, parallel algorithms) while holding " + name +
        (across.empty() ? "" : " (held across " + across + ")") +
        ": a worker that waits runs other tasks on top of its stack, and one of them "
        "locked it again. Release the lock before the parallel call, or run that call "
        "inside knot::isolate() so the worker only runs its own subtasks.");
    return;
  }
  if (shape.shared >= 0 && holder_text.size() > 0) {
    out.push_back(holder_text + " holds " + name + " for reading" +
                  (across.empty() ? "" : " across " + across) +
                  " and a writer waits: the lock lets writers go first, so a second read lock "
                  "taken by a task run while helping queues behind the writer, which waits for "
                  "the first. Release the read lock before the parallel call, or run the call "
                  "inside knot::isolate().");
    return;
  }
  out.push_back("Do not hold " + name +
                (holder_text.empty() ? "" : " (held by " + holder_text + ")") +
                (across.empty() ? "" : " across " + across) +
                " while waiting for tasks that lock it; release it before the join, scope or "
                "install.");
}

// A worker that waits in install on another pool helps its own pool
// meanwhile, so a task of its pool runs above the install and may wait for
// what the install's frame below still holds.
void Narrator::nesting_advice(const Shape& shape, std::vector<std::string>& out) const {
  if (shape.helper < 0)
    return;
  const ThreadView& t = thread(shape.helper);
  const WaitFrame& top = t.frames[static_cast<std::size_t>(node(shape.helper).top_frame)];
  const PoolSnapshot* inner = pool_by_id(top.pool_id);
  const PoolSnapshot* outer = pool_by_id(t.pool_id);
  out.push_back(node(shape.helper).label + " waits in install on " +
                (inner != nullptr ? "pool " + quoted(inner->name) : std::string("another pool")) +
                " while it helps " +
                (outer != nullptr ? "pool " + quoted(outer->name) : std::string("its own pool")) +
                ": tasks it takes meanwhile run on top of that wait and keep it from returning. "
                "Wrap the install in knot::isolate() so the worker runs only its own subtasks, "
                "or install from a thread outside the pool.");
}

// Workers blocked on a channel that a thread waiting for their pool drains.
void Narrator::channel_advice(const Shape& shape, std::vector<std::string>& out) const {
  if (shape.channel < 0)
    return;
  const std::string channel = node(shape.channel).label;
  if (shape.pool < 0) {
    const int drainer = shape.drainer;
    const bool drainer_on_channel = drainer >= 0 && thread(drainer).wait &&
                                    (thread(drainer).wait->kind == WaitKind::kChannelSend ||
                                     thread(drainer).wait->kind == WaitKind::kChannelRecv);
    if (drainer >= 0 && !drainer_on_channel) {
      const bool send = node(shape.channel).wait_kind == WaitKind::kChannelSend;
      out.push_back(node(drainer).label + (send ? " drains " : " feeds ") + channel +
                    " only after its wait for the tasks that " + (send ? "fill" : "drain") +
                    " it returns, and they cannot finish first. " +
                    (send ? "Receive while they run (on another thread, or as a task of the same "
                            "scope), or let the channel hold everything they send (a larger "
                            "capacity, or unbounded_channel)."
                          : "Send before waiting, or from another thread or task."));
      return;
    }
    out.push_back(
        "The threads in this cycle each wait on the other's channel: give one direction an "
        "unbounded channel, or send with try_send()/send_for() and drain the other channel "
        "meanwhile.");
    return;
  }
  const GraphNode& pool_node = node(shape.pool);
  const PoolSnapshot* p = pool(shape.pool);
  const std::string stages = p != nullptr ? worker_stages(*p) : "";
  const std::string filler = stages.empty() ? "the tasks that fill " + channel
                                            : stages.substr(10, stages.size() - 11) +
                                                  " (the tasks that fill " + channel + ")";
  out.push_back(
      "Run " + filler + " on a pool of its own (ThreadPool::install), so that " + pool_node.label +
      " keeps workers free for the tasks of " +
      (shape.outside >= 0 ? node(shape.outside).label : std::string("the draining stage")) + ".");
  // Compensation starts a spare per blocked worker, and every spare takes
  // another task that blocks on the same channel: it only postpones this.
  out.push_back("Or use BlockingPolicy::kFiber: a task that waits on " + channel +
                " suspends and gives its worker back, however many wait (docs/policies.md). "
                "kCompensate is no fix here: each spare it starts takes another task that blocks "
                "on " +
                channel + ", up to its limit" +
                (p != nullptr && p->policy == BlockingPolicy::kCompensate
                     ? " (" + std::to_string(p->num_spares) + " spares in use now)"
                     : std::string()) +
                ".");
}

// Workers that wait on a latch whose count only queued tasks would bring
// down: a rendezvous that needs more participants than free workers.
void Narrator::latch_advice(const Shape& shape, std::vector<std::string>& out) const {
  if (shape.latch < 0 || shape.pool < 0)
    return;
  const ResourceFacts* f = facts(shape.latch);
  const PoolSnapshot* p = pool(shape.pool);
  std::size_t waiting = 0;
  for (const ThreadView& t : s_.threads) {
    if (t.wait && t.wait->kind == WaitKind::kLatch &&
        t.wait->resource ==
            s_.threads[static_cast<std::size_t>(node(shape.latch).described_by)].wait->resource)
      ++waiting;
  }
  const std::size_t needed = waiting + static_cast<std::size_t>(f != nullptr ? f->count : 0);
  out.push_back(
      node(shape.latch).label + " is a rendezvous of " + std::to_string(needed) +
      " participants, but " + node(shape.pool).label + " has " +
      std::to_string(p != nullptr ? p->num_threads : 0) + " workers and " +
      std::to_string(waiting) +
      " of them wait in it: the others are queued behind them. Give it a pool of at "
      "least " +
      std::to_string(needed) +
      " workers, or use kFiber: a task waiting in it suspends and gives its worker back, so "
      "queued participants can run.");
}

void Narrator::long_task_advice(const Finding& f, const report::TaskInfo* task,
                                std::vector<std::string>& out) const {
  const ThreadView& t = s_.threads[static_cast<std::size_t>(f.task_thread)];
  const std::string where = task != nullptr && !task->where.empty() ? " (" + task->where + ")" : "";
  if (task != nullptr && task->fiber) {
    out.push_back(
        "Under kFiber, block only in knot's primitives (knot::Mutex, channels, "
        "latches), which suspend the task; wrap any other blocking call" +
        where + " in knot::blocking_region() so the pool lends a spare thread meanwhile.");
    return;
  }
  if (task != nullptr && task->cpu == "off_cpu") {
    out.push_back(thread_label(t) + " is blocked outside knot" + where +
                  ". If it waits for a lock or a once-flag that a frame below it on the same "
                  "thread holds (a task run while helping in a join), run the code that takes it "
                  "inside knot::isolate(), or move the parallel call out of it. If it is I/O, "
                  "wrap it in knot::blocking_region() so that knot sees it and kCompensate can "
                  "lend a spare.");
    return;
  }
  if (f.starved_pools.empty()) {
    const std::string in =
        task != nullptr && !task->where.empty() ? " The task is in " + task->where + "." : "";
    out.push_back(
        "What waits behind " + thread_label(t) + " waits for the task's own result." + in +
        " If the task loops forever (on a flag another task would set, on a lock), that is the "
        "hang; if its work is only long, split it into smaller tasks, or raise "
        "KNOT_WATCHDOG_LONG_TASK_MS.");
    return;
  }
  out.push_back(thread_label(t) + " keeps its worker" + where +
                " while others wait for a free one: split the work into smaller tasks, yield "
                "between steps, or run it on a pool of its own.");
}

}  // namespace knot::instr
