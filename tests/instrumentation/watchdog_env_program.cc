// watchdog_env_program: two threads deadlock through two full channels and
// nothing calls the watchdog; KNOT_WATCHDOG=1 in the environment must start
// it anyway (watchdog_test.cc runs this program). Without the watchdog it
// gives up after 60 s and exits 1. With the argument "exit" it only runs a
// little work on a pool and exits 0 (for KNOT_REPORT_AT_EXIT). With "own" it
// starts a watchdog of its own, reporting into $OWN_REPORT_DIR, asks it for
// a report and exits 0 (a program's own start replaces KNOT_WATCHDOG=1's).
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "knot/instrumentation/watchdog.h"
#include "knot/runtime.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "exit") {
    knot::ThreadPool pool(knot::PoolOptions{.num_threads = 2, .name = "short"});
    return pool.install([] { return knot::join([] { return 0; }, [] { return 0; }).first; });
  }
  if (argc == 2 && std::string(argv[1]) == "own") {
    knot::instr::WatchdogOptions options;
    const char* dir = std::getenv("OWN_REPORT_DIR");
    options.report_dir = dir != nullptr ? dir : "own-reports";
    knot::instr::start_watchdog(options);
    return knot::instr::request_report("own") ? 0 : 1;
  }
  auto a_tx_and_a_rx = knot::channel<int>(1, "to_pong");
  auto a_tx = std::move(a_tx_and_a_rx.first);
  auto a_rx = std::move(a_tx_and_a_rx.second);
  auto b_tx_and_b_rx = knot::channel<int>(1, "to_ping");
  auto b_tx = std::move(b_tx_and_b_rx.first);
  auto b_rx = std::move(b_tx_and_b_rx.second);
  a_tx.send(0);
  b_tx.send(0);
  auto side = [](const char* name, knot::Sender<int> tx, knot::Receiver<int> rx) {
    return std::thread([name, tx = std::move(tx), rx = std::move(rx)]() mutable {
      knot::this_thread::set_name(name);
      rx.recv();
      for (int i = 0; i < 4; ++i)
        tx.send(i);
    });
  };
  std::thread ping = side("ping", std::move(a_tx), std::move(b_rx));
  std::thread pong = side("pong", std::move(b_tx), std::move(a_rx));
  ping.detach();
  pong.detach();
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 1;
}
