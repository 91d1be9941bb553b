// run_cli(): knot-embed's command line (ingest, reprocess, search, stats).
//
// Exit codes: 0 success; 1 a failure while running (locked, full or damaged
// database, unreadable input); 2 a usage error, a missing database, or an
// option this build does not support (--policy fiber); 3 the
// watchdog proved a deadlock (or pool exhaustion) during reprocess.
#pragma once

namespace knot::pipeline {

// run_cli() parses argv and runs the command; returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace knot::pipeline
