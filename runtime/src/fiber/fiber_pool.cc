// FiberPool (fiber_pool.h): fibers made and reused, and the ready list.

#include "fiber_pool.h"

#include <new>

#include "../registry.h"
#include "../worker.h"
#include "knot/base/check.h"

namespace knot::detail {

FiberPool::FiberPool(Registry& registry, std::size_t stack_size)
    : registry_(registry), stacks_(stack_size) {}

FiberPool::~FiberPool() {
  base::InternalLock lock(fibers_mutex_);
  KNOT_CHECK(fibers_.empty(), "%zu fibers of pool '%s' were never ended", fibers_.size(),
             registry_.name().c_str());
}

Fiber* FiberPool::take() noexcept {
  base::InternalLock lock(fibers_mutex_);
  if (!free_.empty()) {
    Fiber* f = free_.back();
    free_.pop_back();
    return f;
  }
  try {
    fibers_.reserve(fibers_.size() + 1);
    free_.reserve(fibers_.size() + 1);  // give_back() never allocates
    fibers_.push_back(std::make_unique<Fiber>(&registry_, stacks_, &Worker::fiber_body));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return fibers_.back().get();
}

void FiberPool::give_back(Fiber* f) noexcept {
  base::InternalLock lock(fibers_mutex_);
  free_.push_back(f);
}

void FiberPool::quit_all() noexcept {
  base::InternalLock lock(fibers_mutex_);
  for (auto& fiber : fibers_)
    fiber->quit();
  fibers_.clear();
  free_.clear();
}

std::size_t FiberPool::num_fibers() const noexcept {
  base::InternalLock lock(fibers_mutex_);
  return fibers_.size();
}

void FiberPool::push_ready(Fiber* f) noexcept {
  {
    base::InternalLock lock(ready_mutex_);
    f->next = nullptr;
    (ready_tail_ != nullptr ? ready_tail_->next : ready_head_) = f;
    ready_tail_ = f;
    num_ready_.fetch_add(1, std::memory_order_seq_cst);
  }
  registry_.sleep().new_injected_job();
}

Item FiberPool::pop_ready() noexcept {
  if (num_ready_.load(std::memory_order_relaxed) == 0)
    return {};
  base::InternalLock lock(ready_mutex_);
  Fiber* f = ready_head_;
  if (f == nullptr)
    return {};
  ready_head_ = f->next;
  if (ready_head_ == nullptr)
    ready_tail_ = nullptr;
  num_ready_.fetch_sub(1, std::memory_order_relaxed);
  return Item{&f->resume_job, 0};
}

}  // namespace knot::detail
