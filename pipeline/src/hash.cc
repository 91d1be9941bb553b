// content_hash(): 64-bit FNV-1a (hash.h).
#include "knot/pipeline/hash.h"

#include <cstdint>

#include "knot/base/hash.h"

namespace knot::pipeline {

namespace {

std::string to_hex(std::uint64_t h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i) {
    hex[static_cast<std::size_t>(i)] = kDigits[h & 0xf];
    h >>= 4;
  }
  return hex;
}

}  // namespace

std::string content_hash(std::string_view bytes) {
  return to_hex(base::fnv1a64(bytes));
}

std::string content_hash(std::initializer_list<std::string_view> parts) {
  std::uint64_t h = base::kFnv1aOffsetBasis;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) {
      h = base::fnv1a_step(h, 0x1F);
    }
    first = false;
    h = base::fnv1a64(part, h);
  }
  return to_hex(h);
}

}  // namespace knot::pipeline
