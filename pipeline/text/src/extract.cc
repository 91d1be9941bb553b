// extract.cc: extract_article(): the flattened DOM with boilerplate
// removed, readability-style scoring, the choice of the content root(s) and
// rendering to text. The title and pass 0 are in landmarks.cc.
//
// Every walk over the tree is iterative (an explicit stack or a loop over
// the flattened pre-order array), so nesting depth costs heap, not stack.
#include "knot/text/extract.h"

#include <gumbo.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "boilerplate.h"
#include "html_document.h"
#include "landmarks.h"
#include "text_builder.h"
#include "utf8.h"

namespace knot::text {
namespace {

using detail::element_of;
using detail::equal_ignoring_ascii_case;
using detail::Hints;
using detail::is_text_node;
using detail::Layout;
using detail::MainKind;
using detail::plain_text;

// A block whose own inline text is at least this long (bytes, whitespace
// runs counted once) is a paragraph for scoring (readability uses 25).
constexpr std::size_t kMinParagraphLen = 25;
// Gumbo's arena and the flattened tree together stay under this many bytes
// per byte of the page, plus a constant (html_document.h): a parse that
// needs more is done again with a quarter of the node budget, then with
// no tags (docs/pipeline.md, "Memory per file").
constexpr std::size_t kTreeBytesPerByte = 14;
constexpr std::size_t kTreeBaseBytes = std::size_t{16} << 20;
constexpr std::size_t tree_memory_limit(std::size_t bytes) {
  return bytes > (SIZE_MAX - kTreeBaseBytes) / kTreeBytesPerByte
             ? SIZE_MAX
             : kTreeBytesPerByte * bytes + kTreeBaseBytes;
}
// Siblings of the best candidate join it when they score this share of it.
constexpr float kSiblingShare = 0.2F;
// The semantic element (<article>, <main>) wins when it holds at least
// this share of the text the density winner would give.
constexpr std::size_t kSemanticShareDivisor = 4;

// `Node` is one element or text node of the flattened, boilerplate-free
// tree, in document (pre-)order: a subtree is the range [index, end).
// 48 bytes: lengths are 32-bit and saturate (a page has at most 4 GiB of
// text for a ratio to be off).
struct Node {
  const GumboNode* g = nullptr;
  std::int32_t parent = -1;
  std::uint32_t end = 0;
  // Statistics over non-dropped text below this node. "inline" text is what
  // is reached without crossing a block: the node's own paragraph.
  std::uint32_t text_len = 0;
  std::uint32_t link_len = 0;
  std::uint32_t inline_len = 0;
  std::uint32_t inline_commas = 0;
  std::uint32_t num_paragraphs = 0;
  float score = 0.0F;
  std::uint16_t tag = GUMBO_TAG_UNKNOWN;  // a GumboTag
  bool is_text = false;
  bool is_inline = false;
  bool is_paragraph = false;
  bool is_positive = false;
  bool has_score = false;
  MainKind main_kind = MainKind::kNone;

