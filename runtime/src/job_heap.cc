// The per-worker slab allocator for spawned jobs (job_alloc.h).
//
// A block is a 16-byte header (its heap, or null for a malloc'ed block; its
// size class) and the job. Owner side (the heap's thread, no atomics but
// the remote lists): pop the class's free list; when it is empty take the
// whole remote list of the class at once; then cut a block from the
// class's current chunk; then start a new chunk while the heap is under
// kMaxHeapBytes; else malloc. Other threads push freed blocks on the remote
// list of the block's class (a Treiber stack: one CAS, no ABA since only
// the owner pops, and it takes the whole list).
//
// Detaching: the owner swaps every remote list for kAbandoned, counts the
// blocks still out (cut minus free), and adds that count to
// abandoned_live_; a thread that finds kAbandoned when it frees a block
// subtracts one instead. Whoever brings the count to zero deletes the heap
// and its chunks. Counting down from the owner's add, or up to it from
// negative, reaches zero exactly once.
#include "job_heap.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "knot/base/check.h"
#include "knot/base/sanitizers.h"
#include "knot/runtime/detail/job_alloc.h"

namespace knot::detail {
namespace {

constexpr std::size_t kHeaderBytes = 16;
constexpr std::size_t kChunkBytes = std::size_t{64} << 10;
constexpr std::size_t kNumClasses = 3;
constexpr std::size_t kClassBytes[kNumClasses] = {64, 128, 256};

class JobHeap;

struct alignas(16) Header {
  JobHeap* heap;  // null: malloc'ed
  std::uint32_t size_class;
};
static_assert(sizeof(Header) == kHeaderBytes);

struct FreeBlock {
  FreeBlock* next;
};

using base::kUnderAddressSanitizer;

FreeBlock* const kAbandoned = reinterpret_cast<FreeBlock*>(alignof(FreeBlock));

// Blocks of abandoned heaps still out, in the whole process: the orphaned
// jobs of live_objects(). Changed only where abandoned_live_ is (a heap's
// detach, and a free into an abandoned heap), never on the fast path.
// Relaxed: a count read by a leak check after the threads it counts were
// joined, which orders their changes before the read.
std::atomic<std::int64_t> g_orphaned_blocks{0};

std::size_t class_of(std::size_t size) noexcept {
  const std::size_t total = size + kHeaderBytes;
  for (std::size_t c = 0; c < kNumClasses; ++c) {
    if (total <= kClassBytes[c])
      return c;
  }
  return kNumClasses;
}

class JobHeap {
 public:
  JobHeap() = default;
  ~JobHeap() {
    for (void* chunk : chunks_)
      std::free(chunk);
  }
  JobHeap(const JobHeap&) = delete;
  JobHeap& operator=(const JobHeap&) = delete;

  // Owner-only. A block of class `c`, or null when the heap is at its bound.
  void* allocate(std::size_t c) noexcept {
    Class& cls = classes_[c];
    // The remote list is taken whole, and only when it is not empty: an
    // empty one costs a load of a line others write only when they free.
    if (cls.free == nullptr && remote_[c].load(std::memory_order_relaxed) != nullptr)
      cls.free = remote_[c].exchange(nullptr, std::memory_order_acquire);
    if (FreeBlock* b = cls.free) {
      cls.free = b->next;
      return b;
    }
    if (cls.bump == cls.bump_end && !new_chunk(cls))
      return nullptr;
    void* b = cls.bump;
    cls.bump += kClassBytes[c];
    ++cut_;
    return b;
  }

  // Owner-only.
  void free_local(void* block, std::size_t c) noexcept {
    auto* b = static_cast<FreeBlock*>(block);
    b->next = classes_[c].free;
    classes_[c].free = b;
  }

  // Any other thread.
  void free_remote(void* block, std::size_t c) noexcept {
    auto* b = static_cast<FreeBlock*>(block);
    FreeBlock* head = remote_[c].load(std::memory_order_relaxed);
    for (;;) {
      if (head == kAbandoned) {
        g_orphaned_blocks.fetch_sub(1, std::memory_order_relaxed);
        // acq_rel: every thread's use of its block happens-before the delete.
        if (abandoned_live_.fetch_sub(1, std::memory_order_acq_rel) == 1)
          delete this;
        return;
      }
      b->next = head;
      // release: the block's last use happens-before the owner reuses it.
      if (remote_[c].compare_exchange_weak(head, b, std::memory_order_release,
                                           std::memory_order_relaxed)) {
        return;
      }
    }
  }

