// StackCapture's options (the signal and the limits) and its thin public face
// over capture_collector.cc, which does the work (README.md).
#include "knot/instrumentation/stack_capture.h"

#include <signal.h>

#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "capture_collector.h"
#include "knot/runtime/error.h"
#include "signal_name.h"

namespace knot::instr {

std::optional<int> parse_signal(std::string_view text) {
  auto number = [](std::string_view digits) -> std::optional<int> {
    int value = 0;
    const auto* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc() || ptr != end)
      return std::nullopt;
    return value;
  };
  struct Named {
    std::string_view name;
    int base;
    char sign;  // the direction an offset may go
  };
  if (text.starts_with("SIG"))
    text.remove_prefix(3);
  for (const Named& n : {Named{"RTMIN", SIGRTMIN, '+'}, Named{"RTMAX", SIGRTMAX, '-'}}) {
    if (!text.starts_with(n.name))
      continue;
    text.remove_prefix(n.name.size());
    if (text.empty())
      return n.base;
    if (text.front() != n.sign)
      return std::nullopt;
    auto offset = number(text.substr(1));
    if (!offset)
      return std::nullopt;
    return n.sign == '+' ? n.base + *offset : n.base - *offset;
  }
  return number(text);
}

namespace {

int resolve_signal(int requested) {
  int signal = requested;
  if (signal == 0) {
    signal = SIGRTMIN + 3;
    if (const char* env = std::getenv("KNOT_STACK_SIGNAL"); env != nullptr && *env != '\0') {
      auto parsed = parse_signal(env);
      if (!parsed) {
        throw Error(Errc::kInvalidOption,
                    std::string("KNOT_STACK_SIGNAL: cannot read '") + env + "' as a signal");
      }
      signal = *parsed;
    }
  }
  if (signal < SIGRTMIN || signal > SIGRTMAX) {
    throw Error(Errc::kInvalidOption,
                "stack capture: signal " + std::to_string(signal) + " is not a real-time signal (" +
                    std::to_string(SIGRTMIN) + ".." + std::to_string(SIGRTMAX) + ")");
  }
  return signal;
}

}  // namespace

const char* to_string(CaptureStatus status) noexcept {
  switch (status) {
    case CaptureStatus::kCaptured:
      return "captured";
    case CaptureStatus::kUnresponsive:
      return "unresponsive";
    case CaptureStatus::kExited:
      return "exited";
    case CaptureStatus::kSkipped:
      return "skipped";
    case CaptureStatus::kFailed:
      return "failed";
  }
  return "?";
}

StackCapture::StackCapture() : StackCapture(Options{}) {}

StackCapture::StackCapture(Options options) : options_(options) {
  if (options_.timeout.count() < 0)
    throw Error(Errc::kInvalidOption, "stack capture: negative timeout");
  if (options_.max_frames == 0 || options_.max_frames > kMaxStackFrames) {
    throw Error(Errc::kInvalidOption,
                "stack capture: max_frames must be in 1.." + std::to_string(kMaxStackFrames));
  }
  if (options_.max_threads == 0 || options_.max_threads > kMaxCaptureThreads) {
    throw Error(Errc::kInvalidOption,
                "stack capture: max_threads must be in 1.." + std::to_string(kMaxCaptureThreads));
  }
  options_.signal = resolve_signal(options_.signal);
  detail::acquire_signal(options_.signal);
}

StackCapture::~StackCapture() {
  detail::release_signal();
}

std::vector<ThreadStack> StackCapture::capture(std::span<const std::int64_t> tids) {
  std::vector<ThreadStack> out(tids.size());
  const detail::CaptureParams params{
      .signal = options_.signal,
      .timeout = options_.timeout,
      .max_frames = options_.max_frames,
      .max_threads = options_.max_threads,
  };
  detail::capture_threads(params, tids, out);
  return out;
}

}  // namespace knot::instr
