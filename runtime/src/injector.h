// Injector: the queue through which threads outside a pool hand it work.
//
// Multi-producer, multi-consumer, FIFO. A short mutex guards a deque of
// items; an atomic count lets idle workers check for emptiness without
// touching the lock, so an idle search over an empty injector costs one
// relaxed load. The lock is on the submission path from outside the pool,
// which then parks anyway, and on a worker's search only when the count says
// work is there.
// TODO(#2): a lock-free segmented queue if a benchmark shows the lock.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"
#include "knot/runtime/observer.h"
#include "ws_deque.h"

namespace knot::detail {

class Injector {
 public:
  // push() queues `item` on behalf of `submitter` (diagnosis: who queued
  // what, see count_by_submitter()).
  void push(Item item, ActorId submitter) {
    base::InternalLock lock(mutex_);
    items_.push_back(Entry{item, submitter});
    size_.store(items_.size(), std::memory_order_seq_cst);
  }

  // pop() takes the oldest item, or returns an empty one.
  Item pop() noexcept {
    if (size_.load(std::memory_order_relaxed) == 0)
      return {};
    base::InternalLock lock(mutex_);
    if (items_.empty())
      return {};
    Item item = items_.front().item;
    item.is_injected = true;
    items_.pop_front();
    size_.store(items_.size(), std::memory_order_relaxed);
    return item;
  }

  std::size_t size() const noexcept { return size_.load(std::memory_order_seq_cst); }
  bool empty() const noexcept { return size() == 0; }

  // count_by_submitter() counts the queued items per submitter, in order of
  // first appearance. Takes the lock (a snapshot's cost, not a worker's).
  std::vector<std::pair<ActorId, std::size_t>> count_by_submitter() const {
    std::vector<std::pair<ActorId, std::size_t>> out;
    base::InternalLock lock(mutex_);
    for (const Entry& e : items_) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const auto& p) { return p.first == e.submitter; });
      if (it == out.end()) {
        out.emplace_back(e.submitter, 1);
      } else {
        ++it->second;
      }
    }
    return out;
  }

 private:
  struct Entry {
    Item item;
    ActorId submitter = 0;
  };
  mutable base::InternalMutex mutex_;
  std::deque<Entry> items_ KNOT_GUARDED_BY(mutex_);
  std::atomic<std::size_t> size_{0};
};

}  // namespace knot::detail