  float link_density() const {
    return text_len == 0 ? 0.0F : static_cast<float>(link_len) / static_cast<float>(text_len);
  }
};
static_assert(sizeof(Node) <= 48, "a flattened node stays small: pages have millions");

// `add_saturating()` adds without wrapping past UINT32_MAX.
void add_saturating(std::uint32_t& to, std::uint64_t n) {
  to = static_cast<std::uint32_t>(std::min<std::uint64_t>(to + n, UINT32_MAX));
}

// `looks_binary()`: a NUL byte in the first 64 KiB, or (from 1 KiB of
// input on) more than a quarter invalid UTF-8 and control characters there.
// HTML has neither; images, archives and UTF-16 files (which gumbo cannot
// read either) have both. It saves gumbo seconds of work on megabytes of
// garbage; short inputs are left to the text's own garbage check.
bool looks_binary(std::string_view html) {
  const std::string_view head = html.substr(0, std::size_t{64} * 1024);
  if (head.find('\0') != std::string_view::npos) {
    return true;
  }
  if (head.size() < 1024) {
    return false;
  }
  std::size_t total = 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < head.size();) {
    const detail::Decoded d = detail::decode_utf8(head, i);
    i += d.length;
    ++total;
    bad += d.cp == detail::kReplacementChar || detail::is_control(d.cp) ? 1 : 0;
  }
  return bad * 4 > total;
}

// Length with whitespace runs counted once, and commas (ASCII, fullwidth
// and ideographic).
void measure(const char* text, std::uint32_t& len, std::uint32_t& commas) {
  std::uint64_t n = 0;
  std::uint64_t c_count = 0;
  bool in_space = false;
  for (const char* p = text; *p != '\0'; ++p) {
    const char c = *p;
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    if (space) {
      n += in_space ? 0 : 1;
      in_space = true;
      continue;
    }
    in_space = false;
    ++n;
    if (c == ',' || std::strncmp(p, "\xEF\xBC\x8C", 3) == 0 ||
        std::strncmp(p, "\xE3\x80\x81", 3) == 0) {
      ++c_count;
    }
  }
  add_saturating(len, n);
  add_saturating(commas, c_count);
}

// ---------------------------------------------------------------------------
// Pass 1: flatten the tree without boilerplate.

std::unordered_set<const GumboNode*> protect_ancestors(const std::vector<const GumboNode*>& mains) {
  std::unordered_set<const GumboNode*> protected_nodes;
  for (const GumboNode* g : mains) {
    for (; g != nullptr && protected_nodes.insert(g).second; g = g->parent) {
    }
  }
  return protected_nodes;
}

// Whether an element and everything below it is left out of the content.
bool is_boilerplate(const GumboNode* g, const GumboElement& e,
                    const std::unordered_set<const GumboNode*>& protected_nodes) {
  if (detail::layout_of(e) == Layout::kDropped || detail::is_hidden(e) ||
      detail::is_chrome_role(e) || detail::is_permalink(e)) {
    return true;
  }
  if (e.tag == GUMBO_TAG_HTML || e.tag == GUMBO_TAG_BODY || e.tag == GUMBO_TAG_ARTICLE ||
      e.tag == GUMBO_TAG_MAIN) {
    return false;
  }
  const Hints hints = detail::hints_of(e);
  if (hints.is_strong_negative) {
    return true;
  }
  if (!hints.is_sidebar && !hints.is_weak_negative) {
    return false;
  }
  if (protected_nodes.contains(g)) {
    return false;
  }
  return hints.is_sidebar || !hints.is_positive;
}

// `flatten()` walks the tree in pre-order with a stack of the open
// elements (one entry per level, each with its next child), so the walk
// needs memory for the depth, not for the width, of the tree. `num_nodes`
// (every node of the tree) bounds the result: reserved at once, so the
// array is never copied while it grows.
std::vector<Node> flatten(const GumboNode* document, std::size_t num_nodes,
                          const std::unordered_set<const GumboNode*>& protected_nodes) {
  struct Open {
    const GumboVector* children;
    unsigned next;
    std::int32_t index;  // in `nodes`; -1 for the document
    bool in_link;
  };
  std::vector<Node> nodes;
  nodes.reserve(num_nodes);
  std::vector<Open> stack{{&document->v.document.children, 0, -1, false}};
  while (!stack.empty()) {
    Open& top = stack.back();
    if (top.next == top.children->length) {
      if (top.index >= 0) {
        nodes[static_cast<std::size_t>(top.index)].end = static_cast<std::uint32_t>(nodes.size());
      }
      stack.pop_back();
      continue;
    }
    const auto* g = static_cast<const GumboNode*>(top.children->data[top.next++]);
    const std::int32_t parent = top.index;
    const bool parent_in_link = top.in_link;
    const auto index = static_cast<std::int32_t>(nodes.size());
    if (is_text_node(g)) {
      if (parent < 0) {
        continue;
      }
      Node& n = nodes.emplace_back();
      n.g = g;
      n.parent = parent;
      n.end = static_cast<std::uint32_t>(index + 1);
      n.is_text = true;
      measure(g->v.text.text, n.text_len, n.inline_commas);
      n.inline_len = n.text_len;
      n.link_len = parent_in_link ? n.text_len : 0;
      continue;
    }
    const GumboElement* e = element_of(g);
    if (e == nullptr || is_boilerplate(g, *e, protected_nodes)) {
      continue;  // comments, and dropped subtrees
    }
    Node& n = nodes.emplace_back();
    n.g = g;
    n.parent = parent;
    n.tag = static_cast<std::uint16_t>(e->tag);
    n.is_inline = detail::layout_of(*e) == Layout::kInline;
    const Hints hints = detail::hints_of(*e);
    n.is_positive = hints.is_positive;
    n.main_kind = hints.is_strong_negative ? MainKind::kNone : detail::main_kind_of(*e);
    stack.push_back({&e->children, 0, index, parent_in_link || e->tag == GUMBO_TAG_A});
  }
  // Children follow their parent in pre-order, so walking backwards
  // completes every subtree before its parent is reached.
  for (std::size_t i = nodes.size(); i-- > 0;) {
    Node& c = nodes[i];
    if (!c.is_text && !c.is_inline && c.inline_len >= kMinParagraphLen) {
      c.is_paragraph = true;
      add_saturating(c.num_paragraphs, 1);
    }
    if (c.parent < 0) {
      continue;
    }
    Node& p = nodes[static_cast<std::size_t>(c.parent)];
    add_saturating(p.text_len, c.text_len);
    add_saturating(p.link_len, c.link_len);
    add_saturating(p.num_paragraphs, c.num_paragraphs);
    if (c.is_text || c.is_inline) {
      add_saturating(p.inline_len, c.inline_len);
      add_saturating(p.inline_commas, c.inline_commas);
    }
  }
  return nodes;
}

// ---------------------------------------------------------------------------
// Scoring (readability's idea, our weights).

float tag_base_score(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN:
      return 5.0F;
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_BLOCKQUOTE:
      return 3.0F;
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_FORM:
      return -3.0F;
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TH:
      return -5.0F;
    default:
      return 0.0F;
  }
}

