// build_report(): a knot::report::Report from a snapshot, its wait-for
// graph, a finding (or none, for an on-demand report) and the stacks.
//
// Speaks in the user's names: the summary is the cycle as a chain of
// labels, the narrative one sentence per edge of the cycle, and the advice
// depends on the cycle's shape (a pool behind a channel, a lock held across
// a join, a mutex locked again by a stolen task, ...).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "detector.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/report/report.h"
#include "knot/runtime/snapshot.h"
#include "wait_for_graph.h"

namespace knot::instr {

struct ReportContext {
  const RuntimeSnapshot* snapshot = nullptr;
  const WaitForGraph* graph = nullptr;
  const Finding* finding = nullptr;  // null: an on-demand report
  std::string trigger;               // interval, parking_path, signal, api, exit
  std::string id;
  std::string reason;  // on-demand: why it was asked for
  // Stacks of threads that were not parked, captured by signal, by tid.
  const std::unordered_map<std::int64_t, ThreadStack>* running_stacks = nullptr;
  Symbolizer* symbolizer = nullptr;  // null: frames keep their addresses only
};

report::Report build_report(const ReportContext& context);

// process_info() describes this process (pid, executable, arguments, start
// time, host, knot's version), read once from /proc.
const report::Process& process_info();

// utc_now_iso8601() is the current time as "2026-11-29T01:02:03.456Z".
std::string utc_now_iso8601();

}  // namespace knot::instr
