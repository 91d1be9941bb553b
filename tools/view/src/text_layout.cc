// Fitting text into columns (text_layout.h).

#include "text_layout.h"

#include <algorithm>

namespace knot::view::detail {

namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// next_code_point() is the byte index just past the code point at `pos`.
std::size_t next_code_point(std::string_view text, std::size_t pos) {
  ++pos;
  while (pos < text.size() && is_continuation_byte(text[pos]))
    ++pos;
  return pos;
}

// is_break_after() says whether a line may end just after text[pos]: after
// a space or one of , ( < / and after a ':' that does not start a "::".
bool is_break_after(std::string_view text, std::size_t pos) {
  switch (text[pos]) {
    case ' ':
    case ',':
    case '(':
    case '<':
    case '/':
      return true;
    case ':':
      return pos + 1 < text.size() && text[pos + 1] != ':';
    default:
      return false;
  }
}

// Word is a run of text without spaces, possibly painted in several roles
// ("cycle" and ":" in "in the cycle:").
struct Word {
  std::vector<Span> pieces;
  std::size_t width = 0;
};

std::vector<Word> split_words(const std::vector<Span>& spans) {
  std::vector<Word> words;
  bool glue = false;  // the next span's first piece continues the last word
  for (const Span& span : spans) {
    const std::string_view text = span.text;
    std::size_t pos = 0;
    bool continues = glue;
    while (true) {
      const std::size_t end = std::min(text.find(' ', pos), text.size());
      const std::string_view piece = text.substr(pos, end - pos);
      if (!piece.empty()) {
        if (!continues || words.empty())
          words.emplace_back();
        words.back().pieces.push_back({std::string(piece), span.role});
        words.back().width += display_width(piece);
      }
      if (end == text.size())
        break;
      pos = end + 1;
      continues = false;
    }
    if (!text.empty())
      glue = text.back() != ' ';
  }
  return words;
}

// LinePainter joins pieces into one line, painting runs of one role at once.
class LinePainter {
 public:
  explicit LinePainter(const Palette& palette) : palette_(palette) {}

  void add(const Span& piece) {
    if (piece.role != role_)
      flush();
    role_ = piece.role;
    run_ += piece.text;
  }
  // space() adds a plain space, or one inside the current run when the next
  // piece has its role.
  void space(const std::optional<Palette::Role>& next_role) {
    if (next_role != role_)
      flush();
    (next_role == role_ && !run_.empty() ? run_ : line_) += ' ';
  }
  std::string finish() {
    flush();
    return std::move(line_);
  }

 private:
  void flush() {
    if (run_.empty())
      return;
    line_ += role_ ? palette_.paint(*role_, run_) : run_;
    run_.clear();
  }