// Each paragraph gives 1 + commas + one point per 100 bytes (at most 3) to
// its parent, half to its grandparent and a sixth to the level above. A
// candidate's total is then scaled by (1 - link density). Returns the best
// candidate's index, or -1 when no paragraph exists.
std::int32_t score_candidates(std::vector<Node>& nodes) {
  constexpr float kLevelShare[] = {1.0F, 0.5F, 1.0F / 6.0F};
  for (const Node& n : nodes) {
    if (!n.is_paragraph) {
      continue;
    }
    const float points = 1.0F + static_cast<float>(n.inline_commas) +
                         std::min(static_cast<float>(n.inline_len) / 100.0F, 3.0F);
    std::int32_t a = n.parent;
    for (std::size_t level = 0; level < std::size(kLevelShare) && a >= 0; ++level) {
      Node& ancestor = nodes[static_cast<std::size_t>(a)];
      if (!ancestor.has_score) {
        ancestor.has_score = true;
        ancestor.score = tag_base_score(static_cast<GumboTag>(ancestor.tag)) +
                         (ancestor.is_positive ? 25.0F : 0.0F);
      }
      ancestor.score += points * kLevelShare[level];
      a = ancestor.parent;
    }
  }
  std::int32_t best = -1;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    if (!n.has_score) {
      continue;
    }
    n.score *= 1.0F - n.link_density();
    if (best < 0 || n.score > nodes[static_cast<std::size_t>(best)].score) {
      best = static_cast<std::int32_t>(i);
    }
  }
  return best;
}

// The best candidate and the siblings that belong with it: those that
// score nearly as well, and long paragraphs that are not mostly links.
std::vector<std::size_t> with_siblings(const std::vector<Node>& nodes, std::size_t best) {
  const Node& top = nodes[best];
  if (top.parent < 0) {
    return {best};
  }
  const auto parent = static_cast<std::size_t>(top.parent);
  const float threshold = std::max(10.0F, top.score * kSiblingShare);
  std::vector<std::size_t> roots;
  for (std::size_t c = parent + 1; c < nodes[parent].end; c = nodes[c].end) {
    const Node& n = nodes[c];
    const bool long_paragraph =
        n.tag == GUMBO_TAG_P && n.inline_len >= 80 && n.link_density() < 0.25F;
    if (c == best || (!n.is_text && n.has_score && n.score >= threshold) || long_paragraph) {
      roots.push_back(c);
    }
  }
  return roots;
}

