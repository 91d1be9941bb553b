// find_cycles(): the potential deadlocks in what the tracker recorded
// (docs/hazards.md, "The analysis").
//
// The graph's nodes are events of classes; an edge E -> W says that E
// cannot happen while W has not. Besides the recorded edges it adds the
// pool-level ones: when only the tasks of one pool use a side of a
// channel (or count a latch down), that event needs a free worker of the
// pool. Every elementary cycle is a candidate; a candidate is dropped when
// its conditions cannot hold at once (a channel full and empty), when it
// is made of messages alone (the messages circulate: one is always on its
// way), when a pool-level edge stands for something the waiting tasks
// already did (a request sent before waiting for its reply), and put
// aside as silenced when a class on it is exempt.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hazard_model.h"

namespace knot::instr::hazards {

struct CycleEdge {
  EdgeRecord record{};  // for a pool-level edge: made by the analysis
};

struct Cycle {
  std::vector<CycleEdge> edges;  // edges[i].record.awaited == edges[i+1].record.blocked
  std::string key;               // the same for every rotation of the cycle
  std::string exempt_reason;     // non-empty: silenced by exempt_from_hazards()
};

// find_cycles() returns the cycles, silenced ones included (at most
// `max_cycles`, shortest first).
std::vector<Cycle> find_cycles(const Recorded& rec, std::size_t max_cycles = 64);

}  // namespace knot::instr::hazards
