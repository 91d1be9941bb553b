// knot/text/extract.h: reader-mode article extraction from HTML.
//
// `extract_article()` parses a page with gumbo (an HTML5 parser, so broken
// markup is repaired the way a browser repairs it) and keeps what a reader
// mode would show: the title and the main content, without navigation,
// headers, footers, sidebars, scripts, forms, comments, cookie banners and
// other boilerplate. The rules are described in docs/pipeline-text.md.
//
//   Article            the title and the text of one page.
//   extract_article()  HTML in, Article out; never throws on bad HTML.
//   kExtractorVersion  bumped whenever the output for some page can change.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace knot::text {

// `Article` is what extraction keeps of a page. `title` is one line with
// collapsed whitespace (at most kMaxTitleBytes). `text` is the main content:
// paragraphs separated by "\n\n"; inside a paragraph a <br> or a line of a
// <pre> block gives a single "\n" and all other whitespace is one space.
// Both are valid UTF-8 (invalid input bytes become U+FFFD) and trimmed.
// `headings` repeats the text of the content's headings (h1 to h6, but not
// the one that repeats the title, and paragraphs that are all bold, as a
// FAQ's questions often are), one per paragraph: search weighs them above
// the body, and passages start at them.
struct Article {
  std::string title;
  std::string text;
  std::string headings;
};

// `kMaxTitleBytes` caps `Article::title` (cut at a code point boundary).
inline constexpr std::size_t kMaxTitleBytes = 1000;

// `extract_article()` extracts the title and main text of `html`.
//
// - Title: the <title> element; if it is empty, the first <h1>. When the
//   <title> is "Headline | Site" and an <h1> says "Headline", the <h1> wins.
// - Content: the longest <article> (or <main>, role=main,
//   itemprop=articleBody) when it holds a fair share of the page's text;
//   otherwise the block container with the best text-density score
//   (paragraph count and length, commas, link density), as readability
//   does, plus the siblings that score nearly as well.
// - Dropped everywhere: nav, header, footer, aside, script, style, noscript,
//   iframe, svg, math, template, buttons and inputs, hidden elements,
//   navigation landmarks (role=navigation and similar), elements whose class
//   or id says sidebar, menu, comment, advert, cookie, share, footer and so
//   on, forms without real paragraphs, and link lists inside the content.
//
// Robustness: any byte string is accepted (binary garbage, invalid UTF-8,
// empty input, unclosed tags, 10 MB pages), and time is linear in the
// input's size: tags nested deeper than 256 levels and attributes past the
// 256th of a tag are removed before parsing (their text is kept), because
// the HTML5 tree builder and tokenizer are quadratic in both; nothing in
// extraction recurses. Memory is bounded too (docs/pipeline.md, "Memory
// per file"): gumbo builds a node of about 200 bytes for as little as 3
// bytes of input, so past a budget of one node per 16 bytes of input (plus
// 32768) every tag and comment is removed (the text is kept, as plain
// text), and gumbo's tree with its flattened copy never takes more than 14
// times the input plus 16 MiB (a parse that would is done again with a
// quarter of the budget, then without tags). With the limiter's copy of
// the input and the text itself, the peak stays under 16 times the input
// plus 16 MiB.
// Input with a NUL byte or mostly invalid UTF-8 in its first 64 KiB, or
// whose text is mostly U+FFFD and controls, is binary: empty title and text.
// Returns empty text when no content is found. Thread-safe: no shared state.
Article extract_article(std::string_view html);

// `kExtractorVersion` changes whenever extraction rules change, so that the
// pipeline knows stored texts are stale and re-extracts them. Version 3:
// pages past the node budget lose their later tags (#16 item 9). Version
// 4: Article::headings. Version 5: permalink marks (a pilcrow linking to
// its own heading or signature) are not text. Version 6: a paragraph that
// is all bold, 12 to 200 characters, is a heading.
inline constexpr int kExtractorVersion = 6;

}  // namespace knot::text
