// text_builder.h: TextBuilder, which turns the text pieces of a DOM walk
// into the reader-mode text of extract.h: whitespace collapsed, paragraph
// breaks as "\n\n", line breaks as "\n", valid UTF-8.
//
// Separators are pending, not written: a break is emitted only when more
// text follows, so no output ever starts or ends with whitespace and
// breaks never pile up. The strongest pending separator wins (paragraph >
// line > space); two <br>s in a row make a paragraph break.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace knot::text::detail {

class TextBuilder {
 public:
  // `add_text()` appends a text node's content: whitespace runs become one
  // space, invisible characters are dropped, controls count as spaces,
  // invalid UTF-8 becomes U+FFFD.
  void add_text(std::string_view raw);

  // `add_preformatted()` appends text inside <pre>: line breaks and the
  // indentation after them are kept (a run of blank lines is one "\n", so
  // a <pre> block stays one paragraph).
  void add_preformatted(std::string_view raw);

  // `line_break()` is a <br>; a second one in a row is a paragraph break.
  void line_break();

  // `end_line()` ends a line (a table row); unlike line_break() it never
  // turns into a paragraph break.
  void end_line();

  // `paragraph_break()` ends the current block.
  void paragraph_break();

  // `space()` separates inline content (table cells).
  void space();

  // `size()` is the number of bytes written so far (pending separators
  // excluded).
  std::size_t size() const noexcept { return out_.size(); }

  // `mostly_garbage()` says whether more than a quarter of the code points
  // seen were U+FFFD or controls: a binary file, not an article.
  bool mostly_garbage() const noexcept;

  // `take()` returns the text and leaves the builder empty.
  std::string take();

 private:
  enum class Pending { kNone, kSpace, kLine, kParagraph };

  // add_flowing() is one code point of running text: invisible ones are
  // dropped, whitespace and control characters become one pending space.
  void add_flowing(char32_t cp);
  void append_code_point(char32_t cp);
  void flush_pending();

  std::string out_;
  Pending pending_ = Pending::kNone;
  std::string indent_;  // spaces after a pending line break inside <pre>
  std::size_t num_code_points_ = 0;
  std::size_t num_garbage_ = 0;
};

}  // namespace knot::text::detail
