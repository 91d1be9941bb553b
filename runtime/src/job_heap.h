// The per-worker job heap behind allocate_job() and free_job()
// (knot/runtime/detail/job_alloc.h). A worker's thread attaches a heap when
// it starts and detaches it when it ends.
#pragma once

#include <cstddef>

namespace knot::detail {

// attach_job_heap() gives the calling thread a heap of its own; its jobs'
// blocks come from it from now on (from malloc if the heap cannot be made).
void attach_job_heap() noexcept;

// detach_job_heap() gives the heap up: it is freed now if none of its
// blocks is still in use, else by the thread that frees the last one.
void detach_job_heap() noexcept;

// num_orphaned_jobs() counts the blocks of detached heaps (their threads
// ended) that were never freed: jobs leaked, once every pool is gone
// (live_objects(), knot/runtime/snapshot.h). Blocks from malloc (threads
// without a heap, a heap at its bound, AddressSanitizer builds) are not
// counted: a leak checker sees those.
std::size_t num_orphaned_jobs() noexcept;

}  // namespace knot::detail
