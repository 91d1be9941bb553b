// content_hash(): 64-bit FNV-1a (hash.h).
#include "knot/pipeline/hash.h"

#include <cstdint>

#include "knot/base/hash.h"

namespace knot::pipeline {

std::string content_hash(std::string_view bytes) {
  std::uint64_t h = base::fnv1a64(bytes);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i) {
    hex[static_cast<std::size_t>(i)] = kDigits[h & 0xf];
    h >>= 4;
  }
  return hex;
}

}  // namespace knot::pipeline
