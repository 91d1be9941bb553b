// Roster<T>: a process-wide list of live objects (pools, thread records)
// that their owners add and remove, and that snapshots read under the same
// lock. Never taken on a fast path: objects join and leave at creation and
// destruction, and only snapshots and leak checks read.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"

namespace knot::detail {

template <class T>
class Roster {
 public:
  void add(T* item) KNOT_EXCLUDES(mutex_) {
    base::InternalLock lock(mutex_);
    items_.push_back(item);
  }
  void remove(T* item) noexcept KNOT_EXCLUDES(mutex_) {
    base::InternalLock lock(mutex_);
    items_.erase(std::remove(items_.begin(), items_.end(), item), items_.end());
  }
  std::size_t size() const noexcept KNOT_EXCLUDES(mutex_) {
    base::InternalLock lock(mutex_);
    return items_.size();
  }
  // read() calls f(items) under the lock, the items in the order added.
  template <class F>
  decltype(auto) read(F&& f) const KNOT_EXCLUDES(mutex_) {
    base::InternalLock lock(mutex_);
    return f(static_cast<const std::vector<T*>&>(items_));
  }

 private:
  mutable base::InternalMutex mutex_;
  std::vector<T*> items_ KNOT_GUARDED_BY(mutex_);
};

}  // namespace knot::detail
