// What a thread is doing besides its one wait, in words (schema 1.1): its
// helping waits (the wait stack), the task it runs and since when, and
// the mutexes it holds. Every function returns raw text built from the
// report; the caller escapes it (escape.h). Reports older than 1.1 have
// none of these facts, and the functions then say nothing. Private to
// knot::view.
#pragma once

#include <string>
#include <vector>

#include "knot/report/report.h"
#include "report_index.h"

namespace knot::view::detail {

// wait_frame_phrase() is one helping wait: "helping in install on pool
// 'inner' for 1.2 s (the top wait), awaiting its closure in pool 'inner',
// running on thread 'inner-0'". "the top wait": no task runs above it, so
// it is what the thread waits for now; "isolated": it runs only the tasks
// of its own wait.
std::string wait_frame_phrase(const knot::report::WaitFrame& frame, const ReportIndex& index);

// top_first() is the wait stack innermost (top) first, the order in which
// the renderers show it (the report lists it bottom first), as stacks of
// frames are shown innermost first.
std::vector<const knot::report::WaitFrame*> top_first(
    const std::vector<knot::report::WaitFrame>& wait_stack);

// task_phrase() is the task a thread runs: "running a task for at least
// 3.4 s: off CPU, state D, in the kernel's io_schedule, innermost
// function app::load(…)"; with a fiber task, which one.
std::string task_phrase(const knot::report::TaskInfo& task, const ReportIndex& index);

// holds_phrases() are the mutexes a thread holds: "holds mutex 'state'",
// "holds in shared mode shared mutex 'config'"; none when it holds nothing.
std::vector<std::string> holds_phrases(const knot::report::Thread& thread,
                                       const ReportIndex& index);

// has_thread_facts() is true when a thread has any of the facts above.
bool has_thread_facts(const knot::report::Thread& thread);

}  // namespace knot::view::detail