  const Palette& palette_;
  std::optional<Palette::Role> role_;
  std::string run_;
  std::string line_;
};

// add_range() adds bytes [from, to) of `word` to `line`, each part in the
// role of the piece it comes from.
void add_range(LinePainter& line, const Word& word, std::size_t from, std::size_t to) {
  std::size_t offset = 0;
  for (const Span& piece : word.pieces) {
    const std::size_t start = std::max(from, offset);
    const std::size_t end = std::min(to, offset + piece.text.size());
    if (start < end)
      line.add({piece.text.substr(start - offset, end - start), piece.role});
    offset += piece.text.size();
  }
}

// table_part() writes `columns` of `rows`, `gap` spaces apart.
std::string table_part(const std::vector<std::vector<std::string>>& rows,
                       const std::vector<std::size_t>& widths,
                       const std::vector<std::size_t>& columns, std::size_t gap,
                       const Palette& palette) {
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::size_t c = columns[i];
      const std::string padding(widths[c] - display_width(rows[r][c]), ' ');
      line += i == 0 ? "  " : std::string(gap, ' ');
      line += c < 2 ? rows[r][c] + padding : padding + rows[r][c];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += (r == 0 ? palette.paint(Palette::Role::kMuted, line) : line) + "\n";
  }
  return out;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

std::string wrap_text(std::string_view text, std::size_t width, std::string_view indent) {
  const Palette plain(false);
  std::string out;
  std::size_t paragraph_start = 0;
  while (paragraph_start <= text.size()) {
    std::size_t paragraph_end = text.find('\n', paragraph_start);
    if (paragraph_end == std::string_view::npos)
      paragraph_end = text.size();
    const std::string paragraph(text.substr(paragraph_start, paragraph_end - paragraph_start));
    out += wrap_spans({{paragraph, std::nullopt}}, width + display_width(indent), indent, indent,
                      plain);
    paragraph_start = paragraph_end + 1;
  }
  return out;
}

std::string wrap_spans(const std::vector<Span>& spans, std::size_t columns,
                       std::string_view first_indent, std::string_view indent,
                       const Palette& palette) {
  const std::vector<Word> words = split_words(spans);
  std::string out;
  std::string_view line_indent = first_indent;
  LinePainter line(palette);
  std::size_t used = 0;  // code points on the line, indent excluded
  auto room = [&] {
    const std::size_t taken = display_width(line_indent);
    return columns > taken + 1 ? columns - taken : 1;
  };
  auto end_line = [&] {
    out += std::string(line_indent) + line.finish() + "\n";
    line_indent = indent;
    used = 0;
  };
  for (const Word& word : words) {
    if (used > 0 && used + 1 + word.width > room())
      end_line();
    if (used > 0) {
      line.space(word.pieces.front().role);
      ++used;
    }
    if (word.width <= room() - used) {
      for (const Span& piece : word.pieces)
        line.add(piece);
      used += word.width;
      continue;
    }
    // Longer than a whole line: broken over several, nothing dropped.
    std::string text;
    for (const Span& piece : word.pieces)
      text += piece.text;
    const std::size_t rest = columns > display_width(indent) ? columns - display_width(indent) : 1;
    const std::vector<std::string> chunks = break_text(text, room(), rest);
    std::size_t from = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (i > 0)
        end_line();
      add_range(line, word, from, from + chunks[i].size());
      from += chunks[i].size();
      used = display_width(chunks[i]);
    }
  }
  end_line();
  return out;
}

std::string layout_table(const std::vector<std::vector<std::string>>& rows, std::size_t width,
                         const Palette& palette) {
  if (rows.empty())
    return "";
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto line_width = [&](const std::vector<std::size_t>& columns, std::size_t gap) {
    std::size_t total = 0;
    for (std::size_t c : columns)
      total += gap + widths[c];
    return total;  // the first gap is the table's indent, as wide as a gap
  };
  std::vector<std::size_t> all(widths.size());
  for (std::size_t c = 0; c < all.size(); ++c)
    all[c] = c;
  if (line_width(all, 2) <= width || line_width(all, 1) + 1 <= width)
    return table_part(rows, widths, all, line_width(all, 2) <= width ? 2 : 1, palette);
  std::string out;
  std::vector<std::size_t> part = {0};
  for (std::size_t c = 1; c < widths.size(); ++c) {
    if (part.size() > 1 && line_width(part, 2) + 2 + widths[c] > width) {
      out += table_part(rows, widths, part, 2, palette) + "\n";
      part = {0};
    }
    part.push_back(c);
  }
  return out + table_part(rows, widths, part, 2, palette);
}

std::vector<std::string> break_text(std::string_view text, std::size_t first_width,
                                    std::size_t width) {
  std::vector<std::string> pieces;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t limit = std::max<std::size_t>(pieces.empty() ? first_width : width, 1);
    std::size_t end = pos;
    std::size_t best = std::string_view::npos;  // the last break in the second half
    for (std::size_t n = 0; end < text.size() && n < limit; ++n) {
      if (n + 1 >= (limit + 1) / 2 && is_break_after(text, end))
        best = end + 1;
      end = next_code_point(text, end);
    }
    if (end < text.size() && best != std::string_view::npos)
      end = best;
    pieces.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

}  // namespace knot::view::detail
