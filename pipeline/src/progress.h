// ProgressPrinter: reprocess's progress on stderr. On a terminal, one line
// redrawn in place (a bar, items done and per second, each pool's workers
// running/parked, each channel's fill); otherwise a plain line at most every
// `plain_interval`, for logs.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "knot/pipeline/reprocess.h"

namespace knot::pipeline::detail {

class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool is_terminal,
                  std::chrono::milliseconds plain_interval = std::chrono::seconds(2));

  // operator() prints one update (called from reprocess's progress thread).
  void operator()(const ReprocessProgress& progress);
  // finish() ends the terminal line.
  void finish();

  // format() is the text of one update, without bar or line ending.
  static std::string format(const ReprocessProgress& progress);

 private:
  std::FILE* out_;
  bool is_terminal_;
  std::chrono::milliseconds plain_interval_;
  std::chrono::steady_clock::time_point last_plain_{};
  bool has_drawn_ = false;
};

}  // namespace knot::pipeline::detail
