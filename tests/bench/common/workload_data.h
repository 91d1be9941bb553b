// Inputs and reference answers shared by knot's benchmarks and knot_compare.
//
//   SplitMix64        a small deterministic generator (same data on every run)
//   random_u64()      n uniformly random 64-bit values
//   quarter_doubles() n doubles k/4 with 0 <= k < 1024, so that any summation
//                     order gives the exact same total (checkable)
//   fib_reference()   fib(n) computed iteratively
//   num_fib_joins()   how many join calls a cutoff-free fib(n) makes
//   sum_1_to()        1 + 2 + ... + n modulo 2^64 (the channel checksum)
//   opaque_no_op()    the body of an "empty" task: does nothing, but the
//                     compiler may not delete it (or the task around it)
//
// Filling is serial and not timed; nothing here allocates more than the
// returned vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace knot::bench {

// SplitMix64 is Steele, Lea and Flood's 64-bit mixing generator: one state
// word, one add and three xor-shift-multiply rounds per value.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

inline std::vector<std::uint64_t> random_u64(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint64_t> out(n);
  SplitMix64 gen(seed);
  for (auto& v : out)
    v = gen.next();
  return out;
}

inline std::vector<double> quarter_doubles(std::size_t n, std::uint64_t seed) {
  std::vector<double> out(n);
  SplitMix64 gen(seed);
  for (auto& v : out)
    v = static_cast<double>(gen.next() % 1024) * 0.25;
  return out;
}

constexpr std::uint64_t fib_reference(int n) noexcept {
  std::uint64_t a = 0;
  std::uint64_t b = 1;
  for (int i = 0; i < n; ++i) {
    std::uint64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

// fib(n) for n >= 2 makes one join and recurses on n-1 and n-2, so
// J(n) = 1 + J(n-1) + J(n-2) with J(0) = J(1) = 0, which is fib(n+1) - 1.
constexpr std::uint64_t num_fib_joins(int n) noexcept {
  return n < 2 ? 0 : fib_reference(n + 1) - 1;
}

constexpr std::uint64_t sum_1_to(std::uint64_t n) noexcept {
  // n(n+1)/2 without overflowing before the division.
  return n % 2 == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2);
}

// GCC deletes an OpenMP task whose body is empty, and with it the whole
// spawn loop; an empty volatile asm is code it must keep. Every runtime's
// empty task uses it, so they stay alike.
inline void opaque_no_op() noexcept {
  __asm__ __volatile__("");
}

}  // namespace knot::bench
