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
