// knot::Error: the exception the runtime throws for configuration and
// resource failures at its API boundaries.
//
//   Errc         the knot error codes
//   Error        std::system_error with the knot category (or a system one)
//
// Programming errors never throw: they fail a KNOT_CHECK and abort. User
// exceptions thrown by tasks are not wrapped: they reach the joiner as they
// were thrown.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <string>
#include <system_error>

namespace knot {

// Errc lists the failures a knot API can report.
enum class Errc {
  kShutDown = 1,    // the pool is shutting down and takes no more work from outside
  kNotSupported,    // an option that this build or version does not implement
  kInvalidOption,   // an option value out of range (e.g. a channel capacity of 0)
  kThreadCreation,  // the OS refused to create a worker thread
  kSpareLimit,      // kCompensate with AtSpareLimit::kFail: a wait found every spare in use
};

// error_category() is the category of Errc values; its name() is "knot".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// Error is thrown by knot APIs on configuration and resource failures.
class Error : public std::system_error {
 public:
  Error(Errc code, const std::string& what) : std::system_error(make_error_code(code), what) {}
  Error(std::error_code code, const std::string& what) : std::system_error(code, what) {}
};

}  // namespace knot

template <>
struct std::is_error_code_enum<knot::Errc> : std::true_type {};
