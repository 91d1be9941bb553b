// text_builder.cc: TextBuilder's whitespace state machine.
#include "text_builder.h"

#include <utility>

#include "utf8.h"

namespace knot::text::detail {

void TextBuilder::add_flowing(char32_t cp) {
  if (is_invisible(cp)) {
    return;
  }
  if (is_space(cp) || is_control(cp)) {
    num_garbage_ += is_control(cp) ? 1 : 0;
    if (pending_ == Pending::kNone) {
      pending_ = Pending::kSpace;
    }
    return;
  }
  append_code_point(cp);
}

void TextBuilder::add_text(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size();) {
    const Decoded d = decode_utf8(raw, i);
    i += d.length;
    ++num_code_points_;
    add_flowing(d.cp);
  }
}

void TextBuilder::add_preformatted(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size();) {
    const Decoded d = decode_utf8(raw, i);
    i += d.length;
    ++num_code_points_;
    if (d.cp == '\r') {
      continue;  // "\r\n" and lone "\r" (gumbo normalizes both) end lines via '\n'
    }
    if (d.cp == '\n') {
      if (pending_ != Pending::kParagraph) {
        pending_ = Pending::kLine;
      }
      indent_.clear();
      continue;
    }
    if (d.cp == ' ' || d.cp == '\t') {
      if (pending_ == Pending::kNone && !out_.empty()) {
        out_.push_back(static_cast<char>(d.cp));
      } else if (pending_ == Pending::kLine) {
        indent_.push_back(static_cast<char>(d.cp));
      }
      continue;
    }
    add_flowing(d.cp);
  }
}

void TextBuilder::line_break() {
  pending_ = pending_ == Pending::kLine || pending_ == Pending::kParagraph ? Pending::kParagraph
                                                                           : Pending::kLine;
  indent_.clear();
}

void TextBuilder::end_line() {
  if (pending_ != Pending::kParagraph) {
    pending_ = Pending::kLine;
  }
  indent_.clear();
}

void TextBuilder::paragraph_break() {
  pending_ = Pending::kParagraph;
  indent_.clear();
}

void TextBuilder::space() {
  if (pending_ == Pending::kNone) {
    pending_ = Pending::kSpace;
  }
}

bool TextBuilder::mostly_garbage() const noexcept {
  return num_code_points_ > 0 && num_garbage_ * 4 > num_code_points_;
}

std::string TextBuilder::take() {
  // Trailing spaces of a <pre> line written literally before the end.
  while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) {
    out_.pop_back();
  }
  pending_ = Pending::kNone;
  indent_.clear();
  num_code_points_ = 0;
  num_garbage_ = 0;
  return std::exchange(out_, {});
}

void TextBuilder::append_code_point(char32_t cp) {
  if (cp == kReplacementChar) {
    ++num_garbage_;
  }
  flush_pending();
  append_utf8(out_, cp);
}

void TextBuilder::flush_pending() {
  if (out_.empty()) {
    pending_ = Pending::kNone;  // nothing leads the text
    indent_.clear();
    return;
  }
  if (pending_ == Pending::kLine || pending_ == Pending::kParagraph) {
    // A <pre> line may end in literal spaces: drop them before the break.
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) {
      out_.pop_back();
    }
  }
  switch (pending_) {
    case Pending::kNone:
      break;
    case Pending::kSpace:
      out_.push_back(' ');
      break;
    case Pending::kLine:
      out_.push_back('\n');
      out_.append(indent_);
      break;
    case Pending::kParagraph:
      out_.append("\n\n");
      break;
  }
  pending_ = Pending::kNone;
  indent_.clear();
}

}  // namespace knot::text::detail
