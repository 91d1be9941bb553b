// The thread numbers PerThread<T> keys its values by (per_thread.h).
#include "knot/runtime/per_thread.h"

namespace knot::detail {

// Out of line, and not inlined here either: a caller must read the number
// of the thread it runs on now, also after a fiber task migrated.
[[gnu::noinline]] std::uint64_t this_thread_number() noexcept {
  static std::atomic<std::uint64_t> next{1};
  thread_local const std::uint64_t number = next.fetch_add(1, std::memory_order_relaxed);
  return number;
}

}  // namespace knot::detail
