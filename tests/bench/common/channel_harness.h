// run_channel(): the channel throughput workload, generic over the queue.
//
// `producers` threads send the values 1..messages (each thread a contiguous
// share) and `consumers` threads receive until the queue reports closed,
// each summing what it got; the result is the total, which must equal
// sum_1_to(messages). All ends are plain std::threads, so every queue is
// measured between the same kind of threads. Thread creation (a few tens of
// microseconds) is inside the measured time for every queue alike.
//
// A queue adapter provides:
//   sender()           a handle with bool send(std::uint64_t) (false: closed)
//   receiver()         a handle with std::optional<std::uint64_t> recv()
//   producers_done()   called once every producer thread returned; must make
//                      the receivers see "closed" after the last message
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace knot::bench {

template <class Queue>
std::uint64_t run_channel(Queue& queue, std::uint64_t messages, int producers, int consumers) {
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(consumers), 0);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(producers + consumers));
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&sums, c, rx = queue.receiver()]() mutable {
      std::uint64_t sum = 0;
      while (auto v = rx.recv())
        sum += *v;
      sums[static_cast<std::size_t>(c)] = sum;
    });
  }
  const auto num_producers = static_cast<std::uint64_t>(producers);
  for (std::uint64_t p = 0; p < num_producers; ++p) {
    std::uint64_t lo = messages * p / num_producers;
    std::uint64_t hi = messages * (p + 1) / num_producers;
    threads.emplace_back([lo, hi, tx = queue.sender()]() mutable {
      for (std::uint64_t v = lo + 1; v <= hi; ++v) {
        if (!tx.send(v)) {
          std::fprintf(stderr, "run_channel: queue closed under a producer\n");
          std::abort();
        }
      }
    });
  }
  auto first_producer = static_cast<std::size_t>(consumers);
  for (std::size_t i = first_producer; i < threads.size(); ++i)
    threads[i].join();
  queue.producers_done();
  for (std::size_t i = 0; i < first_producer; ++i)
    threads[i].join();
  std::uint64_t total = 0;
  for (std::uint64_t s : sums)
    total += s;
  return total;
}

}  // namespace knot::bench
