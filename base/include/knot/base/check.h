// Always-on and debug-only invariant checks, for every layer.
//
// KNOT_CHECK(cond, fmt, ...) is always compiled in: on failure it prints the
// condition, the place and a printf-style message to stderr, then aborts.
// KNOT_DCHECK(cond, fmt, ...) does the same only in debug builds or when
// KNOT_DEBUG_CHECKS is defined. Neither throws: a failed check means the
// program's own state is corrupt, so unwinding through it would be unsafe.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace knot::base {

// check_failed() is the cold end of a failed check. `inline` in the ODR
// sense (the base library has no object file of its own); a variadic
// function is never inlined into its callers, so the checks stay small.
[[noreturn, gnu::cold]] inline void check_failed(const char* file, int line, const char* cond,
                                                 const char* fmt, ...) noexcept
    __attribute__((format(printf, 4, 5)));

inline void check_failed(const char* file, int line, const char* cond, const char* fmt,
                         ...) noexcept {
  std::fprintf(stderr, "knot: check failed at %s:%d: %s: ", file, line, cond);
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace knot::base

#define KNOT_CHECK(cond, ...)                                             \
  do {                                                                    \
    if (__builtin_expect(!(cond), 0)) {                                   \
      ::knot::base::check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__); \
    }                                                                     \
  } while (false)

#if !defined(NDEBUG) || defined(KNOT_DEBUG_CHECKS)
#define KNOT_DCHECK(cond, ...) KNOT_CHECK(cond, __VA_ARGS__)
#else
#define KNOT_DCHECK(cond, ...) \
  do {                         \
  } while (false && (cond))
#endif
