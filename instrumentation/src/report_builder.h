// build_report(): a knot::report::Report from a snapshot, its wait-for
// graph, a finding (or none, for an on-demand report) and the stacks.
//
// One function per section of the report (report_builder.cc): the verdict,
// the pools, the resources and their holders, the threads with their wait
// stacks and stacks, the graph; the summary, narrative and advice come
// from the Narrator (narrative.h, advice.cc).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "detector.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/report/report.h"
#include "knot/runtime/snapshot.h"
#include "process_info.h"
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
  // Long tasks: what the OS said of the task's thread (cpu, proc_state,
  // wchan); the builder adds `where` from its stack.
  const report::TaskInfo* task = nullptr;
};

report::Report build_report(const ReportContext& context);

}  // namespace knot::instr
