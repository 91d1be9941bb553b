// seq_cst_fence(): a full memory fence that ThreadSanitizer understands.
//
// Dekker-style protocols (a store, then a load of another variable, on both
// sides) need a sequentially consistent fence. TSan does not model
// std::atomic_thread_fence (GCC even rejects it under -fsanitize=thread), so
// sanitizer builds use a seq_cst read-modify-write on one shared atomic
// instead: every fencing thread then synchronizes through it, which is at
// least as strong. Normal builds use the real fence.
#pragma once

#include <atomic>

namespace knot::detail {

#if defined(__SANITIZE_THREAD__)
#define KNOT_FENCE_IS_RMW 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KNOT_FENCE_IS_RMW 1
#endif
#endif

#if defined(KNOT_FENCE_IS_RMW)
inline std::atomic<unsigned> g_tsan_fence{0};
inline void seq_cst_fence() noexcept {
  g_tsan_fence.fetch_add(0, std::memory_order_seq_cst);
}
#else
inline void seq_cst_fence() noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
}
#endif

}  // namespace knot::detail