  // Owner-only, once, as its thread ends.
  void abandon() noexcept {
    std::int64_t free_blocks = 0;
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      for (FreeBlock* b = classes_[c].free; b != nullptr; b = b->next)
        ++free_blocks;
      FreeBlock* remote = remote_[c].exchange(kAbandoned, std::memory_order_acq_rel);
      for (FreeBlock* b = remote; b != nullptr; b = b->next)
        ++free_blocks;
    }
    const std::int64_t live = static_cast<std::int64_t>(cut_) - free_blocks;
    g_orphaned_blocks.fetch_add(live, std::memory_order_relaxed);
    if (abandoned_live_.fetch_add(live, std::memory_order_acq_rel) + live == 0)
      delete this;
  }

 private:
  struct Class {
    FreeBlock* free = nullptr;  // blocks freed here, or taken from remote_
    char* bump = nullptr;       // the untouched rest of the class's chunk
    char* bump_end = nullptr;
  };

  bool new_chunk(Class& cls) noexcept {
    if (chunks_.size() * kChunkBytes >= kMaxHeapBytes)
      return false;
    void* chunk = std::malloc(kChunkBytes);
    if (chunk == nullptr)
      return false;
    try {
      chunks_.push_back(chunk);
    } catch (...) {
      std::free(chunk);
      return false;
    }
    cls.bump = static_cast<char*>(chunk);
    cls.bump_end = cls.bump + kChunkBytes;
    return true;
  }

  Class classes_[kNumClasses];
  std::vector<void*> chunks_;
  std::uint64_t cut_ = 0;  // blocks ever cut from chunks
  alignas(64) std::atomic<FreeBlock*> remote_[kNumClasses] = {};
  alignas(64) std::atomic<std::int64_t> abandoned_live_{0};
};

// The calling worker thread's heap; null on other threads. initial-exec as
// the other thread-locals of the fast path (scheduler.h).
[[gnu::tls_model("initial-exec")]] constinit thread_local JobHeap* t_heap = nullptr;

}  // namespace

void* allocate_job(std::size_t size) {
  const std::size_t c = class_of(size);
  JobHeap* heap = t_heap;
  if (heap != nullptr && c < kNumClasses) [[likely]] {
    if (void* block = heap->allocate(c)) {
      auto* h = ::new (block) Header{heap, static_cast<std::uint32_t>(c)};
      return reinterpret_cast<char*>(h) + kHeaderBytes;
    }
  }
  void* block = std::malloc(size + kHeaderBytes);
  if (block == nullptr)
    throw std::bad_alloc();
  auto* h = ::new (block) Header{nullptr, 0};
  return reinterpret_cast<char*>(h) + kHeaderBytes;
}

void free_job(void* p) noexcept {
  if (p == nullptr)
    return;
  auto* h = reinterpret_cast<Header*>(static_cast<char*>(p) - kHeaderBytes);
  JobHeap* heap = h->heap;
  const std::size_t c = h->size_class;
  if (heap == nullptr) {
    std::free(h);
  } else if (heap == t_heap) {
    heap->free_local(h, c);
  } else {
    heap->free_remote(h, c);
  }
}

void attach_job_heap() noexcept {
  KNOT_CHECK(t_heap == nullptr, "a thread attached two job heaps");
  if (kUnderAddressSanitizer)
    return;                               // malloc's blocks, whose reuse AddressSanitizer watches
  t_heap = new (std::nothrow) JobHeap();  // none: this thread's jobs use malloc
}

void detach_job_heap() noexcept {
  JobHeap* heap = t_heap;
  t_heap = nullptr;
  if (heap != nullptr)
    heap->abandon();
}

std::size_t num_orphaned_jobs() noexcept {
  const std::int64_t n = g_orphaned_blocks.load(std::memory_order_relaxed);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace knot::detail
