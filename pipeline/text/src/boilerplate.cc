// boilerplate.cc: tag tables and the class/id word lists of boilerplate.h.
#include "boilerplate.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace knot::text::detail {
namespace {

// Class and id words. Strong negatives drop an element even when a positive
// word is present ("article-comments"); weak ones do not ("content-header").
// Sidebar words drop an element unless it holds the main content (the
// "content-sidebar-wrap" of many themes); extract.cc decides that.
constexpr std::string_view kStrongNegative[] = {
    "ad",         "adbox",         "ads",          "adsense",    "adslot",
    "advert",     "advertisement", "advertising",  "adverts",    "agegate",
    "byline",     "bylines",       "dateline",     "breadcrumb", "breadcrumbs",
    "comment",    "commentlist",   "comments",     "consent",    "cookie",
    "cookies",    "disqus",        "gdpr",         "meta",       "modal",
    "newsletter", "outbrain",      "popup",        "promo",      "promos",
    "promotion",  "share",         "sharebar",     "shares",     "sharing",
    "signup",     "skiplink",      "social",       "sponsor",    "sponsored",
    "sronly",     "subscribe",     "subscription", "taboola",
};
constexpr std::string_view kSidebar[] = {"sidebar", "sidebars"};
constexpr std::string_view kWeakNegative[] = {
    "banner",  "bottombar", "footer", "header",     "masthead", "menu",
    "menus",   "nav",       "navbar", "navigation", "pager",    "pagination",
    "related", "toolbar",   "topbar", "widget",     "widgets",
};
constexpr std::string_view kPositive[] = {
    "article", "body", "column", "content", "entry", "main",
};
constexpr std::string_view kChromeRoles[] = {
    "alertdialog", "banner",     "complementary", "contentinfo", "dialog",  "menu",
    "menubar",     "navigation", "search",        "tablist",     "toolbar",
};

bool contains(std::span<const std::string_view> list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

const char* attribute(const GumboElement& element, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&element.attributes, name);
  return a != nullptr ? a->value : nullptr;
}

bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Calls `f(word)` for each lower-cased word of `value`, trailing digits
// stripped ("sidebar2" -> "sidebar", "sr-only" -> "sr", "only").
template <typename F>
void for_each_word(const char* value, F&& f) {
  std::string word;
  const auto emit = [&] {
    while (!word.empty() && is_digit(word.back())) {
      word.pop_back();
    }
    if (!word.empty()) {
      f(std::string_view(word));
    }
    word.clear();
  };
  char previous = '\0';
  for (const char* p = value; *p != '\0'; ++p) {
    const char c = *p;
    if (is_upper(c)) {
      if (is_lower(previous)) {
        emit();  // camelCase boundary: "sideBar" -> "side", "bar"
      }
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (is_lower(c) || is_digit(c)) {
      word.push_back(c);
    } else {
      emit();
    }
    previous = c;
  }
  emit();
}

void add_hints(const char* value, Hints& hints) {
  if (value == nullptr) {
    return;
  }
  std::string previous;
  for_each_word(value, [&](std::string_view word) {
    hints.is_strong_negative |= contains(kStrongNegative, word);
    hints.is_weak_negative |= contains(kWeakNegative, word);
    hints.is_sidebar |= contains(kSidebar, word);
    hints.is_positive |= contains(kPositive, word);
    hints.is_headline |= word == "title" || word == "headline";
    // Two-word forms: "sr-only" and "visually-hidden" (screen-reader text
    // such as "Skip to content") and "side-bar". A lone "hidden" is not a
    // hint: Bootstrap's "hidden-xs" hides only on small screens.
    if ((previous == "sr" && word == "only") || (previous == "visually" && word == "hidden")) {
      hints.is_strong_negative = true;
    }
    if (previous == "side" && word == "bar") {
      hints.is_sidebar = true;
    }
    previous.assign(word);
  });
}

bool equals_ignoring_ascii_case(const char* value, std::string_view expected) {
  const std::size_t n = std::strlen(value);
  if (n != expected.size()) {
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const char c = is_upper(value[i]) ? static_cast<char>(value[i] - 'A' + 'a') : value[i];
    if (c != expected[i]) {
      return false;
    }
  }
  return true;
}

// Whether an inline style hides the element: "display: none" or
// "visibility:hidden", spaces and case ignored.
bool style_hides(const char* style) {
  std::string compact;
  for (const char* p = style; *p != '\0'; ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\n') {
      compact.push_back(is_upper(*p) ? static_cast<char>(*p - 'A' + 'a') : *p);
    }
  }
  return compact.find("display:none") != std::string::npos ||
         compact.find("visibility:hidden") != std::string::npos;
}

}  // namespace

