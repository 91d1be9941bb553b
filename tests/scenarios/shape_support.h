// What the scenario shapes share: pools with the policy under test, a
// wait that never ends, and spins that order two threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>

#include "knot/runtime.h"

namespace knot::scenarios {

// make_pool() builds a pool with the blocking policy named by
// KNOT_SCENARIO_POLICY (block, compensate, fiber; default block).
knot::ThreadPool make_pool(const char* name, std::size_t threads);

// wait_forever() parks the calling thread for good, in a wait knot sees
// (an untimed latch nobody counts down: "a waker knot cannot see", alive).
[[noreturn]] void wait_forever();

// wait_until() spins (yielding) until `done()`; for shapes that must order
// two threads without a wait knot would see.
template <class F>
void wait_until(F done) {
  while (!done())
    std::this_thread::yield();
}

// arrive_and_wait() counts this thread in at `arrived` and spins until `n`
// threads have arrived; it returns this thread's place (0 for the first).
inline int arrive_and_wait(std::atomic<int>& arrived, int n) {
  const int place = arrived.fetch_add(1);
  wait_until([&] { return arrived.load() >= n; });
  return place;
}

}  // namespace knot::scenarios
