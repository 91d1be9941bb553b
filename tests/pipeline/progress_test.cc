// ProgressPrinter::format: the plain progress line of knot-embed reprocess,
// with each pool's workers by state, its spares (compensate, fiber) and its
// suspended tasks (fiber), and each channel's fill.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "progress.h"  // pipeline/src

namespace knot::pipeline {
namespace {

ReprocessProgress sample() {
  ReprocessProgress p;
  p.written = 64;
  p.total = 530;
  p.embedded = 59;
  p.elapsed = std::chrono::duration<double>(2.0);
  PoolOccupancy global;
  global.name = "global";
  global.num_threads = 2;
  global.running = 2;
  p.pools.push_back(global);
  p.channels.push_back({"processed", 1, 2});
  return p;
}

TEST(ProgressTest, PlainLineNamesPoolsAndChannels) {
  EXPECT_EQ(detail::ProgressPrinter::format(sample()),
            "64/530 items written, 32.0 items/s, 59 embedded | pool global: 2 run 0 park 0 idle"
            " | processed 1/2");
}

TEST(ProgressTest, SparesAndSuspendedTasksAreCounted) {
  ReprocessProgress p = sample();
  p.pools[0].spares = 1;
  p.pools[0].suspended = 37;
  EXPECT_EQ(detail::ProgressPrinter::format(p),
            "64/530 items written, 32.0 items/s, 59 embedded | pool global: 2 run 0 park 0 idle"
            " (1 spare) 37 suspended | processed 1/2");
}

}  // namespace
}  // namespace knot::pipeline
