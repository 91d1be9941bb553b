// Fiber and FiberStacks (fiber.h); the protocol is in README.md.

#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <new>
#include <utility>

#include "../registry.h"
#include "../thread_record.h"
#include "fiber_pool.h"

#include "knot/base/sanitizers.h"

#ifdef KNOT_UNDER_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#ifdef KNOT_UNDER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace knot::detail {

namespace ctx = boost::context;

// ============================================================================
// FiberStacks
// ============================================================================

namespace {

std::size_t page_size() {
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<std::size_t>(page) : 4096;
}

// StackAllocator is Boost.Context's view of a FiberStacks: the fiber's
// record lives at the top of the stack, and Boost calls deallocate() when
// the fiber finishes.
struct StackAllocator {
  FiberStacks* stacks;
  void** bottom;
  std::size_t* size;
  ctx::stack_context allocate() {
    ctx::stack_context s = stacks->allocate();
    *bottom = static_cast<char*>(s.sp) - s.size;
    *size = s.size;
    return s;
  }
  void deallocate(ctx::stack_context& s) noexcept { stacks->deallocate(s); }
};

}  // namespace

FiberStacks::FiberStacks(std::size_t stack_size) : page_(page_size()) {
  const std::size_t min = 4 * page_;
  size_ = (std::max(stack_size, min) + page_ - 1) / page_ * page_;
}

// unmap() returns a stack's pages. Under AddressSanitizer their shadow is
// cleared first: the poison of the last fiber's frames would otherwise
// outlive the mapping, and memory that mmap later hands out at the same
// addresses (a malloc of a large buffer) would be reported as a stack
// underflow.
void FiberStacks::unmap(void* base) const noexcept {
#ifdef KNOT_UNDER_ASAN
  __asan_unpoison_memory_region(static_cast<char*>(base) + page_, size_);
#endif
  ::munmap(base, size_ + page_);
}

FiberStacks::~FiberStacks() {
  for (void* base : free_)
    unmap(base);
}

ctx::stack_context FiberStacks::allocate() {
  void* base = nullptr;
  {
    base::InternalLock lock(mutex_);
    if (!free_.empty()) {
      base = free_.back();
      free_.pop_back();
    }
  }
  if (base == nullptr) {
    base = ::mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
      throw std::bad_alloc();
    // The guard page: the stack grows down into it and faults.
    if (::mprotect(base, page_, PROT_NONE) != 0) {
      ::munmap(base, size_ + page_);
      throw std::bad_alloc();
    }
  }
  ctx::stack_context s;
  s.size = size_;
  s.sp = static_cast<char*>(base) + page_ + size_;
#ifdef KNOT_UNDER_ASAN
  // A reused stack may still carry the poison of its last fiber's frames.
  __asan_unpoison_memory_region(static_cast<char*>(base) + page_, size_);
#endif
  return s;
}

void FiberStacks::deallocate(ctx::stack_context& s) noexcept {
  void* base = static_cast<char*>(s.sp) - s.size - page_;
  base::InternalLock lock(mutex_);
  try {
    free_.push_back(base);
  } catch (const std::bad_alloc&) {
    unmap(base);
  }
}

// ============================================================================
// Fiber
// ============================================================================

namespace {
// Fibers constructed and not yet destroyed. Relaxed: a count, read by a
// leak check after the pools that made the fibers were destroyed.
std::atomic<std::size_t> g_live_fibers{0};
}  // namespace

std::size_t Fiber::num_live() noexcept {
  return g_live_fibers.load(std::memory_order_relaxed);
}

Fiber::Fiber(Registry* registry, FiberStacks& stacks, Body body)
    : resume_job(this),
      registry_(registry),
      body_(body),
      record_(ThreadRecord::create_fiber_record(registry)) {
  try {
    context_ = ctx::fiber(std::allocator_arg, StackAllocator{&stacks, &stack_bottom_, &stack_size_},
                          [this](ctx::fiber&& scheduler) { return entry(std::move(scheduler)); });
  } catch (...) {
    ThreadRecord::destroy_fiber_record(record_);
    throw;
  }
#ifdef KNOT_UNDER_TSAN
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
  g_live_fibers.fetch_add(1, std::memory_order_relaxed);
}

Fiber::~Fiber() {
  // A fiber is destroyed only after quit(): its context is empty and its
  // stack went back to the pool.
#ifdef KNOT_UNDER_TSAN
  if (tsan_fiber_ != nullptr)
    __tsan_destroy_fiber(tsan_fiber_);
#endif
  ThreadRecord::destroy_fiber_record(record_);
  g_live_fibers.fetch_sub(1, std::memory_order_relaxed);
}

Fiber::Exit Fiber::resume() noexcept {
#ifdef KNOT_UNDER_TSAN
  resumer_tsan_fiber_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
#ifdef KNOT_UNDER_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, stack_bottom_, stack_size_);
#endif
  context_ = std::move(context_).resume();
#ifdef KNOT_UNDER_TSAN
  if (exit_ == Exit::kQuit)  // the fiber ended without switching back (entry())
    __tsan_switch_to_fiber(resumer_tsan_fiber_, 0);
#endif
#ifdef KNOT_UNDER_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  return exit_;
}

void Fiber::quit() noexcept {
  quit_ = true;
  job = {};
  resume();
}

inline void Fiber::switch_to_scheduler(Exit why) noexcept {
  exit_ = why;
#ifdef KNOT_UNDER_TSAN
  __tsan_switch_to_fiber(resumer_tsan_fiber_, 0);
#endif
#ifdef KNOT_UNDER_ASAN
  __sanitizer_start_switch_fiber(&fake_stack_, resumer_stack_bottom_, resumer_stack_size_);
#endif
  scheduler_ = std::move(scheduler_).resume();
#ifdef KNOT_UNDER_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_, &resumer_stack_bottom_, &resumer_stack_size_);
#endif
}

void Fiber::suspend() noexcept {
  FiberPool* pool = registry_->fibers();
  pool->suspending(true);
  switch_to_scheduler(Exit::kSuspended);
  pool->suspending(false);
}

ctx::fiber Fiber::entry(ctx::fiber&& scheduler) {
#ifdef KNOT_UNDER_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &resumer_stack_bottom_, &resumer_stack_size_);
#endif
  scheduler_ = std::move(scheduler);
  while (!quit_) {
    body_(*this);
    switch_to_scheduler(Exit::kDone);
  }
  exit_ = Exit::kQuit;
  // No __tsan_switch_to_fiber here: this function and the lambda around it
  // still leave their frames in ThreadSanitizer's shadow stack of this
  // fiber, which would pop the resumer's frames instead. resume() switches
  // ThreadSanitizer back once it is on the resumer's stack.
#ifdef KNOT_UNDER_ASAN
  // nullptr: this stack's frames are gone for good.
  __sanitizer_start_switch_fiber(nullptr, resumer_stack_bottom_, resumer_stack_size_);
#endif
  return std::move(scheduler_);
}

}  // namespace knot::detail
