// nesting_limiter.cc: limit_nesting(), a quote-aware tag scanner that
// counts nesting depth and records the byte ranges of tags to cut.
#include "nesting_limiter.h"

#include <array>
#include <span>
#include <utility>
#include <vector>

namespace knot::text::detail {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool one_of(std::string_view name, std::span<const std::string_view> names) {
  for (const std::string_view n : names) {
    if (n == name) {
      return true;
    }
  }
  return false;
}

// Elements whose content is text up to their end tag.
constexpr std::string_view kRawText[] = {"script", "style",   "textarea", "title",    "xmp",
                                         "iframe", "noembed", "noframes", "plaintext"};

// Elements that never nest: void elements, elements whose end tag is
// optional (a new one closes the old), and the document's skeleton.
constexpr std::string_view kNotCounted[] = {
    "area",  "base",  "br",     "col",   "embed",    "hr",      "img",      "input",   "link",
    "meta",  "param", "source", "track", "wbr",      "keygen",  "basefont", "bgsound", "frame",
    "image", "p",     "li",     "dt",    "dd",       "option",  "optgroup", "tr",      "td",
    "th",    "tbody", "thead",  "tfoot", "colgroup", "caption", "rb",       "rt",      "rp",
    "rtc",   "html",  "head",   "body",  "menuitem"};

// Case-insensitive search for "</name" from `from`; npos when absent.
std::size_t find_end_tag(std::string_view html, std::string_view name, std::size_t from) {
  for (std::size_t at = html.find("</", from); at != std::string_view::npos;
       at = html.find("</", at + 2)) {
    if (at + 2 + name.size() > html.size()) {
      return std::string_view::npos;
    }
    bool same = true;
    for (std::size_t k = 0; k < name.size() && same; ++k) {
      same = lower(html[at + 2 + k]) == name[k];
    }
    if (same) {
      return at;
    }
  }
  return std::string_view::npos;
}

// Index one past the '>' that ends the tag whose name ends at `i`, skipping
// quoted attribute values; npos for a tag cut off by the end of input.
std::size_t find_tag_end(std::string_view html, std::size_t i) {
  while (i < html.size()) {
    const char c = html[i];
    if (c == '>') {
      return i + 1;
    }
    ++i;
    if (c == '=') {
      while (i < html.size() && is_space(html[i])) {
        ++i;
      }
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        const std::size_t close = html.find(html[i], i + 1);
        if (close == std::string_view::npos) {
          return std::string_view::npos;
        }
        i = close + 1;
      }
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> limit_nesting(std::string_view html, std::size_t max_depth) {
  std::vector<std::pair<std::size_t, std::size_t>> cuts;  // [begin, end) of cut tags
  std::size_t depth = 0;
  std::size_t foreign_depth = 0;  // inside <svg> or <math>, where "<x/>" closes itself
  std::size_t i = 0;
  while (i < html.size()) {
    const std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= html.size()) {
      break;
    }
    i = lt + 1;
    if (html.compare(lt, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", lt + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (html[i] == '!' || html[i] == '?') {  // doctype, CDATA, bogus comment
      const std::size_t end = html.find('>', i);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    const bool closing = html[i] == '/';
    if (closing) {
      ++i;
    }
    if (i >= html.size() || !is_alpha(html[i])) {
      continue;  // a '<' in text
    }
    std::array<char, 16> name_buf{};
    std::size_t name_len = 0;
    while (i < html.size() && !is_space(html[i]) && html[i] != '/' && html[i] != '>') {
      if (name_len < name_buf.size()) {
        name_buf[name_len] = lower(html[i]);
      }
      ++name_len;
      ++i;
    }
    // Names longer than any we list are custom elements: counted.
    const std::string_view name =
        name_len <= name_buf.size() ? std::string_view(name_buf.data(), name_len) : "-";
    const std::size_t tag_end = find_tag_end(html, i);
    if (tag_end == std::string_view::npos) {
      break;  // gumbo drops a tag cut off by the end of input
    }
    const bool self_closing = html[tag_end - 2] == '/';
    i = tag_end;

    if (!closing && one_of(name, kRawText)) {
      if (name == "plaintext") {
        break;  // everything after <plaintext> is text
      }
      const std::size_t end = find_end_tag(html, name, i);
      i = end == std::string_view::npos ? html.size() : end;
      continue;
    }
    if (one_of(name, kNotCounted)) {
      continue;
    }
    const bool is_foreign_root = name == "svg" || name == "math";
    if (!closing) {
      if (self_closing && (foreign_depth > 0 || is_foreign_root)) {
        continue;
      }
      ++depth;
      foreign_depth += is_foreign_root ? 1 : 0;
      if (depth > max_depth) {
        cuts.emplace_back(lt, tag_end);
      }
    } else {
      if (depth > max_depth) {
        cuts.emplace_back(lt, tag_end);
      }
      depth -= depth > 0 ? 1 : 0;
      foreign_depth -= is_foreign_root && foreign_depth > 0 ? 1 : 0;
    }
  }
  if (cuts.empty()) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(html.size());
  std::size_t from = 0;
  for (const auto& [begin, end] : cuts) {
    out.append(html.substr(from, begin - from));
    from = end;
  }
  out.append(html.substr(from));
  return out;
}

}  // namespace knot::text::detail
