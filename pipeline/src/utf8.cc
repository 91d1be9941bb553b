// UTF-8 validation and repair (utf8.h).
#include "knot/pipeline/utf8.h"

#include <cstdint>

namespace knot::pipeline {

namespace {

// valid_sequence_length() is the length of the valid UTF-8 sequence starting
// at bytes[i], or 0 if none starts there.
std::size_t valid_sequence_length(std::string_view bytes, std::size_t i) noexcept {
  auto c = static_cast<unsigned char>(bytes[i]);
  if (c < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    len = 2;
    cp = c & 0x1fu;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    cp = c & 0x0fu;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + len > bytes.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(bytes[i + k]);
    if ((cc & 0xc0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (cc & 0x3fu);
  }
  static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) noexcept {
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t len = valid_sequence_length(bytes, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  bool in_bad_run = false;
  while (i < bytes.size()) {
    std::size_t len = valid_sequence_length(bytes, i);
    if (len == 0) {
      if (!in_bad_run) {
        out += "\xEF\xBF\xBD";
        in_bad_run = true;
      }
      ++i;
      continue;
    }
    in_bad_run = false;
    out.append(bytes.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace knot::pipeline
