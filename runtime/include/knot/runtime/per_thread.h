// PerThread<T>: one value per thread, made on first use, combined at the end
// (oneTBB's enumerable_thread_specific, Rayon's map_init).
//
//   PerThread<T> counts;                 // T() for each thread that asks
//   PerThread<T> scratch(make);          // make() for each thread that asks
//   counts.local()                       // this thread's value
//   counts.combine(std::plus<>{})        // the values folded, in creation order
//   counts.for_each(f)                   // f(value) for each value
//
// local() is lock-free once the calling thread's value exists: a lookup in
// an open-addressing table keyed by a per-thread number (never reused, so a
// thread that exits leaves its value behind, and a new thread never finds
// it). Making a value takes a mutex, once per thread.
//
// Threads, not tasks. The values belong to threads: every task that runs on
// a worker sees that worker's value. Under BlockingPolicy::kFiber a task
// that suspends (it waited in a channel, latch or mutex) may resume on
// another worker; it then sees that worker's value when it calls local()
// again, and a reference it took before the wait is the old worker's value,
// which another task may be using: call local() again after any wait, and
// never keep its reference across one.
//
// combine(), for_each(), size() and clear() must not run concurrently with
// local() (call them after the parallel work, as with oneTBB).
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "knot/base/internal_mutex.h"
#include "knot/base/tsa.h"

namespace knot {

namespace detail {

// this_thread_number() is a process-unique number of the calling thread,
// never 0 and never reused. Out of line (runtime/src/per_thread.cc) on
// purpose: a fiber task may resume on another thread within one function,
// and an inline thread_local read would let the compiler reuse the first
// thread's number after the wait.
std::uint64_t this_thread_number() noexcept;

}  // namespace detail

template <class T>
class PerThread {
 public:
  PerThread() requires std::default_initializable<T> : make_([] { return T(); }) {}
  explicit PerThread(std::function<T()> make) : make_(std::move(make)) {}

  PerThread(const PerThread&) = delete;
  PerThread& operator=(const PerThread&) = delete;

  ~PerThread() {
    Table* t = table_.load(std::memory_order_relaxed);
    while (t != nullptr) {
      Table* older = t->older;
      delete t;
      t = older;
    }
  }

  // local() is the calling thread's value, made with make() on first use.
  T& local() {
    const std::uint64_t me = detail::this_thread_number();
    if (T* found = find(me))
      return *found;
    return insert(me);
  }

  // size() is how many values were made.
  std::size_t size() const {
    base::InternalLock lock(mutex_);
    return values_.size();
  }

  // for_each() calls f(value) for every value, in the order they were made.
  template <class F>
  void for_each(F&& f) {
    base::InternalLock lock(mutex_);
    for (const std::unique_ptr<T>& v : values_)
      f(*v);
  }

  // combine() folds the values with `op`, in the order they were made; it
  // is make() when no thread made one.
  template <class Op>
  T combine(Op&& op) {
    base::InternalLock lock(mutex_);
    if (values_.empty())
      return make_();
    T result(*values_.front());
    for (std::size_t i = 1; i < values_.size(); ++i)
      result = op(std::move(result), *values_[i]);
    return result;
  }

  // clear() drops every value: each thread makes a fresh one on its next
  // local().
  void clear() {
    base::InternalLock lock(mutex_);
    Table* t = table_.exchange(nullptr, std::memory_order_acq_rel);
    while (t != nullptr) {
      Table* older = t->older;
      delete t;
      t = older;
    }
    values_.clear();
  }

 private:
  struct Entry {
    std::atomic<std::uint64_t> key{0};  // 0: free; published after `value`
    T* value = nullptr;
  };
  // A table holds `capacity` entries (a power of two); when one is half
  // full a table twice its size is put in front of it. Tables are never
  // moved or freed before the PerThread (or clear()), so a lookup that
  // follows the chain sees every entry published before it started.
  struct Table {
    explicit Table(std::size_t cap, Table* previous)
        : capacity(cap), older(previous), entries(new Entry[cap]) {}
    std::size_t capacity;
    std::size_t used = 0;  // guarded by mutex_
    Table* older;
    std::unique_ptr<Entry[]> entries;
  };

  static std::size_t slot_of(std::uint64_t key, std::size_t capacity) noexcept {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 17) & (capacity - 1);
  }

  T* find(std::uint64_t key) const noexcept {
    for (Table* t = table_.load(std::memory_order_acquire); t != nullptr; t = t->older) {
      for (std::size_t i = slot_of(key, t->capacity), n = 0; n < t->capacity;
           i = (i + 1) & (t->capacity - 1), ++n) {
        const std::uint64_t k = t->entries[i].key.load(std::memory_order_acquire);
        if (k == key)
          return t->entries[i].value;
        if (k == 0)
          break;  // free: the key is not in this table
      }
    }
    return nullptr;
  }

  T& insert(std::uint64_t key) {
    auto value = std::make_unique<T>(make_());  // outside the lock: make() may be slow
    base::InternalLock lock(mutex_);
    Table* t = table_.load(std::memory_order_relaxed);
    if (t == nullptr || 2 * (t->used + 1) > t->capacity) {
      t = new Table(t == nullptr ? 16 : 2 * t->capacity, t);
      table_.store(t, std::memory_order_release);
    }
    std::size_t i = slot_of(key, t->capacity);
    while (t->entries[i].key.load(std::memory_order_relaxed) != 0)
      i = (i + 1) & (t->capacity - 1);
    values_.push_back(std::move(value));
    t->entries[i].value = values_.back().get();
    t->entries[i].key.store(key, std::memory_order_release);
    ++t->used;
    return *values_.back();
  }

  std::function<T()> make_;
  std::atomic<Table*> table_{nullptr};
  mutable base::InternalMutex mutex_;
  std::vector<std::unique_ptr<T>> values_ KNOT_GUARDED_BY(mutex_);  // in the order made
};

}  // namespace knot
