// watchdog_notice_program: links knot::runtime alone, makes two pools and
// uses the global one, then exits 0. watchdog_notice_test.cc runs it with
// and without KNOT_WATCHDOG and reads what it printed on stderr.
#include "knot/runtime.h"

int main() {
  knot::ThreadPool first(knot::PoolOptions{.num_threads = 1, .name = "first"});
  knot::ThreadPool second(knot::PoolOptions{.num_threads = 1, .name = "second"});
  const int a = first.install([] { return 1; });
  const int b = second.install([] { return 2; });
  const int c = knot::global_pool().install([] { return 3; });
  return a + b + c == 6 ? 0 : 1;
}
