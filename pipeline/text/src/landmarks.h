// landmarks.h: the parts of extraction that read the whole tree, dropped
// parts included: the page's title, its headlines and the elements that
// claim the main content (pass 0 of extract.cc), and plain_text(), the
// collapsed text of any subtree.
//
// Iterative walks only (explicit stacks, one entry per level): safe on any
// nesting depth, and memory for the depth of the tree, not its width.
// Costs one pass over the tree plus plain_text() of at most 64 headlines.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace knot::text::detail {

// `element_of()` is the element of an element or template node, else null.
inline const GumboElement* element_of(const GumboNode* g) {
  return g->type == GUMBO_NODE_ELEMENT || g->type == GUMBO_NODE_TEMPLATE ? &g->v.element : nullptr;
}

// `is_text_node()`: text, CDATA and whitespace nodes (v.text is valid).
inline bool is_text_node(const GumboNode* g) {
  return g->type == GUMBO_NODE_TEXT || g->type == GUMBO_NODE_CDATA ||
         g->type == GUMBO_NODE_WHITESPACE;
}

// `plain_text()` is the collapsed text of a subtree (for <title> and
// headlines), cut at kMaxTitleBytes on a code point boundary; empty when it
// is mostly U+FFFD.
std::string plain_text(const GumboNode* root);

// `equal_ignoring_ascii_case()` compares with ASCII letters folded.
bool equal_ignoring_ascii_case(std::string_view a, std::string_view b);

// `Landmarks` are what pass 0 finds.
struct Landmarks {
  const GumboNode* title = nullptr;
  const GumboNode* first_h1 = nullptr;
  const GumboNode* content_h1 = nullptr;  // first <h1> outside nav/aside/footer/site header
  std::vector<const GumboNode*> mains;    // <article>, <main> and their aria/itemprop forms
  // Outside the site frame: <h1>-<h3>, and elements whose class or id says
  // title or headline (or itemprop="headline").
  std::vector<const GumboNode*> headlines;
  // Every node of the tree below the document (elements, text, comments).
  std::size_t num_nodes = 0;
};

// `find_landmarks()` walks the whole document once.
Landmarks find_landmarks(const GumboNode* document);

// `choose_title()`: the <title>, or only its headline part when a headline
// element of the page says exactly that ("Headline | Site" with an <h1> or
// a class="headline" of "Headline"); the <h1> when there is no <title>.
std::string choose_title(const Landmarks& marks);

}  // namespace knot::text::detail
