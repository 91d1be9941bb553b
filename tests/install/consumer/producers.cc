// producers: a program as a knot user writes it, and the deadlock knot is
// for. A pool of producers fills a bounded channel in batches; the main
// thread drains the channel after each batch. The first batch fits. The
// second does not: the producers block in send() on the full channel, and
// the main thread, waiting in install() for them to finish, never drains
// it. Run with KNOT_WATCHDOG=1 and the watchdog names the cycle and
// writes a report.
#include <cstdio>

#include "knot/runtime.h"

int main() {
  knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "producers"});
  auto results = knot::channel<long>(8, "results");
  knot::Sender<long>& tx = results.first;
  knot::Receiver<long>& rx = results.second;
  long total = 0;
  for (int batch : {8, 64}) {
    pool.install([&] { knot::parallel_for(0, batch, [&](int i) { tx.send(i); }); });
    while (auto message = rx.try_recv())
      total += *message.value;
    // On stderr, unbuffered: the watchdog's exit action flushes nothing.
    std::fprintf(stderr, "after a batch of %d: total %ld\n", batch, total);
  }
  return 0;
}
