// Shared test fixtures for knot-view: the hand-written reports in data/
// and reports built in code (hostile strings, synthetic stacks).
#pragma once

#include <string>
#include <vector>

#include "knot/report/report.h"

namespace knot::view::testing {

// test_data_path() is the path of a file in tests/tools/view/data/.
std::string test_data_path(const std::string& name);

// read_file() is the whole content of `path`; throws if it cannot be read.
std::string read_file(const std::string& path);

// load_report() parses a report file of data/; throws if it does not parse.
knot::report::Report load_report(const std::string& name);

// seed_report() is data/seed_deadlock.json: the seed's cycle (thread
// 'embed' joins on pool 'global', whose 2 workers are parked sending into
// the full channel 'processed', which only 'embed' drains).
knot::report::Report seed_report();

// inferred_report() is data/inferred_deadlock.json (schema 1.1): thread
// 'collector' installs on pool 'global', whose 2 workers are parked sending
// into the full channel 'results', which only 'collector' can drain if the
// receive handle it made and never used is the only one: an inferred
// deadlock with one assumption and one inferred edge. It also has wait
// stacks ('collector': an install, the top wait; 'global-0': a join under
// its send), channel holders on every basis (used, created, shared) and an
// untracked handle, and a shared mutex 'config' that 'global-1' holds in
// shared mode while thread 'main' queues as a writer.
knot::report::Report inferred_report();

// long_task_report() is data/long_task.json (schema 1.1): worker 'io-0'
// of pool 'io' has run one task for 4.2 s, off CPU in io_schedule, while
// thread 'main' joins on the pool; no cycle.
knot::report::Report long_task_report();

// potential_report() is data/potential_deadlock.json (schema 1.2): the
// seed's cycle seen in a run that did not hang, as knot's hazard tracker
// reports it. Two dependencies, in the cycle's order: thread 'embed' waits
// for a free worker of pool 'global' while it is the receiving stage of
// channel 'processed' (basis stage), and the tasks of pool 'global' wait
// for room in channel 'processed' while they occupy its workers (basis
// worker_slot); each with a wait stack and a responsibility stack (knot
// frames, user frames, thread start). Two policies prevent it; no pools,
// threads or resources; the graph's nodes are events.
knot::report::Report potential_report();

// frame() is a symbolized frame of module "/opt/app/bin/app" (or `module`).
knot::report::Frame frame(const std::string& function, const std::string& file = "app.cc",
                          int line = 1, bool is_knot = false,
                          const std::string& module = "/opt/app/bin/app");

// thread() is a parked thread with `stack` (and a wait of `wait_seconds`
// if it is not negative).
knot::report::Thread thread(std::int64_t tid, const std::string& name,
                            std::vector<knot::report::Frame> stack, double wait_seconds = -1);

// kHostile are strings that break naive renderers: markup, script, quotes,
// terminal escapes, bidi overrides, invalid UTF-8, DOT syntax.
extern const std::vector<std::string> kHostile;

// hostile_report() is a report with every string field taken from kHostile.
knot::report::Report hostile_report();

}  // namespace knot::view::testing
