// ProgressPrinter (progress.h).
#include "progress.h"

#include <algorithm>
#include <utility>

namespace knot::pipeline::detail {

namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, bool is_terminal,
                                 std::chrono::milliseconds plain_interval,
                                 std::function<std::size_t()> columns)
    : out_(out),
      is_terminal_(is_terminal),
      plain_interval_(plain_interval),
      columns_(std::move(columns)) {}

std::string ProgressPrinter::fit_line(std::string_view line, std::size_t columns) {
  const std::size_t limit = columns > 1 ? columns - 1 : 1;
  std::size_t num_code_points = 0;
  for (char c : line) {
    num_code_points += is_continuation_byte(c) ? 0 : 1;
  }
  if (num_code_points <= limit) {
    return std::string(line);
  }
  // Keep limit - 1 code points and the ellipsis.
  std::size_t kept = 0;
  std::size_t end = 0;
  while (end < line.size()) {
    if (!is_continuation_byte(line[end]) && kept++ == limit - 1) {
      break;
    }
    ++end;
  }
  return std::string(line.substr(0, end)) + "\u2026";
}

std::string ProgressPrinter::format(const ReprocessProgress& p) {
  double seconds = p.elapsed.count();
  double rate = seconds > 0 ? static_cast<double>(p.written) / seconds : 0.0;
  char head[160];
  std::snprintf(head, sizeof head, "%lld/%lld items written, %.1f items/s, %lld embedded",
                static_cast<long long>(p.written), static_cast<long long>(p.total), rate,
                static_cast<long long>(p.embedded));
  std::string text = head;
  for (const PoolOccupancy& pool : p.pools) {
    char part[160];
    std::snprintf(part, sizeof part, " | pool %s: %zu run %zu park %zu idle", pool.name.c_str(),
                  pool.running, pool.parked, pool.idle);
    text += part;
    if (pool.spares > 0) {
      std::snprintf(part, sizeof part, " (%zu spare%s)", pool.spares, pool.spares == 1 ? "" : "s");
      text += part;
    }
    if (pool.suspended > 0) {
      std::snprintf(part, sizeof part, " %zu suspended", pool.suspended);
      text += part;
    }
  }
  for (const ChannelFill& ch : p.channels) {
    char part[80];
    std::snprintf(part, sizeof part, " | %s %zu/%zu", ch.name.c_str(), ch.size, ch.capacity);
    text += part;
  }
  return text;
}

void ProgressPrinter::operator()(const ReprocessProgress& p) {
  std::string text = format(p);
  if (is_terminal_) {
    constexpr int kWidth = 24;
    double done = p.total > 0 ? static_cast<double>(p.written) / static_cast<double>(p.total) : 1.0;
    int filled = std::clamp(static_cast<int>(done * kWidth), 0, kWidth);
    std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                      std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] ";
    const std::size_t columns = columns_ ? columns_() : kDefaultColumns;
    const std::string line = fit_line(bar + text, columns);
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    std::fflush(out_);
    has_drawn_ = true;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (has_drawn_ && now - last_plain_ < plain_interval_ && p.written < p.total) {
    return;
  }
  last_plain_ = now;
  has_drawn_ = true;
  std::fprintf(out_, "progress: %s\n", text.c_str());
  std::fflush(out_);
}

void ProgressPrinter::finish() {
  if (is_terminal_ && has_drawn_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
    has_drawn_ = false;  // a second finish() adds no empty line
  }
}

}  // namespace knot::pipeline::detail