// The semantic element with the most text: the longest <article>, unless
// a <main> holds more than twice as much.
std::int32_t best_semantic(const std::vector<Node>& nodes) {
  std::int32_t article = -1;
  std::int32_t main = -1;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::int32_t& slot = nodes[i].main_kind == MainKind::kArticle ? article : main;
    if (nodes[i].main_kind != MainKind::kNone &&
        (slot < 0 || nodes[i].text_len > nodes[static_cast<std::size_t>(slot)].text_len)) {
      slot = static_cast<std::int32_t>(i);
    }
  }
  if (article < 0 || main < 0) {
    return article >= 0 ? article : main;
  }
  const std::size_t article_len = nodes[static_cast<std::size_t>(article)].text_len;
  const std::size_t main_len = nodes[static_cast<std::size_t>(main)].text_len;
  return article_len * 2 >= main_len ? article : main;
}

std::vector<std::size_t> choose_roots(std::vector<Node>& nodes) {
  const std::int32_t best = score_candidates(nodes);
  std::vector<std::size_t> roots;
  std::size_t density_len = 0;
  if (best >= 0) {
    roots = with_siblings(nodes, static_cast<std::size_t>(best));
    for (const std::size_t r : roots) {
      density_len += nodes[r].text_len;
    }
  }
  const std::int32_t semantic = best_semantic(nodes);
  if (semantic >= 0) {
    const std::size_t len = nodes[static_cast<std::size_t>(semantic)].text_len;
    if (len > 0 && len * kSemanticShareDivisor >= density_len) {
      return {static_cast<std::size_t>(semantic)};
    }
  }
  if (!roots.empty()) {
    return roots;
  }
  // No paragraph anywhere: whatever text the body has (a bare text page).
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].tag == GUMBO_TAG_BODY && !nodes[i].is_text && nodes[i].text_len > 0) {
      return {i};
    }
  }
  return {};
}

// ---------------------------------------------------------------------------
// Rendering.

// Inside the content: forms without real paragraphs, lists, tables and
// divs that are mostly links ("related posts", tag clouds, share bars), and
// short paragraphs that are only a link.
bool is_clutter(const Node& n) {
  switch (n.tag) {
    case GUMBO_TAG_FORM:
      return n.num_paragraphs < 2;
    case GUMBO_TAG_P:
      return n.text_len < 100 && n.link_density() >= 0.9F;  // "Back to the index"
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_TABLE:
      return n.text_len > 0 && n.link_density() > 0.5F;
    default:
      return false;
  }
}

// A heading that repeats the title (the article's headline) is not text.
bool is_title_heading(const Node& n, std::string_view title) {
  const bool is_heading = n.tag == GUMBO_TAG_H1 || n.tag == GUMBO_TAG_H2 || n.tag == GUMBO_TAG_H3;
  return is_heading && !title.empty() && n.text_len <= 2 * kMaxTitleBytes &&
         equal_ignoring_ascii_case(plain_text(n.g), title);
}

