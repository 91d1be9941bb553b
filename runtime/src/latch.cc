#include "knot/runtime/latch.h"

#include "knot/runtime/hazard_hook.h"

#include "hazard_point.h"

#include "knot/base/check.h"
#include "knot/runtime/detail/parking_lot.h"

namespace knot {

namespace {
void describe_latch(const void* resource, ResourceFacts& facts) noexcept {
  const auto* latch = static_cast<const Latch*>(resource);
  facts.count = latch->count();
  facts.recent_counters = latch->recent_counters();
}
}  // namespace

// Out of line: its return address is the code that made the latch, the
// class of an unnamed one (hazard_hook.h).
[[gnu::noinline]] Latch::Latch(std::ptrdiff_t count, std::string name)
    : count_(count),
      name_(std::move(name)),
      class_site_(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))) {
  KNOT_CHECK(count >= 0, "Latch '%s' created with a negative count %td", name_.c_str(), count);
}

void Latch::exempt_from_hazards(std::string_view reason) const noexcept {
  detail::note_primitive(HazardOp::kExempt, this, name_, class_site_, 0, reason);
}

void Latch::count_down(std::ptrdiff_t n) noexcept {
  if (detail::hazards_on()) [[unlikely]]
    detail::note_primitive(HazardOp::kCountDown, this, name_, class_site_,
                           reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)), {},
                           &hazard_word_);
  counters_.note();  // before the release: a waiter that wakes sees it
  std::ptrdiff_t before = count_.fetch_sub(n, std::memory_order_acq_rel);
  KNOT_CHECK(before >= n, "Latch '%s' counted down below zero", name_.c_str());
  // Waiters park only while the count is non-zero (checked under the bucket
  // lock), so waking after the count reached zero cannot miss one. Only the
  // final count_down pays for the bucket lock.
  if (before == n)
    detail::unpark_all(this);
}

void Latch::wait() const {
  if (detail::hazards_on()) [[unlikely]]
    detail::note_primitive(HazardOp::kLatchWait, this, name_, class_site_,
                           reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)), {},
                           try_wait() ? nullptr : &hazard_word_);
  WaitSite site{this, WaitKind::kLatch, name_, false, &describe_latch};
  if (!try_wait())
    detail::before_blocking();
  while (!try_wait()) {
    detail::park(this, site, [&] { return !try_wait(); });
  }
}

bool Latch::wait_until_steady(std::chrono::steady_clock::time_point deadline) const noexcept {
  WaitSite site{this, WaitKind::kLatch, name_, true, &describe_latch};
  while (!try_wait()) {
    if (detail::park(
            this, site, [&] { return !try_wait(); }, &deadline) == detail::ParkResult::kTimedOut) {
      return try_wait();
    }
  }
  return true;
}

}  // namespace knot
