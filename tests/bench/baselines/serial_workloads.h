// The serial baselines: what one thread does with no runtime at all.
//
//   serial_fib()      plain recursive fib(n)
//   serial_sum_*()    a plain loop
//   serial_sort()     std::sort
//
// Compiled in their own translation unit so the optimizer sees them exactly
// as it sees the parallel versions (no constant folding across the call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace knot::bench {

std::uint64_t serial_fib(int n);
std::uint64_t serial_sum_u64(std::span<const std::uint64_t> data);
double serial_sum_f64(std::span<const double> data);
void serial_sort(std::span<std::uint64_t> data);

}  // namespace knot::bench
