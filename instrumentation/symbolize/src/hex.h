// to_hex(): bytes as lower-case hex, for build-ids. Private to
// knot::symbolize.
#pragma once

#include <cstddef>
#include <string>

namespace knot::symbolize::detail {

inline std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

}  // namespace knot::symbolize::detail
