#include "knot/runtime/observer.h"

#include <atomic>

namespace knot {

namespace {
std::atomic<Observer*> g_observer{nullptr};
}

Observer* set_observer(Observer* observer) noexcept {
  return g_observer.exchange(observer, std::memory_order_acq_rel);
}

namespace {
std::atomic<WaitStackHook> g_stack_hook{nullptr};
}

WaitStackHook set_wait_stack_hook(WaitStackHook hook) noexcept {
  return g_stack_hook.exchange(hook, std::memory_order_acq_rel);
}

namespace {
std::atomic<PoolStuckHook> g_pool_stuck_hook{nullptr};
}

PoolStuckHook set_pool_stuck_hook(PoolStuckHook hook) noexcept {
  return g_pool_stuck_hook.exchange(hook, std::memory_order_acq_rel);
}

namespace detail {
WaitStackHook wait_stack_hook() noexcept {
  return g_stack_hook.load(std::memory_order_acquire);
}
PoolStuckHook pool_stuck_hook() noexcept {
  return g_pool_stuck_hook.load(std::memory_order_acquire);
}
}  // namespace detail

Observer* observer() noexcept {
  // Acquire: the observer's construction happens-before its first callback.
  return g_observer.load(std::memory_order_acquire);
}

std::string_view to_string(WaitKind kind) noexcept {
  switch (kind) {
    case WaitKind::kJoin:
      return "join";
    case WaitKind::kInstall:
      return "install";
    case WaitKind::kLatch:
      return "latch";
    case WaitKind::kChannelSend:
      return "channel_send";
    case WaitKind::kChannelRecv:
      return "channel_recv";
    case WaitKind::kMutex:
      return "mutex";
    case WaitKind::kSharedMutex:
      return "shared_mutex";
    case WaitKind::kBlockingRegion:
      return "blocking_region";
    case WaitKind::kPoolShutdown:
      return "pool_shutdown";
    case WaitKind::kScope:
      return "scope";
  }
  return "unknown";
}

}  // namespace knot
