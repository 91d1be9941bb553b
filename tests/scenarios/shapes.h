// The shapes of the watchdog's scenario suite (issue #4), shared by the
// scenario program (scenario_programs.cc) and the detection benchmarks.
//
//   all()  every shape by name: seed, queued_receiver, two_pools,
//          pool_and_lock, nested_latches, channel_cycle, self_deadlock,
//          relock
//          (they never return: a deadlock or an exhausted pool), and the
//          negative ones slow_pipeline, busy_pool, timed_waits,
//          foreign_receiver, idle_pools, churn (they finish)
#pragma once

#include <map>
#include <string>

namespace knot::scenarios {

const std::map<std::string, void (*)()>& all();

}  // namespace knot::scenarios
