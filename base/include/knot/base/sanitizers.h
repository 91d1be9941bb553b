// Which sanitizer this translation unit is built with, once for every
// layer: GCC says so with __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__, Clang
// with __has_feature.
//
//   KNOT_UNDER_ASAN, KNOT_UNDER_TSAN    defined (as 1) under that sanitizer
//   kUnderAddressSanitizer, kUnderThreadSanitizer   the same, as constants
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define KNOT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KNOT_UNDER_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define KNOT_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KNOT_UNDER_TSAN 1
#endif
#endif

namespace knot::base {

#ifdef KNOT_UNDER_ASAN
inline constexpr bool kUnderAddressSanitizer = true;
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif

#ifdef KNOT_UNDER_TSAN
inline constexpr bool kUnderThreadSanitizer = true;
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif

}  // namespace knot::base
