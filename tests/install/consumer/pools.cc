// pools: fork-join on a pool of its own, linked with knot::runtime alone
// (no watchdog in it: with KNOT_WATCHDOG set, the runtime says so).
#include <cstdio>

#include "knot/runtime.h"

long fib(int n) {
  if (n < 2)
    return n;
  auto [a, b] = knot::join([&] { return fib(n - 1); }, [&] { return fib(n - 2); });
  return a + b;
}

int main() {
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "compute"});
  std::printf("fib(20) = %ld\n", pool.install([] { return fib(20); }));
}
