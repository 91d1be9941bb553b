// content_hash(): 64-bit FNV-1a (hash.h).
#include "knot/pipeline/hash.h"

#include <cstdint>

namespace knot::pipeline {

std::string content_hash(std::string_view bytes) {
  constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t h = kOffsetBasis;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kPrime;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i) {
    hex[static_cast<std::size_t>(i)] = kDigits[h & 0xf];
    h >>= 4;
  }
  return hex;
}

}  // namespace knot::pipeline
