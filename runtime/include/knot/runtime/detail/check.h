// Always-on and debug-only invariant checks.
//
// KNOT_CHECK(cond, fmt, ...) is always compiled in: on failure it prints the
// condition, the place and a printf-style message to stderr, then aborts.
// KNOT_DCHECK(cond, fmt, ...) does the same only in debug builds or when
// KNOT_DEBUG_CHECKS is defined. Neither throws: a failed check means the
// runtime's own state is corrupt, so unwinding through it would be unsafe.
#pragma once

namespace knot::detail {

[[noreturn]] void check_failed(const char* file, int line, const char* cond, const char* fmt,
                               ...) noexcept __attribute__((format(printf, 4, 5)));

}  // namespace knot::detail

#define KNOT_CHECK(cond, ...)                                               \
  do {                                                                      \
    if (__builtin_expect(!(cond), 0)) {                                     \
      ::knot::detail::check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__); \
    }                                                                       \
  } while (false)

#if !defined(NDEBUG) || defined(KNOT_DEBUG_CHECKS)
#define KNOT_DCHECK(cond, ...) KNOT_CHECK(cond, __VA_ARGS__)
#else
#define KNOT_DCHECK(cond, ...) \
  do {                         \
  } while (false && (cond))
#endif