// layout_of() is long on purpose: one switch over HTML's elements, a case
// per group, so that which element counts as what can be read in one place.
Layout layout_of(const GumboElement& element) noexcept {
  if (element.tag_namespace != GUMBO_NAMESPACE_HTML) {
    return Layout::kDropped;  // inside svg or math (their roots are dropped too)
  }
  switch (element.tag) {
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_MENU:
      return Layout::kDropped;
    case GUMBO_TAG_A:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_ACRONYM:
    case GUMBO_TAG_B:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_DATA:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_I:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_LABEL:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_NOBR:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RUBY:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_TIME:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_U:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_WBR:
    case GUMBO_TAG_BR:
      return Layout::kInline;
    case GUMBO_TAG_UNKNOWN: {
      // gumbo 0.10 predates <dialog>; other unknown names are custom
      // elements, whose text flows.
      GumboStringPiece name = element.original_tag;
      gumbo_tag_from_original_text(&name);
      return name.length == 6 &&
                     equals_ignoring_ascii_case(std::string(name.data, 6).c_str(), "dialog")
                 ? Layout::kDropped
                 : Layout::kInline;
    }
    default:
      return Layout::kBlock;
  }
}

Hints hints_of(const GumboElement& element) {
  Hints hints;
  add_hints(attribute(element, "class"), hints);
  add_hints(attribute(element, "id"), hints);
  return hints;
}

bool is_hidden(const GumboElement& element) {
  if (attribute(element, "hidden") != nullptr) {
    return true;
  }
  const char* aria = attribute(element, "aria-hidden");
  if (aria != nullptr && equals_ignoring_ascii_case(aria, "true")) {
    return true;
  }
  const char* style = attribute(element, "style");
  return style != nullptr && style_hides(style);
}

bool is_permalink(const GumboElement& element) {
  if (element.tag != GUMBO_TAG_A) {
    return false;
  }
  const char* href = attribute(element, "href");
  if (href == nullptr || href[0] != '#') {
    return false;
  }
  // The text of the link and its descendants, a few bytes at most.
  constexpr std::size_t kMaxMark = 16;
  std::string text;
  std::vector<const GumboVector*> open{&element.children};
  while (!open.empty()) {
    const GumboVector* children = open.back();
    open.pop_back();
    for (unsigned i = 0; i < children->length; ++i) {
      const auto* child = static_cast<const GumboNode*>(children->data[i]);
      if (child->type == GUMBO_NODE_ELEMENT) {
        open.push_back(&child->v.element.children);
      } else if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE) {
        text += child->v.text.text;
      }
      if (text.size() > kMaxMark) {
        return false;
      }
    }
  }
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return false;
  }
  const std::string_view mark =
      std::string_view(text).substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  for (const std::string_view m : {"\u00B6", "\u00A7", "#", "\U0001F517", "\u2693"}) {
    if (mark == m) {
      return true;
    }
  }
  return false;
}

bool is_chrome_role(const GumboElement& element) {
  const char* role = attribute(element, "role");
  if (role == nullptr) {
    return false;
  }
  for (const std::string_view r : kChromeRoles) {
    if (equals_ignoring_ascii_case(role, r)) {
      return true;
    }
  }
  return false;
}

MainKind main_kind_of(const GumboElement& element) {
  if (element.tag_namespace != GUMBO_NAMESPACE_HTML) {
    return MainKind::kNone;
  }
  if (element.tag == GUMBO_TAG_ARTICLE) {
    return MainKind::kArticle;
  }
  if (element.tag == GUMBO_TAG_MAIN) {
    return MainKind::kMain;
  }
  const char* itemprop = attribute(element, "itemprop");
  if (itemprop != nullptr && equals_ignoring_ascii_case(itemprop, "articlebody")) {
    return MainKind::kArticle;
  }
  const char* role = attribute(element, "role");
  if (role != nullptr && equals_ignoring_ascii_case(role, "main")) {
    return MainKind::kMain;
  }
  if (role != nullptr && equals_ignoring_ascii_case(role, "article")) {
    return MainKind::kArticle;
  }
  return MainKind::kNone;
}

}  // namespace knot::text::detail
