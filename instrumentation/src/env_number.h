// env_number(): a whole number from the environment, for the options that
// KNOT_WATCHDOG_* and KNOT_TRACE_* set (watchdog.cc, trace_api.cc).
#pragma once

#include <cerrno>
#include <cstdlib>
#include <string>

#include "knot/runtime/error.h"

namespace knot::instr::detail {

// env_number() is the value of `name` when set and not empty, else
// `fallback`. Throws knot::Error (kInvalidOption), naming the variable and
// its value, when the value is not a whole number of at least `minimum`.
inline long env_number(const char* name, long fallback, long minimum) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0')
    return fallback;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || errno != 0 || n < minimum) {
    throw Error(Errc::kInvalidOption, std::string(name) + ": '" + v +
                                          "' is not a whole number of at least " +
                                          std::to_string(minimum));
  }
  return n;
}

}  // namespace knot::instr::detail
