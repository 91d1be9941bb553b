// utf8.cc: the range-based code point classes of utf8.h.
#include "utf8.h"

namespace knot::text::detail {
namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

bool in(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

}  // namespace

bool is_word_char(char32_t cp) noexcept {
  if (cp < 0x80) {
    return in(cp, '0', '9') || in(cp, 'a', 'z') || in(cp, 'A', 'Z');
  }
  if (cp < 0xC0) {
    return cp == 0xAA || cp == 0xB5 || cp == 0xBA;  // ª µ º; the rest is symbols
  }
  if (cp == 0xD7 || cp == 0xF7) {
    return false;  // × ÷
  }
  if (cp < 0x2000) {
    // Punctuation of the scripts below U+2000 (Greek, Armenian, Hebrew,
    // Arabic, Devanagari, Thai) and the Ogham space.
    return !(cp == 0x037E || cp == 0x0387 || in(cp, 0x055A, 0x055F) || cp == 0x0589 ||
             cp == 0x05BE || cp == 0x05C0 || cp == 0x05C3 || in(cp, 0x05F3, 0x05F4) ||
             cp == 0x060C || cp == 0x061B || cp == 0x061F || in(cp, 0x066A, 0x066D) ||
             cp == 0x06D4 || in(cp, 0x0964, 0x0965) || cp == 0x0E4F || in(cp, 0x0E5A, 0x0E5B) ||
             cp == 0x1680);
  }
  // General punctuation through the supplemental symbol blocks: spaces,
  // dashes, quotes, currency, arrows, math, box drawing, dingbats.
  if (in(cp, 0x2000, 0x2BFF) || in(cp, 0x2E00, 0x2E7F) || in(cp, 0x3000, 0x303F)) {
    return false;
  }
  if (in(cp, 0xD800, 0xF8FF)) {
    return false;  // surrogates (never decoded) and private use
  }
  if (in(cp, 0xFE00, 0xFE0F) || in(cp, 0xFE10, 0xFE1F) || in(cp, 0xFE30, 0xFE6F) || cp == 0xFEFF) {
    return false;  // variation selectors, vertical and small forms
  }
  if (in(cp, 0xFF00, 0xFF0F) || in(cp, 0xFF1A, 0xFF20) || in(cp, 0xFF3B, 0xFF40) ||
      in(cp, 0xFF5B, 0xFF65) || in(cp, 0xFFE0, 0xFFFF)) {
    return false;  // fullwidth punctuation, specials (U+FFFD)
  }
  if (in(cp, 0x1F000, 0x1FAFF) || in(cp, 0xE0000, 0xE007F) || cp >= 0xF0000) {
    return false;  // emoji and pictographs, tag characters, private use
  }
  return true;
}

bool is_space(char32_t cp) noexcept {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0x85 || cp == 0xA0 || cp == 0x1680 || in(cp, 0x2000, 0x200A) || cp == 0x200B ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_invisible(char32_t cp) noexcept {
  return cp == 0xAD || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF;
}

bool is_control(char32_t cp) noexcept {
  return (cp < 0x20 && !is_space(cp)) || in(cp, 0x7F, 0x9F);
}

char32_t to_lower(char32_t cp) noexcept {
  if (cp < 0x80) {
    return in(cp, 'A', 'Z') ? cp + 0x20 : cp;
  }
  if (in(cp, 0xC0, 0xDE)) {
    return cp == 0xD7 ? cp : cp + 0x20;
  }
  if (cp < 0x100) {
    return cp;
  }
  if (cp < 0x180) {  // Latin Extended-A: pairs, with three shifts of parity
    if (cp == 0x130) {
      return 'i';
    }
    if (cp == 0x178) {
      return 0xFF;
    }
    const bool odd_upper = in(cp, 0x139, 0x148) || in(cp, 0x179, 0x17E);
    if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) {
      return cp;
    }
    return (cp % 2 == 1) == odd_upper ? cp + 1 : cp;
  }
  if (in(cp, 0x386, 0x3AB)) {  // Greek capitals
    if (cp == 0x386) {
      return 0x3AC;
    }
    if (in(cp, 0x388, 0x38A)) {
      return cp + 0x25;
    }
    if (cp == 0x38C) {
      return 0x3CC;
    }
    if (in(cp, 0x38E, 0x38F)) {
      return cp + 0x3F;
    }
    if (in(cp, 0x391, 0x3AB) && cp != 0x3A2) {
      return cp + 0x20;
    }
    return cp;
  }
  if (in(cp, 0x400, 0x40F)) {
    return cp + 0x50;  // Cyrillic Ѐ..Џ
  }
  if (in(cp, 0x410, 0x42F)) {
    return cp + 0x20;  // Cyrillic А..Я
  }
  if (in(cp, 0x531, 0x556)) {
    return cp + 0x30;  // Armenian
  }
  if ((in(cp, 0x1E00, 0x1E95) || in(cp, 0x1EA0, 0x1EFF)) && cp % 2 == 0) {
    return cp + 1;  // Latin Extended Additional (Vietnamese and others)
  }
  if (in(cp, 0xFF21, 0xFF3A)) {
    return cp + 0x20;  // fullwidth Ａ..Ｚ
  }
  return cp;
}

void truncate_utf8(std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return;
  }
  std::size_t cut = max_bytes;
  while (cut > 0 && is_continuation(static_cast<unsigned char>(s[cut]))) {
    --cut;
  }
  s.resize(cut);
}

}  // namespace knot::text::detail
