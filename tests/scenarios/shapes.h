// The shapes of the watchdog's scenario suite, shared by the scenario
// program (scenario_programs.cc) and the detection benchmarks. Each shape
// is a small program, by category:
//
//   shapes.cc            the story's pipeline (seed) and the classic cycles:
//                        queued_receiver, two_pools, pool_and_lock,
//                        nested_latches, channel_cycle, self_deadlock, relock
//   shapes_locks.cc      shared locks and locks held across parallel calls:
//                        shared_reentry, reader_installs, iterator_lock
//   shapes_nesting.cc    waits that help: nested_install, nested_install_buried
//   shapes_long_tasks.cc tasks that never end or block outside knot:
//                        once_reentry, once_reentry_install, spin_forever,
//                        spin_holding_lock, foreign_mutex, foreign_sleep
//   shapes_inferred.cc   deadlocks that rest on who may still act:
//                        unreceived_channel, received_then_installs, barrier
//   shapes_negative.cc   programs that finish and must leave no verdict:
//                        slow_pipeline, busy_pool, timed_waits,
//                        foreign_receiver, idle_pools, churn, late_latch,
//                        late_receiver, slow_consumer, long_computations,
//                        brief_std_mutex
//
// Positive shapes never return (they deadlock or stall); the negative ones
// finish.
#pragma once

#include <map>
#include <string>

namespace knot::scenarios {

using Shapes = std::map<std::string, void (*)()>;

const Shapes& all();

void add_classic_shapes(Shapes& shapes);
void add_lock_shapes(Shapes& shapes);
void add_nesting_shapes(Shapes& shapes);
void add_long_task_shapes(Shapes& shapes);
void add_inferred_shapes(Shapes& shapes);
void add_negative_shapes(Shapes& shapes);

}  // namespace knot::scenarios
