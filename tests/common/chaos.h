// chaos_point(): perturbs the schedule at a point of a stress test.
//
// Each call, with a thread-local random generator, does nothing most of the
// time, sometimes yields, and rarely sleeps for a few microseconds. Sprinkled
// through stress-test tasks, it makes each run interleave differently, so
// that repeated runs explore more schedules than the OS would on its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

namespace knot::testing {

inline void chaos_point() {
  thread_local std::minstd_rand rng(static_cast<std::uint32_t>(
      std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())));
  std::uint32_t r = static_cast<std::uint32_t>(rng()) % 1024;
  if (r < 64) {
    std::this_thread::yield();
  } else if (r < 68) {
    std::this_thread::sleep_for(std::chrono::microseconds(r % 50));
  }
}

}  // namespace knot::testing
