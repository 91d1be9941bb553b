// WsDeque: the Chase-Lev work-stealing deque of one worker.
//
// The owner pushes and pops at the bottom (LIFO, cache-warm); thieves steal
// from the top (FIFO, the oldest and usually largest pieces). Lock-free, no
// allocation except when the ring grows (doubling; the old rings are kept
// until the deque dies, because a slow thief may still read one).
//
// Memory orders follow Lê, Pop, Cohen, Zappa Nardelli, "Correct and Efficient
// Work-Stealing for Weak Memory Models", PPoPP 2013, with one change: the
// release fence before the owner's bottom store becomes a release store, and
// the thief's loads are acquire, which is equivalent here and is what
// ThreadSanitizer understands (it does not model fences; seq_cst_fence()
// in detail/fence.h covers the two seq_cst fences).
//
// Each slot also carries the job's isolation tag, so that a thief can refuse
// a job of another isolation region before it takes it (see isolate.h):
// reading the tag from the job itself could touch a job that another thread
// is finishing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "knot/runtime/detail/fence.h"
#include "knot/runtime/detail/job.h"

namespace knot::detail {

// Item is one entry: a job and the isolation tag it was pushed under.
struct Item {
  Job* job = nullptr;
  std::uint64_t tag = 0;
  bool is_injected = false;  // taken from the injector: counted in Registry::pending_
  explicit operator bool() const noexcept { return job != nullptr; }
};

class WsDeque {
 public:
  explicit WsDeque(std::size_t capacity = 256) : ring_(new Ring(capacity)) {
    rings_.emplace_back(ring_.load(std::memory_order_relaxed));
  }
  WsDeque(const WsDeque&) = delete;
  WsDeque& operator=(const WsDeque&) = delete;

  // Owner-only. push() adds `job` at the bottom.
  void push(Job* job, std::uint64_t tag) noexcept {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    Ring* ring = ring_.load(std::memory_order_relaxed);
    // top only grows, so a stale copy over-states the size: read the shared
    // line (which thieves write) only when the copy says the ring is full.
    if (b - top_cache_ > ring->mask) [[unlikely]] {
      push_past_cache(job, tag);
      return;
    }
    ring->put(b, job, tag);
    // Release: the job's contents and the slot happen-before a thief's
    // acquire load of bottom that sees b + 1.
    bottom_.store(b + 1, std::memory_order_release);
  }

  // Owner-only. pop() takes the bottom item, or returns an empty item.
  Item pop() noexcept {
    std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Ring* ring = ring_.load(std::memory_order_relaxed);
    bottom_.store(b, std::memory_order_relaxed);
    // Dekker with steal(): either the thief sees the smaller bottom or we
    // see its larger top.
    seq_cst_fence();
    std::int64_t t = top_.load(std::memory_order_relaxed);
    if (t > b) {  // empty
      bottom_.store(b + 1, std::memory_order_relaxed);
      return {};
    }
    Item item = ring->get(b);
    if (t == b) {  // the last item: race the thieves for it
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        item = {};
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return item;
  }

  // StealResult says what steal() found.
  enum class Steal { kEmpty, kSuccess, kRetry, kRefused };

  // Any thread. steal() takes the top item if its tag is accepted
  // (`accept_tag` 0 accepts any). kRetry: lost a race, try again; kRefused:
  // the top item belongs to another isolation region.
  Steal steal(std::uint64_t accept_tag, Item& out) noexcept {
    std::int64_t t = top_.load(std::memory_order_acquire);
    seq_cst_fence();
    std::int64_t b = bottom_.load(std::memory_order_acquire);
    if (t >= b)
      return Steal::kEmpty;
    Ring* ring = ring_.load(std::memory_order_acquire);
    Item item = ring->get(t);
    if (accept_tag != 0 && item.tag != accept_tag)
      return Steal::kRefused;
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return Steal::kRetry;
    }
    out = item;
    return Steal::kSuccess;
  }

  // Any thread, a hint only: whether the item a thief would take next (the
  // top) is accepted under `accept_tag` (0 accepts any). Reads the slot
  // without taking it and never touches the job.
  bool has_stealable(std::uint64_t accept_tag) const noexcept {
    std::int64_t t = top_.load(std::memory_order_acquire);
    std::int64_t b = bottom_.load(std::memory_order_acquire);
    if (t >= b)
      return false;
    if (accept_tag == 0)
      return true;
    return ring_.load(std::memory_order_acquire)->get(t).tag == accept_tag;
  }

  // Any thread; approximate while others push or steal.
  std::size_t size() const noexcept {
    std::int64_t b = bottom_.load(std::memory_order_relaxed);
    std::int64_t t = top_.load(std::memory_order_relaxed);
    return b > t ? static_cast<std::size_t>(b - t) : 0;
  }
  bool empty() const noexcept { return size() == 0; }

 private:
  struct Slot {
    std::atomic<Job*> job{nullptr};
    std::atomic<std::uint64_t> tag{0};
  };
  struct Ring {
    explicit Ring(std::size_t capacity)
        : mask(static_cast<std::int64_t>(capacity) - 1), slots(new Slot[capacity]) {}
    void put(std::int64_t i, Job* job, std::uint64_t tag) noexcept {
      Slot& s = slots[static_cast<std::size_t>(i & mask)];
      s.job.store(job, std::memory_order_relaxed);
      s.tag.store(tag, std::memory_order_relaxed);
    }
    Item get(std::int64_t i) const noexcept {
      const Slot& s = slots[static_cast<std::size_t>(i & mask)];
      return {s.job.load(std::memory_order_relaxed), s.tag.load(std::memory_order_relaxed)};
    }
    std::int64_t mask;
    std::unique_ptr<Slot[]> slots;
  };

  // push_past_cache() is push() once top_cache_ says the ring is full: it
  // reloads the top and grows the ring if it is full indeed. Out of line
  // and cold, so that push()'s fast path needs no saved registers.
  [[gnu::noinline, gnu::cold]] void push_past_cache(Job* job, std::uint64_t tag) noexcept {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    Ring* ring = ring_.load(std::memory_order_relaxed);
    top_cache_ = top_.load(std::memory_order_acquire);
    if (b - top_cache_ > ring->mask)
      ring = grow(ring, top_cache_, b);
    ring->put(b, job, tag);
    bottom_.store(b + 1, std::memory_order_release);  // as in push()
  }

  // Owner-only: double the ring, copying the live items [t, b).
  Ring* grow(Ring* old, std::int64_t t, std::int64_t b) {
    auto* bigger = new Ring(static_cast<std::size_t>(old->mask + 1) * 2);
    for (std::int64_t i = t; i < b; ++i) {
      Item item = old->get(i);
      bigger->put(i, item.job, item.tag);
    }
    rings_.emplace_back(bigger);
    ring_.store(bigger, std::memory_order_release);
    return bigger;
  }

  alignas(64) std::atomic<std::int64_t> top_{0};
  alignas(64) std::atomic<std::int64_t> bottom_{0};
  std::atomic<Ring*> ring_;
  std::int64_t top_cache_ = 0;                // owner-only: top_ as last read by push()
  std::vector<std::unique_ptr<Ring>> rings_;  // owner-only; every ring ever used
};

}  // namespace knot::detail
