// nesting_limiter.cc: limit_nesting(), a quote-aware tag scanner that
// models gumbo's stack of open elements (at most max_depth entries) and
// records the byte ranges of tags and attributes to cut.
#include "nesting_limiter.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "knot/base/hash.h"

namespace knot::text::detail {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

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
    "area",     "base",  "br",    "col",    "embed",   "hr",    "img",    "input",
    "link",     "meta",  "param", "source", "track",   "wbr",   "keygen", "basefont",
    "bgsound",  "frame", "image", "p",      "li",      "dt",    "dd",     "option",
    "optgroup", "tr",    "td",    "th",     "tbody",   "thead", "tfoot",  "colgroup",
    "caption",  "html",  "head",  "body",   "menuitem"};

// The HTML standard's "special" elements that the model can hold (the rest
// of the category is in kNotCounted), plus the MathML and SVG ones: an end
// tag of an ordinary element never closes past one of these.
constexpr std::string_view kSpecial[] = {"address",
                                         "applet",
                                         "article",
                                         "aside",
                                         "blockquote",
                                         "button",
                                         "center",
                                         "details",
                                         "dir",
                                         "div",
                                         "dl",
                                         "fieldset",
                                         "figcaption",
                                         "figure",
                                         "footer",
                                         "form",
                                         "frameset",
                                         "h1",
                                         "h2",
                                         "h3",
                                         "h4",
                                         "h5",
                                         "h6",
                                         "header",
                                         "hgroup",
                                         "iframe",
                                         "listing",
                                         "main",
                                         "marquee",
                                         "menu",
                                         "nav",
                                         "noembed",
                                         "noframes",
                                         "noscript",
                                         "object",
                                         "ol",
                                         "plaintext",
                                         "pre",
                                         "script",
                                         "search",
                                         "section",
                                         "select",
                                         "style",
                                         "summary",
                                         "table",
                                         "template",
                                         "textarea",
                                         "title",
                                         "ul",
                                         "xmp",
                                         "mi",
                                         "mo",
                                         "mn",
                                         "ms",
                                         "mtext",
                                         "annotation-xml",
                                         "foreignobject",
                                         "desc"};

// Elements that bound "in scope" for end tags of special elements.
constexpr std::string_view kScopeBoundary[] = {
    "applet", "marquee", "object", "table",          "template",      "mi",   "mo",
    "mn",     "ms",      "mtext",  "annotation-xml", "foreignobject", "desc", "title"};

// Formatting elements: their end tags run the adoption agency algorithm.
constexpr std::string_view kFormatting[] = {"a",    "b", "big",   "code",   "em",     "font", "i",
                                            "nobr", "s", "small", "strike", "strong", "tt",   "u"};

enum Kind : std::uint8_t {
  kSpecialKind = 1,
  kBoundaryKind = 2,
  kFormattingKind = 4,
  kForeignRootKind = 8,  // <svg>, <math>: inside them "<x/>" closes itself
};

// `Name` is a tag name as it appears in the input (any case, any length),
// with a hash of its lower-cased bytes so that most comparisons are one
// integer compare.
struct Name {
  std::size_t begin = 0;
  std::size_t len = 0;
  std::uint64_t hash = 0;
};

// `Open` is one element of the model of gumbo's stack of open elements.
// A `closed` one is a formatting element that gumbo has popped but keeps
// in its list of active formatting elements: it reopens it (a clone, with
// its attributes) at the next text or inline start tag.
struct Open {
  Name name;
  std::uint8_t kind = 0;
  bool closed = false;
  std::uint16_t num_attrs = 0;
};

bool same_name(std::string_view html, const Name& a, const Name& b) {
  if (a.hash != b.hash || a.len != b.len) {
    return false;
  }
  for (std::size_t k = 0; k < a.len; ++k) {
    if (lower(html[a.begin + k]) != lower(html[b.begin + k])) {
      return false;
    }
  }
  return true;
}

std::uint8_t kind_of(std::string_view short_name) {
  std::uint8_t kind = 0;
  kind |= one_of(short_name, kSpecial) ? kSpecialKind : 0;
  kind |= one_of(short_name, kScopeBoundary) ? kBoundaryKind : 0;
  kind |= one_of(short_name, kFormatting) ? kFormattingKind : 0;
  kind |= short_name == "svg" || short_name == "math" ? kForeignRootKind : 0;
  return kind;
}

