// MutexBoundedQueue: the textbook bounded queue, one std::mutex and two
// std::condition_variables around a fixed ring. The baseline that knot's
// channel throughput target is stated against.
//
// It is written the way a careful engineer would write it without knot:
// one lock per operation, notify after unlocking, and a notify only for a
// side that may have a waiter (glibc's notify with no waiter is cheap, but
// skipping it is what a tuned version does). No spinning, no batching.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace knot::bench {

template <class T>
class MutexBoundedQueue {
 public:
  explicit MutexBoundedQueue(std::size_t capacity) : ring_(capacity) {}

  MutexBoundedQueue(const MutexBoundedQueue&) = delete;
  MutexBoundedQueue& operator=(const MutexBoundedQueue&) = delete;

  // push() blocks while the queue is full. Returns false (dropping `value`)
  // if the queue was closed.
  bool push(T value) {
    std::unique_lock lock(mutex_);
    while (size_ == ring_.size() && !is_closed_) {
      ++num_waiting_senders_;
      not_full_.wait(lock);
      --num_waiting_senders_;
    }
    if (is_closed_)
      return false;
    ring_[(head_ + size_) % ring_.size()] = std::move(value);
    ++size_;
    bool should_notify = num_waiting_receivers_ > 0;
    lock.unlock();
    if (should_notify)
      not_empty_.notify_one();
    return true;
  }

  // pop() blocks while the queue is empty and open; returns nullopt once the
  // queue is closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    while (size_ == 0 && !is_closed_) {
      ++num_waiting_receivers_;
      not_empty_.wait(lock);
      --num_waiting_receivers_;
    }
    if (size_ == 0)
      return std::nullopt;
    std::optional<T> value(std::move(ring_[head_]));
    head_ = (head_ + 1) % ring_.size();
    --size_;
    bool should_notify = num_waiting_senders_ > 0;
    lock.unlock();
    if (should_notify)
      not_full_.notify_one();
    return value;
  }

  // close() wakes everyone; later pushes fail, pops drain what is left.
  void close() {
    {
      std::lock_guard lock(mutex_);
      is_closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  // All guarded by mutex_.
  std::vector<T> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t num_waiting_senders_ = 0;
  std::size_t num_waiting_receivers_ = 0;
  bool is_closed_ = false;
};

}  // namespace knot::bench
