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

#include "knot/base/sanitizers.h"

namespace knot::detail {

#if defined(KNOT_UNDER_TSAN)
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
