// The channel throughput workload (common/channel_harness.h) on the two
// baseline queues.
//
//   mutex_queue_transfer()  MutexBoundedQueue (std::mutex + condition_variable)
//   tbb_queue_transfer()    tbb::concurrent_bounded_queue with set_capacity()
//
// Both return the sum of the received values (sum_1_to(messages) when
// nothing was lost or duplicated).
#pragma once

#include <cstddef>
#include <cstdint>

namespace knot::bench {

std::uint64_t mutex_queue_transfer(std::uint64_t messages, int producers, int consumers,
                                   std::size_t capacity);
std::uint64_t tbb_queue_transfer(std::uint64_t messages, int producers, int consumers,
                                 std::size_t capacity);

}  // namespace knot::bench
