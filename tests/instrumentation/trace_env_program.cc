// trace_env_program: a pool worker waits on a channel until the main thread
// sends, then the program returns from main. It calls nothing of the trace
// recorder: KNOT_TRACE=<file> in the environment must record it and write
// the file at exit (trace_test.cc runs this program).
#include <chrono>
#include <thread>

#include "knot/runtime.h"

int main() {
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "envpool"});
  auto [tx, rx] = knot::channel<int>(1, "items");
  knot::Latch done(1, "done");
  pool.spawn([&, rx = std::move(rx)]() mutable {
    (void)rx.recv();
    done.count_down();
  });
  while (pool.snapshot().count(knot::WorkerState::kParked) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  tx.send(1);
  done.wait();
  return 0;
}
