// Job memory: spawned jobs (HeapJob) come from a per-worker slab allocator.
//
//   allocate_job(size)   a block for a job of `size` bytes
//   free_job(p)          give it back, from any thread
//   SlabAllocated        a base whose operator new/delete use the two
//
// Each worker thread owns a heap of 64-, 128- and 256-byte blocks cut from
// 64 KiB chunks. A block freed by its owner goes on the owner's free list;
// one freed by another thread goes back to its owner through a lock-free
// list the owner takes whole when its own list runs dry (as oneTBB's
// scalable allocator does). Threads that are not workers, bigger jobs, and
// a heap that reached its bound use malloc.
//
// Bound: a heap keeps at most kMaxHeapBytes (32 MiB: half a million jobs of
// the smallest class) of chunks, whatever the burst; jobs beyond that are
// malloc'ed and freed to malloc. Chunks are returned to the system when
// the worker's thread ends and the last of its blocks (which may be
// running on another pool) was freed. (1M spawns in one scope on two
// workers: 32 MiB keeps the run at about 0.7 of oneTBB's time, 8 MiB at
// about 1.0: docs/benchmarks.md.)
//
// Under AddressSanitizer every job comes from malloc, so that a job used
// after it ran is still reported.
#pragma once

#include <cstddef>
#include <new>

namespace knot::detail {

inline constexpr std::size_t kMaxHeapBytes = std::size_t{32} << 20;

// allocate_job() returns memory for `size` bytes aligned to 16; throws
// std::bad_alloc. free_job() takes a pointer allocate_job() returned.
void* allocate_job(std::size_t size);
void free_job(void* p) noexcept;

// SlabAllocated gives a job type allocate_job() and free_job() as its
// operator new and delete. Only for types aligned to at most 16 bytes.
struct SlabAllocated {
  static void* operator new(std::size_t size) { return allocate_job(size); }
  static void operator delete(void* p) noexcept { free_job(p); }
};

// DefaultAllocated leaves the global operator new and delete in place (an
// over-aligned closure).
struct DefaultAllocated {};

}  // namespace knot::detail