// Case-insensitive search for "</name" from `from`; npos when absent.
std::size_t find_end_tag(std::string_view html, std::string_view name, std::size_t from) {
  for (std::size_t at = html.find("</", from); at != kNpos; at = html.find("</", at + 2)) {
    if (at + 2 + name.size() > html.size()) {
      return kNpos;
    }
    bool same = true;
    for (std::size_t k = 0; k < name.size() && same; ++k) {
      same = lower(html[at + 2 + k]) == name[k];
    }
    if (same) {
      return at;
    }
  }
  return kNpos;
}

// `TagScan` is the rest of a tag after its name: where it ends (one past
// its '>', npos when the input ends first), and where its attribute number
// max_attrs + 1 starts (npos when it has no more than max_attrs).
struct TagScan {
  std::size_t end = kNpos;
  std::size_t extra_attrs_at = kNpos;
  std::size_t num_kept_attrs = 0;  // at most max_attrs
};

// Follows gumbo's attribute states: names run to whitespace, '/', '>' or
// '='; values are quoted (and may hold '>') or run to whitespace or '>'.
TagScan scan_tag(std::string_view html, std::size_t i, std::size_t max_attrs) {
  TagScan scan;
  std::size_t num_attrs = 0;
  while (true) {
    while (i < html.size() && (is_space(html[i]) || html[i] == '/')) {
      ++i;
    }
    if (i >= html.size()) {
      return scan;
    }
    if (html[i] == '>') {
      scan.end = i + 1;
      return scan;
    }
    if (++num_attrs == max_attrs + 1) {
      scan.extra_attrs_at = i;
    }
    scan.num_kept_attrs = std::min(num_attrs, max_attrs);
    ++i;  // the first character of a name may be '='
    while (i < html.size() && !is_space(html[i]) && html[i] != '/' && html[i] != '>' &&
           html[i] != '=') {
      ++i;
    }
    while (i < html.size() && is_space(html[i])) {
      ++i;
    }
    if (i >= html.size() || html[i] != '=') {
      continue;
    }
    ++i;
    while (i < html.size() && is_space(html[i])) {
      ++i;
    }
    if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
      const std::size_t close = html.find(html[i], i + 1);
      if (close == kNpos) {
        return scan;
      }
      i = close + 1;
    } else {
      while (i < html.size() && !is_space(html[i]) && html[i] != '>') {
        ++i;
      }
    }
  }
}

// `Model` is the stack of open elements as gumbo's tree builder would have
// it, as far as a tag scanner can tell (see nesting_limiter.h).
class Model {
 public:
  Model(std::string_view html, std::size_t max_depth, LimiterStats& stats)
      : html_(html), max_depth_(max_depth), stats_(stats) {}

  std::size_t depth() const { return open_.size(); }
  bool in_foreign() const { return num_foreign_roots_ > 0; }

  // `has_room()`: whether a start tag fits under max_depth.
  bool has_room() const { return open_.size() < max_depth_; }

  // `push()` records a start tag that has_room() let in.
  void push(const Name& name, std::uint8_t kind, std::size_t num_attrs) {
    open_.push_back({name, kind, false, static_cast<std::uint16_t>(num_attrs)});
    num_foreign_roots_ += (kind & kForeignRootKind) != 0 ? 1 : 0;
  }

  // `reopen_cost()` is what reopening the closed formatting elements costs
  // gumbo: a node and its attributes for each.
  std::size_t reopen_cost() const { return reopen_cost_; }

  // `reopen()` is gumbo reconstructing its active formatting elements (at
  // text, and at inline start tags): the closed ones become open again, as
  // clones above the current node, in their order.
  void reopen() {
    if (reopen_cost_ == 0) {
      return;
    }
    reopened_.clear();
    std::size_t kept = 0;
    for (std::size_t k = 0; k < open_.size(); ++k) {
      ++stats_.num_model_steps;
      if (open_[k].closed) {
        reopened_.push_back(open_[k]);
      } else {
        open_[kept++] = open_[k];
      }
    }
    open_.resize(kept);
    for (Open e : reopened_) {
      e.closed = false;
      open_.push_back(e);
    }
    reopen_cost_ = 0;
  }

