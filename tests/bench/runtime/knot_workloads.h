// The comparison workloads written against knot's public API.
//
//   knot_fib()             fib(n) by join, no cutoff
//   knot_spawn_empty()     `tasks` empty tasks spawned into one scope
//   knot_sum_*()           parallel_reduce sums, per-index form and piece form
//   knot_sort()            parallel_sort
//
// Each function enters `pool` with install() and returns when the work is
// done, so the cost of getting onto the pool is part of what it measures,
// just as tbb::task_arena::execute and an OpenMP parallel region are part of
// the baselines in baselines/. Shared by the Google Benchmark binaries and
// knot_compare so that both measure the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "knot/runtime/thread_pool.h"

namespace knot::bench {

std::uint64_t knot_fib(ThreadPool& pool, int n);

void knot_spawn_empty(ThreadPool& pool, std::size_t tasks);

// The per-index form calls map(i) for every element and folds with reduce;
// the piece form calls map(lo, hi, acc) once per piece (a tight loop).
std::uint64_t knot_sum_u64_per_index(ThreadPool& pool, std::span<const std::uint64_t> data);
std::uint64_t knot_sum_u64_piece(ThreadPool& pool, std::span<const std::uint64_t> data);
double knot_sum_f64_per_index(ThreadPool& pool, std::span<const double> data);
double knot_sum_f64_piece(ThreadPool& pool, std::span<const double> data);

void knot_sort(ThreadPool& pool, std::span<std::uint64_t> data);

}  // namespace knot::bench
