// html_document.h: HtmlDocument, one page parsed by gumbo into an arena.
//
// Two hazards of gumbo 0.10 are handled here, not by callers:
// - gumbo_destroy_output() frees the tree recursively, so a deeply nested
//   page overflows a small (fiber or worker) stack on destruction. The
//   document allocates every gumbo node from its own arena, frees nothing
//   node by node, and never calls gumbo_destroy_output().
// - the tree builder is quadratic in nesting depth; the input first goes
//   through limit_nesting().
// Parse errors are not recorded (max_errors = 0): they cost memory and
// nobody reads them. Not thread-safe to share while being constructed;
// read-only afterwards.
#pragma once

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>

namespace knot::text::detail {

class HtmlArena;  // html_document.cc

class HtmlDocument {
 public:
  // Parses `html` (any bytes). Aborts with a message only if memory runs
  // out inside gumbo, which cannot report allocation failure.
  explicit HtmlDocument(std::string_view html);
  ~HtmlDocument();
  HtmlDocument(const HtmlDocument&) = delete;
  HtmlDocument& operator=(const HtmlDocument&) = delete;

  // `root()` is the document node; never null.
  const GumboNode* root() const noexcept { return output_->document; }

 private:
  std::unique_ptr<HtmlArena> arena_;
  std::string limited_;  // the input after limit_nesting(), when it changed
  GumboOutput* output_ = nullptr;
};

}  // namespace knot::text::detail