  // `close()` applies an end tag the way gumbo's tree builder would:
  // - a formatting element's end tag (adoption agency): the nearest open
  //   element of that name in scope; popped with what is above it when no
  //   special element is above it, else moved above the first special
  //   element above it (the depth stays, as gumbo's clone keeps it);
  // - </form>: removes the form only (gumbo does not pop above it);
  // - a special element's end tag: pops to the nearest open element of
  //   that name, unless a scope boundary comes first;
  // - any other end tag: pops to the nearest open element of that name,
  //   unless a special element comes first.
  // Popping keeps the formatting elements above the closed one, closed
  // (see below); the end tag of a closed one removes it. Otherwise gumbo
  // ignores the tag, and so does the model.
  void close(const Name& name, std::uint8_t kind, std::string_view short_name) {
    const bool is_formatting = (kind & kFormattingKind) != 0;
    const bool is_special = (kind & kSpecialKind) != 0;
    std::size_t found = kNpos;
    for (std::size_t k = open_.size(); k-- > 0;) {
      ++stats_.num_model_steps;
      const Open& e = open_[k];
      if (same_name(html_, e.name, name)) {
        found = k;
        break;
      }
      const std::uint8_t barrier = is_formatting || is_special ? kBoundaryKind : kSpecialKind;
      if ((e.kind & barrier) != 0) {
        return;
      }
    }
    if (found == kNpos) {
      return;
    }
    if (short_name == "form" || open_[found].closed) {
      erase(found);
      return;
    }
    if (is_formatting) {
      for (std::size_t k = found + 1; k < open_.size(); ++k) {
        ++stats_.num_model_steps;
        if ((open_[k].kind & kSpecialKind) != 0) {
          const Open moved = open_[found];
          erase(found);
          open_.insert(open_.begin() + static_cast<std::ptrdiff_t>(k), moved);
          num_foreign_roots_ += (moved.kind & kForeignRootKind) != 0 ? 1 : 0;
          return;
        }
      }
    }
    // Formatting elements closed on the way stay in gumbo's list of active
    // formatting elements, and the next text or start tag reopens them:
    // the model keeps them, closed, rather than miss that depth.
    num_foreign_roots_ -= (open_[found].kind & kForeignRootKind) != 0 ? 1 : 0;
    std::size_t kept = found;
    for (std::size_t k = found + 1; k < open_.size(); ++k) {
      ++stats_.num_model_steps;
      if ((open_[k].kind & kFormattingKind) != 0) {
        if (!open_[k].closed) {
          open_[k].closed = true;
          reopen_cost_ += 1 + open_[k].num_attrs;
        }
        open_[kept++] = open_[k];
      } else {
        num_foreign_roots_ -= (open_[k].kind & kForeignRootKind) != 0 ? 1 : 0;
      }
    }
    open_.resize(kept);
  }

 private:
  void erase(std::size_t k) {
    num_foreign_roots_ -= (open_[k].kind & kForeignRootKind) != 0 ? 1 : 0;
    reopen_cost_ -= open_[k].closed ? 1 + open_[k].num_attrs : 0;
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(k));
  }

  std::string_view html_;
  std::size_t max_depth_;
  LimiterStats& stats_;
  std::vector<Open> open_;
  std::vector<Open> reopened_;  // scratch for reopen()
  std::size_t num_foreign_roots_ = 0;
  std::size_t reopen_cost_ = 0;  // of the closed entries
};

}  // namespace

namespace {

// `Output` is the input without the ranges cut from it, built as the scan
// goes (ranges come in ascending order); nothing is copied until the first
// cut.
class Output {
 public:
  explicit Output(std::string_view html) : html_(html) {}

  // `cut()` leaves [begin, end) out, or puts `replacement` in its place.
  void cut(std::size_t begin, std::size_t end, std::string_view replacement = {}) {
    if (!out_) {
      out_.emplace();
      out_->reserve(html_.size());
    }
    out_->append(html_.substr(from_, begin - from_));
    out_->append(replacement);
    from_ = end;
  }

  std::optional<std::string> finish() {
    if (out_) {
      out_->append(html_.substr(from_));
    }
    return std::move(out_);
  }

 private:
  std::string_view html_;
  std::optional<std::string> out_;
  std::size_t from_ = 0;
};

// `TableParts` follows the last table's rows and sections, enough to count
// the elements gumbo adds: a <td> or <th> outside a row gets a <tr>, and a
// row outside a section a <tbody>.
class TableParts {
 public:
  std::size_t implied(std::string_view name) const {
    if (name == "td" || name == "th") {
      return (in_section_ ? 0 : 1) + (in_row_ ? 0 : 1);
    }
    if (name == "tr") {
      return in_section_ ? 0 : 1;
    }
    return name == "col" ? 1 : 0;  // its <colgroup>, at most
  }

