#include "knot/instrumentation/instrumentation.h"

#include <atomic>
#include <cstdint>

#include "knot/instrumentation/stack_capture.h"
#include "knot/runtime/observer.h"

namespace knot::instr {

namespace {

std::atomic<bool> g_enabled{false};

// The wait-site stack hook: runs on the parking path of the thread that
// parks. skip = 1 drops this function's own frame, so the stack starts in
// the runtime's parking code, followed by the user's frames.
std::size_t record_wait_stack(std::uintptr_t* pcs, std::size_t max) noexcept {
  return capture_current(pcs, max, 1);
}

}  // namespace

void enable(const InstrumentationOptions& options) {
  // libunwind initializes itself on first use, with an unsynchronized
  // "done" check. Unwinding once here, before the hook is published (the
  // release in set_wait_stack_hook), orders that initialization before
  // every parking thread's first unwind.
  std::uintptr_t warm[4];
  (void)capture_current(warm, 4);
  set_wait_stack_hook(options.wait_site_stacks ? &record_wait_stack : nullptr);
  g_enabled.store(true, std::memory_order_release);
}

void disable() {
  set_wait_stack_hook(nullptr);
  g_enabled.store(false, std::memory_order_release);
}

bool is_enabled() noexcept {
  return g_enabled.load(std::memory_order_acquire);
}

}  // namespace knot::instr
