// The serial baselines (see serial_workloads.h).
#include "baselines/serial_workloads.h"

#include <algorithm>

namespace knot::bench {

std::uint64_t serial_fib(int n) {
  if (n < 2)
    return static_cast<std::uint64_t>(n);
  return serial_fib(n - 1) + serial_fib(n - 2);
}

std::uint64_t serial_sum_u64(std::span<const std::uint64_t> data) {
  std::uint64_t total = 0;
  for (std::uint64_t v : data)
    total += v;
  return total;
}

double serial_sum_f64(std::span<const double> data) {
  double total = 0;
  for (double v : data)
    total += v;
  return total;
}

void serial_sort(std::span<std::uint64_t> data) {
  std::sort(data.begin(), data.end());
}

}  // namespace knot::bench