  void see(std::string_view name, bool closing) {
    if (name == "table" || name == "tbody" || name == "thead" || name == "tfoot") {
      in_section_ = !closing && name != "table";
      in_row_ = false;
    } else if (name == "tr" || name == "td" || name == "th") {
      in_section_ = in_section_ || !closing;
      in_row_ = !closing || name != "tr";
    }
  }

 private:
  bool in_section_ = false;
  bool in_row_ = false;
};

// One past the '>' that ends a comment-like construct starting at `lt`
// ("<!--", "<!", "<?", "</" and a non-letter), the way gumbo reads it.
std::size_t comment_end(std::string_view html, std::size_t lt) {
  if (html.compare(lt, 4, "<!--") == 0) {
    const std::size_t end = html.find("-->", lt + 4);
    return end == kNpos ? html.size() : end + 3;
  }
  const std::size_t end = html.find('>', lt + 2);
  return end == kNpos ? html.size() : end + 1;
}

bool is_doctype(std::string_view html, std::size_t lt) {
  constexpr std::string_view kDoctype = "<!doctype";
  if (html.size() - lt < kDoctype.size()) {
    return false;
  }
  for (std::size_t k = 0; k < kDoctype.size(); ++k) {
    if (lower(html[lt + k]) != kDoctype[k]) {
      return false;
    }
  }
  return true;
}

// Elements in kNotCounted whose start tags make gumbo reopen the closed
// formatting elements (void inline elements, options).
constexpr std::string_view kReopening[] = {"br",  "img",    "image", "input",  "embed",
                                           "wbr", "keygen", "area",  "option", "optgroup"};

// Raw-text elements whose content extraction never shows: past the node
// budget they go whole, start tag, content and end tag (cutting their tags
// only would turn a script into text).
constexpr std::string_view kHiddenRawText[] = {"script", "style",   "textarea", "title",
                                               "iframe", "noembed", "noframes"};

}  // namespace

