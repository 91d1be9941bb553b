// The channel throughput workload (common/channel_harness.h) on knot's
// bounded channel.
//
//   knot_channel_transfer()  `producers` threads send 1..messages through a
//                            knot::channel<std::uint64_t>(capacity) to
//                            `consumers` threads; returns the sum received
//
// The channel closes the way knot's channels do: when the last Sender is
// dropped. Every end is a plain std::thread, as for the baseline queues.
#pragma once

#include <cstddef>
#include <cstdint>

namespace knot::bench {

std::uint64_t knot_channel_transfer(std::uint64_t messages, int producers, int consumers,
                                    std::size_t capacity);

}  // namespace knot::bench
