// html_document.h: HtmlDocument, one page parsed by gumbo into an arena.
//
// Three hazards of gumbo 0.10 are handled here, not by callers:
// - gumbo_destroy_output() frees the tree recursively, so a deeply nested
//   page overflows a small (fiber or worker) stack on destruction. The
//   document allocates every gumbo node from its own arena, frees nothing
//   node by node, and never calls gumbo_destroy_output().
// - the tree builder is quadratic in nesting depth, and builds a node of
//   about 200 bytes for as little as 3 bytes of input ("<p>"): the input
//   first goes through limit_nesting(), with a node budget.
// - gumbo cannot fail an allocation, and its memory per node is only
//   modelled by that budget: the arena also has a hard limit in bytes, and
//   a parse that would pass it stops there (parsed() is false) so that the
//   caller can parse again with a smaller budget.
// Parse errors are not recorded (max_errors = 0): they cost memory and
// nobody reads them. Not thread-safe to share while being constructed;
// read-only afterwards.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nesting_limiter.h"

namespace knot::text::detail {

class HtmlArena;  // html_document.cc

class HtmlDocument {
 public:
  // Parses `html` (any bytes) after limit_nesting() with `max_nodes` as its
  // node budget, in an arena of at most `max_bytes` bytes: when gumbo would
  // need more, the parse stops and parsed() is false. Aborts with a message
  // only if memory runs out inside gumbo, which cannot report allocation
  // failure.
  HtmlDocument(std::string_view html, std::size_t max_nodes, std::size_t max_bytes);
  // The page's own node budget, no limit in bytes.
  explicit HtmlDocument(std::string_view html)
      : HtmlDocument(html, node_budget(html.size()), SIZE_MAX) {}
  ~HtmlDocument();
  HtmlDocument(const HtmlDocument&) = delete;
  HtmlDocument& operator=(const HtmlDocument&) = delete;

  // `parsed()`: whether the parse finished within `max_bytes`.
  bool parsed() const noexcept { return output_ != nullptr; }

  // `root()` is the document node; never null when parsed().
  const GumboNode* root() const noexcept { return output_->document; }

  // `arena_bytes()` is what the arena holds: its blocks, in use or free.
  std::size_t arena_bytes() const noexcept;

 private:
  std::unique_ptr<HtmlArena> arena_;
  std::string limited_;  // the input after limit_nesting(), when it changed
  GumboOutput* output_ = nullptr;
};

}  // namespace knot::text::detail
