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

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>

#include "ws_deque.h"

namespace knot::detail {

class Injector {
 public:
  void push(Item item) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(item);
    size_.store(items_.size(), std::memory_order_seq_cst);
  }

  // pop() takes the oldest item, or returns an empty one.
  Item pop() noexcept {
    if (size_.load(std::memory_order_relaxed) == 0)
      return {};
    std::lock_guard<std::mutex> lock(mutex_);
    if (items_.empty())
      return {};
    Item item = items_.front();
    item.is_injected = true;
    items_.pop_front();
    size_.store(items_.size(), std::memory_order_relaxed);
    return item;
  }

  std::size_t size() const noexcept { return size_.load(std::memory_order_seq_cst); }
  bool empty() const noexcept { return size() == 0; }

 private:
  std::mutex mutex_;
  std::deque<Item> items_;  // guarded by mutex_
  std::atomic<std::size_t> size_{0};
};

}  // namespace knot::detail