// is_heading(): h1 to h6, whose text also goes into Article::headings.
bool is_heading(unsigned tag) noexcept {
  return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
         tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

// A bold paragraph is taken for a heading when its length is within
// these: a question of a FAQ fits, a label ("Note", "Example") that
// starts a few lines of its section does not, nor a paragraph of bold
// prose.
constexpr std::uint32_t kMinBoldHeadingLen = 12;
constexpr std::uint32_t kMaxBoldHeadingLen = 200;

// is_bold_heading(): a <p> whose whole text is one <b> or <strong>, as
// FAQs and pages written without heading elements mark their sections
// ("<p><b>(19) INSERT is really slow</b></p>"): a heading too. Whitespace
// around the bold text counts one character a side (measure()).
bool is_bold_heading(const std::vector<Node>& nodes, std::size_t i) noexcept {
  const Node& p = nodes[i];
  if (p.tag != GUMBO_TAG_P || p.text_len < kMinBoldHeadingLen ||
      p.text_len > kMaxBoldHeadingLen + 2) {
    return false;
  }
  for (std::size_t j = i + 1; j < p.end; j = nodes[j].end) {
    const Node& c = nodes[j];
    if (!c.is_text) {
      return (c.tag == GUMBO_TAG_B || c.tag == GUMBO_TAG_STRONG) &&
             c.text_len >= kMinBoldHeadingLen && c.text_len + 2 >= p.text_len;
    }
    if (c.text_len > 1) {
      return false;  // words before the bold text
    }
  }
  return false;
}

void render(const std::vector<Node>& nodes, std::size_t root, std::string_view title,
            detail::TextBuilder& out, detail::TextBuilder& headings) {
  enum class Close { kBlock, kPre, kRow, kCell };
  struct Open {
    std::uint32_t end;
    Close action;
  };
  std::vector<Open> open;
  int pre_depth = 0;
  const auto close_until = [&](std::size_t i) {
    while (!open.empty() && open.back().end <= i) {
      switch (open.back().action) {
        case Close::kPre:
          --pre_depth;
          out.paragraph_break();
          break;
        case Close::kBlock:
          out.paragraph_break();
          break;
        case Close::kRow:
          out.end_line();
          break;
        case Close::kCell:
          out.space();
          break;
      }
      open.pop_back();
    }
  };
  std::size_t heading_end = 0;  // inside a heading until this node
  for (std::size_t i = root; i < nodes[root].end;) {
    close_until(i);
    if (heading_end != 0 && i >= heading_end) {
      headings.paragraph_break();
      heading_end = 0;
    }
    const Node& n = nodes[i];
    if (n.is_text) {
      if (pre_depth > 0) {
        out.add_preformatted(n.g->v.text.text);
      } else {
        out.add_text(n.g->v.text.text);
      }
      if (heading_end != 0) {
        headings.add_text(n.g->v.text.text);
      }
      ++i;
      continue;
    }
    if (i != root && (is_clutter(n) || is_title_heading(n, title))) {
      i = n.end;
      continue;
    }
    if (heading_end == 0 && (is_heading(n.tag) || is_bold_heading(nodes, i))) {
      heading_end = n.end;
    }
    switch (n.tag) {
      case GUMBO_TAG_BR:
        out.line_break();
        break;
      case GUMBO_TAG_THEAD:
      case GUMBO_TAG_TBODY:
      case GUMBO_TAG_TFOOT:
        break;  // the <table> around them breaks the paragraph
      case GUMBO_TAG_TR:
        out.end_line();
        open.push_back({n.end, Close::kRow});
        break;
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
        out.space();
        open.push_back({n.end, Close::kCell});
        break;
      case GUMBO_TAG_PRE:
        ++pre_depth;
        out.paragraph_break();
        open.push_back({n.end, Close::kPre});
        break;
      default:
        if (!n.is_inline) {
          out.paragraph_break();
          open.push_back({n.end, Close::kBlock});
        }
        break;
    }
    ++i;
  }
  close_until(nodes.size());
  headings.paragraph_break();
}

}  // namespace

Article extract_article(std::string_view html) {
  if (looks_binary(html)) {
    return {};
  }
  // The page's node budget; then, when gumbo's tree and its flattened copy
  // would not fit in the memory limit, a quarter of it; then no tags at all
  // (text only: a few nodes, and no limit needed).
  const std::size_t limit = tree_memory_limit(html.size());
  const std::size_t budgets[] = {detail::node_budget(html.size()),
                                 detail::node_budget(html.size()) / 4, 0};
  for (std::size_t attempt = 0;; ++attempt) {
    const bool is_last = attempt + 1 == std::size(budgets);
    const detail::HtmlDocument document(html, budgets[attempt], is_last ? SIZE_MAX : limit);
    if (!document.parsed()) {
      continue;
    }
    const detail::Landmarks marks = detail::find_landmarks(document.root());
    if (!is_last && document.arena_bytes() + marks.num_nodes * sizeof(Node) > limit) {
      continue;
    }
    Article article;
    article.title = detail::choose_title(marks);
    std::vector<Node> nodes =
        flatten(document.root(), marks.num_nodes, protect_ancestors(marks.mains));
    detail::TextBuilder text;
    detail::TextBuilder headings;
    for (const std::size_t root : choose_roots(nodes)) {
      render(nodes, root, article.title, text, headings);
      text.paragraph_break();
    }
    if (!text.mostly_garbage()) {
      article.text = text.take();
      article.headings = headings.take();
    }
    return article;
  }
}

}  // namespace knot::text
