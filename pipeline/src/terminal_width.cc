// terminal_width() (terminal_width.h).
#include "terminal_width.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <string_view>

namespace knot::pipeline::detail {

namespace {

// kMaxColumns bounds a $COLUMNS value: larger ones are taken as a mistake.
constexpr std::size_t kMaxColumns = 10000;

}  // namespace

std::optional<std::size_t> terminal_width(int fd, const char* columns_env) {
  winsize size{};
  if (::isatty(fd) == 1 && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  if (columns_env == nullptr) {
    return std::nullopt;
  }
  const std::string_view text(columns_env);
  std::size_t columns = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), columns);
  if (ec != std::errc() || end != text.data() + text.size() || columns == 0 ||
      columns > kMaxColumns) {
    return std::nullopt;
  }
  return columns;
}

}  // namespace knot::pipeline::detail
