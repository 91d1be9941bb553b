// Baseline queue adapters for run_channel() (see queue_workloads.h).
#include "baselines/queue_workloads.h"

#include <oneapi/tbb/concurrent_queue.h>

#include <optional>

#include "baselines/bounded_queue.h"
#include "common/channel_harness.h"

namespace knot::bench {
namespace {

class MutexQueueAdapter {
 public:
  explicit MutexQueueAdapter(std::size_t capacity) : queue_(capacity) {}

  struct Sender {
    MutexBoundedQueue<std::uint64_t>* queue;
    bool send(std::uint64_t v) { return queue->push(v); }
  };
  struct Receiver {
    MutexBoundedQueue<std::uint64_t>* queue;
    std::optional<std::uint64_t> recv() { return queue->pop(); }
  };

  Sender sender() { return {&queue_}; }
  Receiver receiver() { return {&queue_}; }
  void producers_done() { queue_.close(); }

 private:
  MutexBoundedQueue<std::uint64_t> queue_;
};

// concurrent_bounded_queue has no close: after the producers finish, one 0
// per consumer (values sent are never 0) tells each consumer to stop.
class TbbQueueAdapter {
 public:
  TbbQueueAdapter(std::size_t capacity, int consumers) : num_consumers_(consumers) {
    queue_.set_capacity(static_cast<std::ptrdiff_t>(capacity));
  }

  struct Sender {
    tbb::concurrent_bounded_queue<std::uint64_t>* queue;
    bool send(std::uint64_t v) {
      queue->push(v);
      return true;
    }
  };
  struct Receiver {
    tbb::concurrent_bounded_queue<std::uint64_t>* queue;
    std::optional<std::uint64_t> recv() {
      std::uint64_t v = 0;
      queue->pop(v);
      if (v == 0)
        return std::nullopt;
      return v;
    }
  };

  Sender sender() { return {&queue_}; }
  Receiver receiver() { return {&queue_}; }
  void producers_done() {
    for (int i = 0; i < num_consumers_; ++i)
      queue_.push(0);
  }

 private:
  tbb::concurrent_bounded_queue<std::uint64_t> queue_;
  int num_consumers_;
};

}  // namespace

std::uint64_t mutex_queue_transfer(std::uint64_t messages, int producers, int consumers,
                                   std::size_t capacity) {
  MutexQueueAdapter queue(capacity);
  return run_channel(queue, messages, producers, consumers);
}

std::uint64_t tbb_queue_transfer(std::uint64_t messages, int producers, int consumers,
                                 std::size_t capacity) {
  TbbQueueAdapter queue(capacity, consumers);
  return run_channel(queue, messages, producers, consumers);
}

}  // namespace knot::bench
