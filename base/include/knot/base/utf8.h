// UTF-8, once for every layer.
//
//   decode_utf8()    the code point at s[i] and its length; strict
//   append_utf8()    encode a scalar value
//   is_valid_utf8()  the whole text decodes
//   sanitize_utf8()  each maximal run of invalid bytes replaced by U+FFFD
//
// Strict means: no overlong forms, no UTF-16 surrogates, nothing above
// U+10FFFF, no truncated sequence. An invalid byte decodes as U+FFFD of
// length 1 (valid = false), so a loop over any input makes progress; what
// a caller then does with it (replace it, escape it as \xNN, drop it) is
// that caller's policy. No normalization, no allocation in decoding.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace knot::base {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Utf8Char is one decoded code point: its value and the bytes it took.
struct Utf8Char {
  char32_t cp = kReplacementChar;
  std::size_t length = 1;
  bool valid = false;
};

// decode_utf8() decodes the code point that starts at s[i]; i < s.size().
constexpr Utf8Char decode_utf8(std::string_view s, std::size_t i) noexcept {
  constexpr Utf8Char kInvalid{};
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto continues = [&](std::size_t k) { return (byte(k) & 0xC0) == 0x80; };
  const std::size_t left = s.size() - i;
  const unsigned char c0 = byte(0);
  if (c0 < 0x80)
    return {c0, 1, true};
  if (c0 < 0xC2)
    return kInvalid;  // a stray continuation byte, or an overlong 2-byte lead
  if (c0 < 0xE0) {
    if (left < 2 || !continues(1))
      return kInvalid;
    return {(char32_t{c0} & 0x1F) << 6 | (char32_t{byte(1)} & 0x3F), 2, true};
  }
  if (c0 < 0xF0) {
    if (left < 3 || !continues(1) || !continues(2))
      return kInvalid;
    if ((c0 == 0xE0 && byte(1) < 0xA0) || (c0 == 0xED && byte(1) >= 0xA0))
      return kInvalid;  // overlong, or a UTF-16 surrogate
    return {
        (char32_t{c0} & 0x0F) << 12 | (char32_t{byte(1)} & 0x3F) << 6 | (char32_t{byte(2)} & 0x3F),
        3, true};
  }
  if (c0 < 0xF5) {
    if (left < 4 || !continues(1) || !continues(2) || !continues(3))
      return kInvalid;
    if ((c0 == 0xF0 && byte(1) < 0x90) || (c0 == 0xF4 && byte(1) >= 0x90))
      return kInvalid;  // overlong, or above U+10FFFF
    return {(char32_t{c0} & 0x07) << 18 | (char32_t{byte(1)} & 0x3F) << 12 |
                (char32_t{byte(2)} & 0x3F) << 6 | (char32_t{byte(3)} & 0x3F),
            4, true};
  }
  return kInvalid;
}

// append_utf8() appends `cp`, a scalar value (not a surrogate, <= U+10FFFF).
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr bool is_valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Char c = decode_utf8(s, i);
    if (!c.valid)
      return false;
    i += c.length;
  }
  return true;
}

// sanitize_utf8() returns `s` with each maximal run of invalid bytes
// replaced by one U+FFFD (EF BF BD). Valid input comes back unchanged.
inline std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_bad_run = false;
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Char c = decode_utf8(s, i);
    if (!c.valid) {
      if (!in_bad_run)
        append_utf8(out, kReplacementChar);
      in_bad_run = true;
    } else {
      out.append(s.substr(i, c.length));
      in_bad_run = false;
    }
    i += c.length;
  }
  return out;
}

}  // namespace knot::base
