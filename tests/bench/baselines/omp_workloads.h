// The comparison workloads on OpenMP (GCC's libgomp).
//
//   omp_fib()          fib(n) with `#pragma omp task`, no cutoff in the code
//   omp_spawn_empty()  `tasks` empty tasks created by one thread of a region
//   omp_sum_*()        `parallel for reduction(+:...)`, static schedule
//
// Each call opens one parallel region of `threads` threads. Note that
// libgomp throttles task creation by itself: once about 64 tasks per thread
// are queued, a new task runs at once in its creator (undeferred). That is
// part of what OpenMP is, so the comparison keeps it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace knot::bench {

std::uint64_t omp_fib(int threads, int n);
void omp_spawn_empty(int threads, std::size_t tasks);
std::uint64_t omp_sum_u64(int threads, std::span<const std::uint64_t> data);
double omp_sum_f64(int threads, std::span<const double> data);

}  // namespace knot::bench
