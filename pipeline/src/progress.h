// ProgressPrinter: reprocess's progress on stderr. On a terminal, one line
// redrawn in place (a bar, items done and per second, each pool's workers
// running/parked, each channel's fill), cut to the terminal's width so that
// a redraw never wraps onto a new line; otherwise a plain line at most every
// `plain_interval`, for logs, never cut.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "knot/pipeline/reprocess.h"

namespace knot::pipeline::detail {

class ProgressPrinter {
 public:
  // `columns` is asked before each redraw on a terminal (the window may
  // have been resized); without it the line is cut for kDefaultColumns.
  ProgressPrinter(std::FILE* out, bool is_terminal,
                  std::chrono::milliseconds plain_interval = std::chrono::seconds(2),
                  std::function<std::size_t()> columns = {});

  // kDefaultColumns is the width assumed for a terminal that does not say.
  static constexpr std::size_t kDefaultColumns = 80;

  // operator() prints one update (called from reprocess's progress thread).
  void operator()(const ReprocessProgress& progress);
  // finish() ends the terminal line.
  void finish();

  // format() is the text of one update, without bar or line ending.
  static std::string format(const ReprocessProgress& progress);

  // fit_line() cuts `line` to at most `columns` - 1 code points (one column
  // stays free, so that the cursor never reaches the margin), ending it with
  // "…" when cut; never splits a UTF-8 sequence.
  static std::string fit_line(std::string_view line, std::size_t columns);

 private:
  std::FILE* out_;
  bool is_terminal_;
  std::chrono::milliseconds plain_interval_;
  std::function<std::size_t()> columns_;
  std::chrono::steady_clock::time_point last_plain_{};
  bool has_drawn_ = false;
};

}  // namespace knot::pipeline::detail
