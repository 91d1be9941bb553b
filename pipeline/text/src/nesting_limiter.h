// nesting_limiter.h: a linear pre-pass that keeps gumbo's per-tag work
// bounded before the HTML reaches it.
//
// Why: the HTML5 tree builder looks through the stack of open elements for
// most tags ("is there a <p> in button scope?", "is there a <div> to
// close?"), and its tokenizer compares every attribute of a tag with the
// ones before it. So N unclosed <div>s, N ignored end tags after <div>s, or
// one tag with N attributes cost O(N^2): seconds at 100 KB, hours at 16 MB.
// Real pages nest a few dozen levels deep and have a handful of attributes
// per tag; a page beyond kMaxNestingDepth or kMaxAttributes is hostile or
// broken, and losing its deepest tags or its extra attributes (never its
// text) is the better failure.
//
// How: a model of gumbo's stack of open elements, at most max_depth
// entries. A start tag that would go deeper is cut, and so is the end tag
// that pairs with it. An end tag pops the model only as far as gumbo's tree
// builder would pop: to the nearest open element of that name, not past a
// scope boundary (for block end tags) or any "special" element (for other
// end tags); an end tag that gumbo ignores pops nothing. Formatting
// elements (<b>, <a>, ...) closed by another element's end tag stay in the
// model, because gumbo reopens them at the next text. Where the model
// and gumbo differ (implied tbody/tr, reconstructed formatting elements,
// optional end tags), gumbo's stack is at most a small constant factor
// deeper than the model, never unboundedly so. Repeated <html> and <body>
// start tags (gumbo merges their attributes one by one) are cut.
//
// The node budget: gumbo spends about 200 bytes on every node it builds
// (and on every attribute), whatever the few bytes of input that made it:
// "<p>" is 3 bytes. So the limiter also counts what gumbo will build: each
// start tag kept with its attributes, each run of text, each comment, the
// </p> and </br> that make elements, and the formatting elements gumbo
// reopens (with their attributes, at each reopening: the model marks
// formatting elements closed by another element's end tag as closed, and
// reopened, above the current node, at the next text or inline start tag).
// Once that count would pass `max_nodes` (node_budget() of the page's
// size), every later tag and comment is cut (a tag other than a formatting
// element or <span> leaves a space, so that words stay apart), and script,
// style, title, textarea, iframe, noembed and noframes elements go whole;
// the text stays, as one run. Real pages build a node (or attribute) per 10 bytes or more,
// and stay well inside the budget (the Python documentation: 76% at most).
//
// What it is not: an HTML tokenizer. It skips comments, doctypes, and the
// contents of script, style and other raw-text elements, and does not
// count void elements or elements with optional end tags such as <p>, <li>
// and <td>. Cost: one pass over the input with at most max_depth model
// entries looked at per end tag; a copy only when something is cut, built
// as the scan goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace knot::text::detail {

inline constexpr std::size_t kMaxNestingDepth = 256;
inline constexpr std::size_t kMaxAttributes = 256;

// `node_budget()` is how many nodes and attributes gumbo may build for a
// page of `bytes` bytes: kBaseNodes, plus one per kBytesPerNode bytes.
inline constexpr std::size_t kBaseNodes = 32768;
inline constexpr std::size_t kBytesPerNode = 16;
constexpr std::size_t node_budget(std::size_t bytes) {
  return kBaseNodes + bytes / kBytesPerNode;
}

// `LimiterStats` counts the work of one limit_nesting() call (for tests:
// it must grow linearly with the input, whatever its shape).
struct LimiterStats {
  std::size_t num_tags = 0;           // start and end tags scanned
  std::size_t num_model_steps = 0;    // model entries looked at by end tags
  std::size_t num_cut_tags = 0;       // whole tags removed
  std::size_t num_cut_attr_runs = 0;  // tags that lost their extra attributes
  std::size_t num_nodes = 0;          // nodes and attributes gumbo will build
  bool is_budget_spent = false;       // the node budget ran out
};

// `limit_nesting()` returns `html` without the start and end tags that sit
// deeper than `max_depth` in the model above, without repeated <html> and
// <body> start tags, without the attributes past the `kMaxAttributes`th of
// any tag, and without what comes past `max_nodes` (see above: tags,
// comments, hidden raw-text elements); std::nullopt when nothing is cut.
// When `stats` is not null, the call's work is added to it.
std::optional<std::string> limit_nesting(std::string_view html,
                                         std::size_t max_depth = kMaxNestingDepth,
                                         LimiterStats* stats = nullptr,
                                         std::size_t max_nodes = SIZE_MAX);

}  // namespace knot::text::detail
