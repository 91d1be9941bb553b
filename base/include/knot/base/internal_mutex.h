// InternalMutex: std::mutex with Clang thread-safety annotations, for
// knot's own slow-path state (the runtime's thread records and registries,
// the instrumentation's capture collector and trace buffers). Not knot's
// Mutex: waits on it are not reported, so use it only where the lock is
// held for a copy or a few stores, never across a wait. Not a public API.
#pragma once

#include <mutex>

#include "knot/base/tsa.h"

namespace knot::base {

class KNOT_CAPABILITY("mutex") InternalMutex {
 public:
  void lock() KNOT_ACQUIRE() { mutex_.lock(); }
  void unlock() KNOT_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// InternalLock holds an InternalMutex for its lifetime.
class KNOT_SCOPED_CAPABILITY InternalLock {
 public:
  explicit InternalLock(InternalMutex& m) KNOT_ACQUIRE(m) : mutex_(m) { mutex_.lock(); }
  ~InternalLock() KNOT_RELEASE() { mutex_.unlock(); }
  InternalLock(const InternalLock&) = delete;
  InternalLock& operator=(const InternalLock&) = delete;

 private:
  InternalMutex& mutex_;
};

}  // namespace knot::base
