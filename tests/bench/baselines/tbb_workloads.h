// The comparison workloads on oneTBB, and std::sort(std::execution::par),
// whose libstdc++ backend is oneTBB.
//
//   tbb_fib()          fib(n) by tbb::parallel_invoke, no cutoff
//   tbb_spawn_empty()  `tasks` empty tasks run by one tbb::task_group
//   tbb_sum_*()        tbb::parallel_reduce over a blocked_range (auto_partitioner)
//   tbb_sort()         tbb::parallel_sort
//   std_par_sort()     std::sort(std::execution::par, ...)
//
// Every function runs inside `arena` (arena.execute), which is how the
// comparison gives oneTBB the same thread count as knot.
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace knot::bench {

std::uint64_t tbb_fib(tbb::task_arena& arena, int n);
void tbb_spawn_empty(tbb::task_arena& arena, std::size_t tasks);
std::uint64_t tbb_sum_u64(tbb::task_arena& arena, std::span<const std::uint64_t> data);
double tbb_sum_f64(tbb::task_arena& arena, std::span<const double> data);
void tbb_sort(tbb::task_arena& arena, std::span<std::uint64_t> data);
void std_par_sort(tbb::task_arena& arena, std::span<std::uint64_t> data);

}  // namespace knot::bench
