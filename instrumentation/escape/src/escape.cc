// Escaping untrusted text for the terminal, HTML and Graphviz (escape.h).
// Each function walks the text one code point at a time with the strict
// decoder in utf8.h, so invalid UTF-8 is handled in one place.

#include "knot/escape/escape.h"

#include <cstdio>

#include "utf8.h"

namespace knot::escape {

namespace {

using detail::append_utf8;
using detail::decode_utf8;
using detail::kReplacement;

bool is_c0_or_del(char32_t cp) {
  return cp < 0x20 || cp == 0x7F;
}
bool is_c1(char32_t cp) {
  return cp >= 0x80 && cp <= 0x9F;
}

// is_bidi_control() is true for the characters that reorder the display of
// the text around them (the "Trojan Source" characters) and the marks.
bool is_bidi_control(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
         cp == 0x200F || cp == 0x061C;
}

void append_hex_escape(std::string& out, const char* format, unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, format, value);
  out += buffer;
}

// markup_escape() is the walk of html_escape() and dot_escape(): invalid
// bytes become U+FFFD, and every code point goes to `put` with the bytes it
// was decoded from.
template <class Put>
std::string markup_escape(std::string_view text, std::size_t reserve, Put put) {
  std::string out;
  out.reserve(reserve);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const std::optional<char32_t> cp = decode_utf8(text, pos);
    if (!cp) {
      append_utf8(out, kReplacement);
      continue;
    }
    put(out, *cp, text.substr(start, pos - start));
  }
  return out;
}

// put_html() and put_dot() write code point `cp`, decoded from `bytes`, as
// HTML text and as a Graphviz quoted string: markup and quotes escaped,
// control characters replaced (tab and newline kept as HTML whitespace and
// as Graphviz's \n).
void put_html(std::string& out, char32_t cp, std::string_view bytes) {
  switch (cp) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    case '\t':
    case '\n':
      out += static_cast<char>(cp);
      break;
    default:
      if (is_c0_or_del(cp) || is_c1(cp)) {
        append_utf8(out, kReplacement);
      } else {
        out.append(bytes);
      }
  }
}

void put_dot(std::string& out, char32_t cp, std::string_view bytes) {
  switch (cp) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '&':
      out += "&amp;";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      if (is_c0_or_del(cp) || is_c1(cp) || is_bidi_control(cp)) {
        append_utf8(out, kReplacement);
      } else {
        out.append(bytes);
      }
  }
}

}  // namespace

std::string terminal_safe(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const std::optional<char32_t> cp = decode_utf8(text, pos);
    if (!cp) {
      append_hex_escape(out, "\\x%02x", static_cast<unsigned char>(text[start]));
    } else if (*cp == '\t' || (*cp == '\n' && keep_newlines)) {
      out += static_cast<char>(*cp);
    } else if (is_c0_or_del(*cp)) {
      append_hex_escape(out, "\\x%02x", static_cast<unsigned>(*cp));
    } else if (is_c1(*cp) || is_bidi_control(*cp)) {
      append_hex_escape(out, "\\u%04x", static_cast<unsigned>(*cp));
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

std::string html_escape(std::string_view text) {
  return markup_escape(text, text.size() + text.size() / 8, &put_html);
}

std::string dot_escape(std::string_view text) {
  return markup_escape(text, text.size(), &put_dot);
}

std::string truncate_text(std::string_view text, std::size_t max_code_points) {
  std::size_t pos = 0;
  std::size_t count = 0;
  while (pos < text.size() && count < max_code_points) {
    decode_utf8(text, pos);
    ++count;
  }
  if (pos >= text.size())
    return std::string(text);
  return std::string(text.substr(0, pos)) + "…";
}

}  // namespace knot::escape
