// An idle pool burns no CPU, and work submitted to a sleeping pool starts
// promptly.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <thread>

#include "common/deadline.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

std::chrono::microseconds process_cpu_time() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto tv = [](timeval t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return std::chrono::duration_cast<std::chrono::microseconds>(tv(usage.ru_utime) +
                                                               tv(usage.ru_stime));
}

// After a burst of work, four idle workers use (almost) no CPU for a second.
TEST(IdleCpuTest, IdlePoolBurnsNoCpu) {
  Deadline deadline(30s);
  ThreadPool pool(PoolOptions{.num_threads = 4, .name = "idle"});
  for (int i = 0; i < 100; ++i)
    pool.spawn([] {});
  pool.install([] {});
  std::this_thread::sleep_for(100ms);  // let the searchers fall asleep
  auto before = process_cpu_time();
  std::this_thread::sleep_for(1s);
  auto used = process_cpu_time() - before;
  // Spinning workers would use ~4 s of CPU; allow a generous 50 ms.
  EXPECT_LT(used, 50ms) << "idle pool used " << used.count() << " us of CPU in 1 s";
  auto snap = pool.snapshot();
  EXPECT_EQ(snap.count(WorkerState::kSleeping), 4u);
}

// A task submitted to a sleeping pool starts within a generous bound.
TEST(IdleCpuTest, SleepingPoolWakesPromptly) {
  Deadline deadline(30s);
  ThreadPool pool(PoolOptions{.num_threads = 2, .name = "wake"});
  std::this_thread::sleep_for(50ms);
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto started = pool.install([] { return std::chrono::steady_clock::now(); });
    EXPECT_LT(started - start, 500ms);  // generous: a missed wake would be forever
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace
}  // namespace knot
