// boilerplate.h: what the extractor recognizes in a single element: its
// layout class (inline, block, or dropped outright), the hints in its class
// and id, its landmark role, and whether it marks the main content.
//
// Pure functions of one gumbo element; the decisions that need the rest of
// the tree (scores, link density, protection of the main content's
// ancestors) are in extract.cc. The word lists are documented in
// docs/pipeline-text.md.
#pragma once

#include <gumbo.h>

#include <cstdint>

namespace knot::text::detail {

// `Layout` is how an element takes part in the text.
enum class Layout {
  kInline,   // text flows through it (a, em, span, code, custom elements)
  kBlock,    // starts and ends a paragraph (p, div, li, h2, table...)
  kDropped,  // never content: nav, header, footer, aside, script, style,
             // noscript, iframe, svg, math, template, form controls, media
};

// `layout_of()` classifies by tag and namespace alone (svg and MathML
// children are dropped with their root).
Layout layout_of(const GumboElement& element) noexcept;

// `Hints` is what the class and id attributes say about an element.
struct Hints {
  bool is_positive = false;         // article, content, main, body, column, entry
  bool is_weak_negative = false;    // menu, nav, header, footer, related, widget, ...
  bool is_sidebar = false;          // sidebar, side-bar: also a layout wrapper's word
  bool is_strong_negative = false;  // comment, cookie, advert, share, social, ...
  bool is_headline = false;         // title, headline (used to pick the title only)
};

// `hints_of()` splits class and id into ASCII words (at any character that
// is not a letter or digit, and at lower-to-upper case changes), lower-cases
// them, strips trailing digits and looks each up in the word lists.
Hints hints_of(const GumboElement& element);

// `is_hidden()`: the hidden attribute, aria-hidden="true", or an inline
// style with display:none or visibility:hidden.
bool is_hidden(const GumboElement& element);

// `is_permalink()`: a link to a fragment of this page whose whole text is
// a permalink mark (a pilcrow, a section sign, '#', or a link or anchor
// emoji), as documentation generators put after headings and API
// signatures. Its mark is not the page's text.
bool is_permalink(const GumboElement& element);

// `is_chrome_role()`: role is navigation, banner, contentinfo,
// complementary, search, dialog, alertdialog, menu, menubar, toolbar,
// or tablist: the landmarks of the site frame.
bool is_chrome_role(const GumboElement& element);

// `MainKind` is how strongly an element claims to be the main content.
enum class MainKind : std::uint8_t {
  kNone,
  kMain,     // <main>, role="main"
  kArticle,  // <article>, role="article", itemprop="articleBody"
};
MainKind main_kind_of(const GumboElement& element);

}  // namespace knot::text::detail
