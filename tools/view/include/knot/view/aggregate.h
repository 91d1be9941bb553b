// Grouping threads by their stacks, as Go's panicparse buckets goroutines:
// a report of two hundred threads reads as the three or four different
// things they are doing.
//
//   Similarity          how alike two stacks must be to share a bucket
//   Bucket              threads with alike stacks, and what they share
//   aggregate()         threads to buckets
//   parse_similarity()  "user" / "exact" / "functions" / "top" to a Similarity
//
// Pure functions of their input: no I/O, no global state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knot/report/report.h"

namespace knot::view {

// Similarity is the grouping level. knot-view groups by kSameUserFrames
// unless told otherwise.
enum class Similarity {
  // Same user frames: the frames that are neither knot's own nor the
  // system's (detail::classify_frame(): the C and C++ runtime, thread
  // start), with their modules, functions, files and lines. knot's frames
  // between them may differ (a deeper parallel_for split, another kind of
  // wait), so every worker that waits at one line of the user's code
  // shares a group. Threads without a user frame (idle workers, knot's
  // own threads) group only with identical stacks, as kExact.
  kSameUserFrames,
  // Same frames: module, function, file and line (module and offset for
  // frames without a function).
  kExact,
  // Same sequence of functions (module and offset without one); the lines
  // may differ, so threads parked at two call sites of one function merge.
  kSameFunctions,
  // Same top frame: the innermost frame that is not knot's own (the
  // user's function where the thread waits or runs, or a system one).
  // Threads whose frames are all knot's group by their innermost frame.
  kSameTopFrame,
};

// parse_similarity() reads a level's command-line name: "user", "exact",
// "functions" or "top"; nullopt for anything else.
std::optional<Similarity> parse_similarity(std::string_view name);

// similarity_name() is the command-line name of `level`.
std::string_view similarity_name(Similarity level);

// Bucket is one group of threads.
struct Bucket {
  // The stack of the bucket's first thread, standing for all of them.
  std::vector<knot::report::Frame> stack;
  // Indices into aggregate()'s input, ascending.
  std::vector<std::size_t> threads;
  // The distinct thread states, in order of first appearance.
  std::vector<std::string> states;
  // The shortest and longest wait among the threads that wait; absent
  // when none does.
  std::optional<double> min_wait_seconds;
  std::optional<double> max_wait_seconds;
};

// aggregate() groups `threads` into buckets of alike stacks under `level`.
// Threads without a stack share one bucket. Buckets come largest first,
// ties in order of their first thread. Linear in the total number of
// frames (one hash per stack).
std::vector<Bucket> aggregate(const std::vector<knot::report::Thread>& threads, Similarity level);

}  // namespace knot::view
