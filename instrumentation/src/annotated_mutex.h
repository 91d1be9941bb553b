// AnnotatedMutex: a std::mutex that Clang's thread-safety analysis knows
// (KNOT_GUARDED_BY members, detail/tsa.h), and MutexGuard, its scoped lock.
// For the instrumentation's own short critical sections (the capture
// collector, the trace recorder's buffers); it adds nothing to std::mutex.
#pragma once

#include <mutex>

#include "knot/runtime/detail/tsa.h"

namespace knot::instr::detail {

class KNOT_CAPABILITY("mutex") AnnotatedMutex {
 public:
  void lock() KNOT_ACQUIRE() { mutex_.lock(); }
  void unlock() KNOT_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

class KNOT_SCOPED_CAPABILITY MutexGuard {
 public:
  explicit MutexGuard(AnnotatedMutex& mutex) KNOT_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexGuard() KNOT_RELEASE() { mutex_.unlock(); }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

 private:
  AnnotatedMutex& mutex_;
};

}  // namespace knot::instr::detail