std::optional<std::string> limit_nesting(std::string_view html, std::size_t max_depth,
                                         LimiterStats* stats, std::size_t max_nodes) {
  LimiterStats local_stats;
  LimiterStats& st = stats != nullptr ? *stats : local_stats;
  Output output(html);
  Model model(html, max_depth, st);
  // Start tags cut for depth whose end tags have not come yet: the next
  // counted end tags pair with them and are cut too.
  std::size_t num_unclosed_cuts = 0;
  bool seen_html = false;
  bool seen_body = false;
  // The node budget: what gumbo will build so far, and whether the budget
  // is spent (then every tag and comment is cut).
  std::size_t num_nodes = 3;  // html, head, body
  bool is_spent = false;
  const auto fits = [&](std::size_t n) {
    is_spent = is_spent || n > max_nodes || num_nodes > max_nodes - n;
    if (is_spent) {
      return false;
    }
    num_nodes += n;
    return true;
  };
  TableParts table;
  std::size_t text_from = 0;    // where the text after the last tag begins
  bool is_raw_content = false;  // that text is a raw-text element's
  // A run of text (even whitespace) is a node, and gumbo reopens the
  // closed formatting elements there (not inside raw text).
  const auto text_run = [&](std::size_t lt) {
    if (lt > text_from && !is_spent) {
      num_nodes += 1 + (is_raw_content ? 0 : model.reopen_cost());
      if (!is_raw_content) {
        model.reopen();
      }
      is_spent = num_nodes > max_nodes;
    }
    is_raw_content = false;
  };
  std::size_t i = 0;
  while (i < html.size()) {
    const std::size_t lt = html.find('<', i);
    if (lt == kNpos || lt + 1 >= html.size()) {
      break;
    }
    i = lt + 1;
    const bool closing = html[i] == '/';
    const bool comment =
        html[i] == '!' || html[i] == '?' ||
        (closing && lt + 2 < html.size() && !is_alpha(html[lt + 2]) && html[lt + 2] != '>');
    if (comment) {  // comments, doctype, CDATA, bogus comments
      text_run(lt);
      i = comment_end(html, lt);
      text_from = i;
      if (is_spent) {
        output.cut(lt, i);
      } else if (!is_doctype(html, lt)) {
        (void)fits(1);
      }
      continue;
    }
    if (closing) {
      ++i;
    }
    if (i >= html.size() || !is_alpha(html[i])) {
      continue;  // a '<' in text
    }
    Name name{.begin = i, .len = 0, .hash = base::kFnv1aOffsetBasis};
    std::array<char, 16> short_buf{};
    while (i < html.size() && !is_space(html[i]) && html[i] != '/' && html[i] != '>') {
      const char c = lower(html[i]);
      if (name.len < short_buf.size()) {
        short_buf[name.len] = c;
      }
      name.hash = base::fnv1a_step(name.hash, static_cast<unsigned char>(c));
      ++name.len;
      ++i;
    }
    // Names longer than any we list are custom elements: counted, no kind.
    const std::string_view short_name =
        name.len <= short_buf.size() ? std::string_view(short_buf.data(), name.len) : "-";
    const TagScan tag = scan_tag(html, i, kMaxAttributes);
    if (tag.end == kNpos) {
      break;  // gumbo drops a tag cut off by the end of input
    }
    ++st.num_tags;
    text_run(lt);
    const bool self_closing = html[tag.end - 2] == '/';
    i = tag.end;
    text_from = i;

    bool cut_tag = false;
    const bool raw_text = !closing && one_of(short_name, kRawText);
    const std::uint8_t kind = kind_of(short_name);
    // Gumbo reopens closed formatting elements before inline start tags.
    const std::size_t reopen = (kind & kSpecialKind) == 0 ? model.reopen_cost() : 0;
    const std::size_t cost = 1 + tag.num_kept_attrs;
    if (is_spent) {
      cut_tag = true;
    } else if (raw_text) {
      cut_tag = !fits(cost);
    } else if (!closing && (short_name == "html" || short_name == "body")) {
      // gumbo merges a repeated <html> or <body> into the first, attribute
      // by attribute against all it has: quadratic, and never needed.
      bool& seen = short_name == "html" ? seen_html : seen_body;
      cut_tag = seen || !fits(tag.num_kept_attrs);
      seen = true;
    } else if (one_of(short_name, kNotCounted)) {
      // Not nested. An end tag </p> or </br> may make an element, and so
      // do table cells and rows without their row or section.
      const bool reopens = !closing && one_of(short_name, kReopening);
      const std::size_t implied = closing ? 0 : table.implied(short_name);
      cut_tag = !fits(closing ? (short_name == "p" || short_name == "br" ? 1 : 0)
                              : cost + implied + (reopens ? reopen : 0));
      if (!cut_tag) {
        table.see(short_name, closing);
        if (reopens) {
          model.reopen();
        }
      }
    } else if (!closing) {
      if (short_name == "table") {
        table.see(short_name, closing);
      }
      const bool closes_itself =
          self_closing && (model.in_foreign() || (kind & kForeignRootKind) != 0);
      if (!closes_itself && (num_unclosed_cuts > 0 || !model.has_room())) {
        cut_tag = true;
        ++num_unclosed_cuts;
      } else if (!fits(cost + reopen)) {
        cut_tag = true;
      } else {
        if (reopen > 0) {
          model.reopen();
        }
        if (!closes_itself) {
          model.push(name, kind, tag.num_kept_attrs);
        }
      }
    } else if (num_unclosed_cuts > 0) {
      cut_tag = true;
      --num_unclosed_cuts;
    } else {
      model.close(name, kind, short_name);
      if (short_name == "table") {
        table.see(short_name, closing);
      }
    }
    if (raw_text && cut_tag && one_of(short_name, kHiddenRawText)) {
      // Gone whole: to the end of its end tag, or of the input.
      const std::size_t end = find_end_tag(html, short_name, i);
      const std::size_t gt = end == kNpos ? kNpos : html.find('>', end);
      i = gt == kNpos ? html.size() : gt + 1;
      text_from = i;
      output.cut(lt, i);
      ++st.num_cut_tags;
      continue;
    }
    if (cut_tag) {
      // Past the budget a tag that separates words (a block, a cell, a
      // <br>) leaves a space, so that its text does not run together; an
      // inline one leaves nothing, not to split words.
      const bool is_inline = (kind & kFormattingKind) != 0 || short_name == "span";
      output.cut(lt, tag.end, is_spent && !is_inline ? " " : "");
      ++st.num_cut_tags;
    } else if (tag.extra_attrs_at != kNpos) {
      output.cut(tag.extra_attrs_at, tag.end - 1);  // keeps the '>'
      ++st.num_cut_attr_runs;
    }
    if (raw_text && !cut_tag) {
      if (short_name == "plaintext") {
        break;  // everything after <plaintext> is text
      }
      const std::size_t end = find_end_tag(html, short_name, i);
      i = end == kNpos ? html.size() : end;
      is_raw_content = true;
    }
  }
  text_run(html.size());
  st.num_nodes += num_nodes;
  st.is_budget_spent = st.is_budget_spent || is_spent;
  return output.finish();
}

}  // namespace knot::text::detail
