// Clang thread-safety annotations (no-ops elsewhere).
//
// Lock-guarded members are declared KNOT_GUARDED_BY(lock); functions that
// need a lock held say KNOT_REQUIRES(lock), ones that take it KNOT_EXCLUDES.
#pragma once

#if defined(__clang__)
#define KNOT_TSA(x) __attribute__((x))
#else
#define KNOT_TSA(x)
#endif

#define KNOT_CAPABILITY(x) KNOT_TSA(capability(x))
#define KNOT_SCOPED_CAPABILITY KNOT_TSA(scoped_lockable)
#define KNOT_GUARDED_BY(x) KNOT_TSA(guarded_by(x))
#define KNOT_PT_GUARDED_BY(x) KNOT_TSA(pt_guarded_by(x))
#define KNOT_REQUIRES(...) KNOT_TSA(requires_capability(__VA_ARGS__))
#define KNOT_REQUIRES_SHARED(...) KNOT_TSA(requires_shared_capability(__VA_ARGS__))
#define KNOT_ACQUIRE(...) KNOT_TSA(acquire_capability(__VA_ARGS__))
#define KNOT_ACQUIRE_SHARED(...) KNOT_TSA(acquire_shared_capability(__VA_ARGS__))
#define KNOT_RELEASE(...) KNOT_TSA(release_capability(__VA_ARGS__))
#define KNOT_RELEASE_SHARED(...) KNOT_TSA(release_shared_capability(__VA_ARGS__))
#define KNOT_TRY_ACQUIRE(...) KNOT_TSA(try_acquire_capability(__VA_ARGS__))
#define KNOT_TRY_ACQUIRE_SHARED(...) KNOT_TSA(try_acquire_shared_capability(__VA_ARGS__))
#define KNOT_EXCLUDES(...) KNOT_TSA(locks_excluded(__VA_ARGS__))
#define KNOT_NO_THREAD_SAFETY_ANALYSIS KNOT_TSA(no_thread_safety_analysis)
