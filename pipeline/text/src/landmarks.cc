// landmarks.cc: pass 0 of extraction (title, headlines, main-content
// claims) and plain_text().
#include "landmarks.h"

#include <algorithm>
#include <cstring>

#include "boilerplate.h"
#include "knot/text/extract.h"
#include "text_builder.h"
#include "utf8.h"

namespace knot::text::detail {
namespace {

bool is_headline(const GumboElement& e) {
  if (e.tag == GUMBO_TAG_H1 || e.tag == GUMBO_TAG_H2 || e.tag == GUMBO_TAG_H3) {
    return true;
  }
  const GumboAttribute* itemprop = gumbo_get_attribute(&e.attributes, "itemprop");
  return (itemprop != nullptr && std::strcmp(itemprop->value, "headline") == 0) ||
         hints_of(e).is_headline;
}

// The longest part of a title split at " | ", " - ", " — " and the like:
// the headline in "Headline | Site" (the whole title when unsplit).
std::string_view longest_segment(std::string_view title) {
  static constexpr std::string_view kSeparators[] = {
      " | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " \xC2\xB7 ", " :: ", " \xC2\xBB ", " / "};
  std::string_view longest;
  std::size_t from = 0;
  while (from <= title.size()) {
    std::size_t cut = std::string_view::npos;
    std::size_t cut_len = 0;
    for (const std::string_view sep : kSeparators) {
      const std::size_t at = title.find(sep, from);
      if (at < cut) {
        cut = at;
        cut_len = sep.size();
      }
    }
    const std::string_view part = title.substr(from, std::min(cut, title.size()) - from);
    longest = part.size() > longest.size() ? part : longest;
    if (cut == std::string_view::npos) {
      break;
    }
    from = cut + cut_len;
  }
  return longest;
}

}  // namespace

// Stops collecting at twice the cap (a title of a megabyte is not read
// whole), then cuts at the cap. The stack holds one entry per level, each
// with its next child.
std::string plain_text(const GumboNode* root) {
  TextBuilder builder;
  if (is_text_node(root)) {
    builder.add_text(root->v.text.text);
  }
  const GumboElement* e = element_of(root);
  if (e == nullptr || e->tag == GUMBO_TAG_SCRIPT || e->tag == GUMBO_TAG_STYLE) {
    e = nullptr;
  } else {
    builder.space();
  }
  struct Open {
    const GumboVector* children;
    unsigned next;
  };
  std::vector<Open> stack;
  if (e != nullptr) {
    stack.push_back({&e->children, 0});
  }
  while (!stack.empty() && builder.size() <= 2 * kMaxTitleBytes) {
    Open& top = stack.back();
    if (top.next == top.children->length) {
      stack.pop_back();
      continue;
    }
    const auto* g = static_cast<const GumboNode*>(top.children->data[top.next++]);
    if (is_text_node(g)) {
      builder.add_text(g->v.text.text);
      continue;
    }
    const GumboElement* child = element_of(g);
    if (child == nullptr || child->tag == GUMBO_TAG_SCRIPT || child->tag == GUMBO_TAG_STYLE) {
      continue;
    }
    builder.space();
    stack.push_back({&child->children, 0});
  }
  if (builder.mostly_garbage()) {
    return {};
  }
  std::string text = builder.take();
  truncate_utf8(text, kMaxTitleBytes);
  return text;
}

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return low(x) == low(y);
  });
}

Landmarks find_landmarks(const GumboNode* document) {
  constexpr std::size_t kMaxMains = 1024;
  constexpr std::size_t kMaxHeadlines = 64;
  // One entry per open level, with its next child.
  struct Open {
    const GumboVector* children;
    unsigned next;
    bool in_frame;    // inside the site's frame (nav, aside, footer, site header)
    bool in_content;  // inside an <article> or <main>
  };
  Landmarks found;
  std::vector<Open> stack{{&document->v.document.children, 0, false, false}};
  while (!stack.empty()) {
    Open& top = stack.back();
    if (top.next == top.children->length) {
      stack.pop_back();
      continue;
    }
    const auto* g = static_cast<const GumboNode*>(top.children->data[top.next++]);
    ++found.num_nodes;
    const GumboElement* e = element_of(g);
    if (e == nullptr) {
      continue;
    }
    if (e->tag_namespace == GUMBO_NAMESPACE_HTML) {
      if (e->tag == GUMBO_TAG_TITLE && found.title == nullptr) {
        found.title = g;
      } else if (e->tag == GUMBO_TAG_H1) {
        found.first_h1 = found.first_h1 != nullptr ? found.first_h1 : g;
        if (!top.in_frame && found.content_h1 == nullptr) {
          found.content_h1 = g;
        }
      }
    }
    if (!top.in_frame && found.headlines.size() < kMaxHeadlines && is_headline(*e)) {
      found.headlines.push_back(g);
    }
    const Hints hints = hints_of(*e);
    const MainKind kind = main_kind_of(*e);
    if (kind != MainKind::kNone && !hints.is_strong_negative && found.mains.size() < kMaxMains) {
      found.mains.push_back(g);
    }
    const bool in_content = top.in_content || kind != MainKind::kNone;
    // Sidebar words are left out on purpose: they also name the layout
    // wrappers that hold the content ("content-sidebar-wrap").
    const bool in_frame =
        top.in_frame || e->tag == GUMBO_TAG_NAV || e->tag == GUMBO_TAG_ASIDE ||
        e->tag == GUMBO_TAG_FOOTER || (e->tag == GUMBO_TAG_HEADER && !top.in_content) ||
        (hints.is_weak_negative && !hints.is_positive) || hints.is_strong_negative;
    stack.push_back({&e->children, 0, in_frame, in_content});
  }
  return found;
}

std::string choose_title(const Landmarks& marks) {
  std::string title = marks.title != nullptr ? plain_text(marks.title) : std::string();
  if (title.empty()) {
    const GumboNode* h1 = marks.content_h1 != nullptr ? marks.content_h1 : marks.first_h1;
    return h1 != nullptr ? plain_text(h1) : std::string();
  }
  const std::string_view headline = longest_segment(title);
  if (headline.size() == title.size()) {
    return title;
  }
  for (const GumboNode* g : marks.headlines) {
    if (equal_ignoring_ascii_case(plain_text(g), headline)) {
      return std::string(headline);
    }
  }
  return title;
}

}  // namespace knot::text::detail
