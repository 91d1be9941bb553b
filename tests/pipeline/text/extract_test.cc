// knot::text extract_article(): realistic fixture pages (boilerplate gone,
// paragraphs kept, title chosen) and small table-driven cases for each rule.
#include "knot/text/extract.h"
#include "knot/text/passages.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_files.h"

namespace knot::text {
namespace {

using fixtures::data_dir;
using fixtures::paragraphs;
using fixtures::read_file;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Wraps body markup in a minimal document.
std::string page(const std::string& body, const std::string& title = "T") {
  return "<!DOCTYPE html><html><head><title>" + title + "</title></head><body>" + body +
         "</body></html>";
}

const std::string kLong1 =
    "The first paragraph is long enough to count as real content, with commas, clauses, and "
    "a full stop at the end of it.";
const std::string kLong2 =
    "The second paragraph continues the story in the same calm tone, adding detail after detail "
    "until the reader is satisfied.";

// The news fixture: nav, header, cookie banner, share bar, advert, related
// links, comments, sidebar, footer, scripts and noscript all disappear; the
// four paragraphs stay, in order, with entities decoded.
TEST(ExtractTest, NewsArticleKeepsParagraphsAndDropsBoilerplate) {
  const Article a = extract_article(read_file(data_dir() / "article_full.html"));
  EXPECT_EQ(a.title, "The Quiet Return of the Night Train");
  const std::vector<std::string> paras = paragraphs(a.text);
  ASSERT_EQ(paras.size(), 4U) << a.text;
  EXPECT_TRUE(paras[0].starts_with("For two decades the sleeper carriage looked like a relic."));
  EXPECT_TRUE(paras[1].starts_with("The revival owes as much to arithmetic"));
  EXPECT_TRUE(paras[2].starts_with("Operators admit the economics remain fragile."));
  EXPECT_TRUE(paras[3].ends_with("how to get a ticket.\u201D"));
  // &mdash; and &ldquo; decoded; the <em> flows inline.
  EXPECT_TRUE(contains(a.text, "compartment \u2014 four berths")) << a.text;
  EXPECT_TRUE(contains(a.text, "the night train is back: new services"));
  for (const char* junk : {"cookie",
                           "Skip to content",
                           "Subscribe",
                           "Search the archive",
                           "Share on Social",
                           "Email this story",
                           "Advertisement",
                           "Related stories",
                           "ferry routes",
                           "comments",
                           "breakfast was terrible",
                           "Leave a reply",
                           "Most read",
                           "newsletter",
                           "All rights reserved",
                           "Privacy",
                           "dataLayer",
                           "enable JavaScript",
                           "Ingrid Solberg",
                           "Northbound Weekly"}) {
    EXPECT_FALSE(contains(a.text, junk)) << "boilerplate left: " << junk << "\n" << a.text;
  }
}

// A blog in plain divs (no <article>, no <main>): the density scorer picks
// the post's text over the link-heavy columns, and the title loses its
// " - Site" suffix because <div class="post-title"> repeats the headline.
TEST(ExtractTest, PageWithoutArticleElementIsFoundByDensity) {
  const Article a = extract_article(read_file(data_dir() / "no_article_blog.html"));
  const std::vector<std::string> paras = paragraphs(a.text);
  ASSERT_EQ(paras.size(), 4U) << a.text;
  EXPECT_TRUE(paras[0].starts_with("When I first carried a hive up the fire escape"));
  EXPECT_TRUE(paras[3].ends_with("where you want to put one."));
  EXPECT_EQ(a.title, "Keeping Bees on a City Roof");
  for (const char* junk : {"Categories", "Blogroll", "Tomatoes (22)", "About me", "Tags:",
                           "12 comments", "Copyright", "RSS", "Notes from a small garden"}) {
    EXPECT_FALSE(contains(a.text, junk)) << "boilerplate left: " << junk << "\n" << a.text;
  }
}

// Short teaser <article>s before and after the story lose to the longest.
TEST(ExtractTest, LongestArticleWinsOverTeaserCards) {
  const Article a = extract_article(read_file(data_dir() / "teaser_cards.html"));
  EXPECT_EQ(a.title, "Listening to a Volcano");
  const std::vector<std::string> paras = paragraphs(a.text);
  ASSERT_EQ(paras.size(), 3U) << a.text;
  EXPECT_TRUE(paras[0].starts_with("On the flank of the mountain"));
  EXPECT_FALSE(contains(a.text, "Harbour bridge"));
  EXPECT_FALSE(contains(a.text, "comet"));
}

// Headings, list items and table rows are paragraphs or lines of their
// own; <pre> keeps its lines and indentation; the sidebar, the
// role=navigation block and the footer go; the <title>'s suffix goes
// because the <h1> says the headline, and the <h1> is not repeated.
TEST(ExtractTest, TutorialKeepsStructureAndCode) {
  const Article a = extract_article(read_file(data_dir() / "tutorial_code.html"));
  EXPECT_EQ(a.title, "Reading a File Line by Line in C++");
  EXPECT_FALSE(contains(a.text, "Reading a File Line by Line in C++")) << a.text;
  EXPECT_TRUE(contains(a.text, "\n\nUsing std::getline\n\n"));
  EXPECT_TRUE(contains(a.text,
                       "std::ifstream in(\"data.txt\");\nstd::string line;\n"
                       "while (std::getline(in, line)) {\n    process(line);\n}"))
      << a.text;
  EXPECT_TRUE(contains(a.text, "\n\nFiles written on Windows end their lines"));
  EXPECT_TRUE(contains(a.text, "Method Speed\ngetline fast enough")) << a.text;
  EXPECT_TRUE(a.text.ends_with("clear, correct and portable."));
  for (const char* junk : {"Popular snippets", "Snippets \u203A", "public domain", "One Two"}) {
    EXPECT_FALSE(contains(a.text, junk)) << "boilerplate left: " << junk << "\n" << a.text;
  }
}

// Permalink marks, as Sphinx and other generators put them after headings
// and API signatures, are not text: neither the body nor the headings keep
// them. A pilcrow that is the page's own text, or a link elsewhere, stays.
TEST(ExtractTest, PermalinkMarksAreNotText) {
  const Article a = extract_article(page(
      "<article><h2>Reading files<a class=\"headerlink\" href=\"#reading\" "
      "title=\"Link to this heading\">\u00B6</a></h2><p>" +
      kLong1 + "</p><dl><dt>open(file, mode='r')<a href=\"#open\"> \u00A7 </a></dt><dd><p>" +
      kLong2 + "</p></dd></dl><h3>Notes<a href=\"#notes\"><span>#</span></a></h3><p>" + kLong1 +
      " A pilcrow \u00B6 written in the text stays, and so does <a href=\"#x\">#5</a> and "
      "<a href=\"https://example.org/\">\u00B6</a>.</p></article>"));
  EXPECT_TRUE(contains(a.text, "Reading files\n\n")) << a.text;
  EXPECT_TRUE(contains(a.text, "open(file, mode='r')\n")) << a.text;
  EXPECT_TRUE(contains(a.text, "Notes\n\n")) << a.text;
  EXPECT_FALSE(contains(a.text, "files\u00B6")) << a.text;
  EXPECT_FALSE(contains(a.text, "\u00A7")) << a.text;
  EXPECT_FALSE(contains(a.text, "Notes#")) << a.text;
  EXPECT_TRUE(contains(a.text, "A pilcrow \u00B6 written")) << a.text;
  EXPECT_TRUE(contains(a.text, "#5")) << a.text;
  EXPECT_TRUE(contains(a.text, "and \u00B6.")) << a.text;
  EXPECT_EQ(a.headings.find("\u00B6"), std::string::npos) << a.headings;
  EXPECT_TRUE(contains(a.headings, "Reading files")) << a.headings;
  EXPECT_FALSE(contains(a.headings, "Notes#")) << a.headings;
}

// A paragraph that is all bold is a heading, as a FAQ's questions are
// marked: it goes into the headings, and passages start at it. A bold
// label ("Note:"), a paragraph that goes on after its bold start, and a
// bold paragraph of prose stay body text.
TEST(ExtractTest, BoldParagraphsAreHeadings) {
  const std::string prose(240, 'x');
  const Article a = extract_article(
      page("<article><h2>Questions</h2><p> <b>(19) INSERT is really slow</b> </p><p>" + kLong1 +
           "</p><p><strong>Can two processes write at once?</strong></p><p>" + kLong2 +
           "</p><p><b>Note:</b></p><p><b>Warning</b> this paragraph goes on after its bold start " +
           "and is body text.</p><p><b>" + prose + "</b></p><p>" + kLong1 + "</p></article>"));
  EXPECT_TRUE(contains(a.headings, "(19) INSERT is really slow")) << a.headings;
  EXPECT_TRUE(contains(a.headings, "Can two processes write at once?")) << a.headings;
  EXPECT_TRUE(contains(a.text, "\n\n(19) INSERT is really slow\n\n")) << a.text;
  for (const char* body : {"Note:", "Warning", "xxxxxxxx"}) {
    EXPECT_FALSE(contains(a.headings, body)) << body << "\n" << a.headings;
    EXPECT_TRUE(contains(a.text, body)) << body;
  }
  const std::vector<Passage> passages = split_passages(a.text, a.headings);
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0].heading, "(19) INSERT is really slow");
  EXPECT_EQ(passages[1].heading, "Can two processes write at once?");
  EXPECT_TRUE(contains(passages[1].body, "Note:")) << passages[1].body;
}

struct TitleCase {
  const char* name;
  std::string html;
  std::string title;
};

// Title rules, one case each.
TEST(ExtractTest, TitleRules) {
  const std::vector<TitleCase> cases = {
      {"title element", page("<p>x</p>", "Plain title"), "Plain title"},
      {"whitespace collapsed", page("", "  Many \n\t spaces  here "), "Many spaces here"},
      {"entities decoded", page("", "Fish &amp; Chips &lt;3"), "Fish & Chips <3"},
      {"h1 when no title", "<html><body><h1>Only <em>heading</em></h1><p>x</p></body></html>",
       "Only heading"},
      {"h1 when title empty", page("<h1>Fallback</h1>", "   "), "Fallback"},
      {"suffix dropped when h1 repeats headline",
       page("<h1>Big News Today</h1><p>x</p>", "Big News Today | The Paper"), "Big News Today"},
      {"prefix dropped when h1 repeats headline",
       page("<h1>Big News Today</h1>", "Paper :: Big News Today"), "Big News Today"},
      {"class headline counts",
       page("<div class='post-title'>Longer Headline Here</div>", "Longer Headline Here - Blog"),
       "Longer Headline Here"},
      {"kept when h1 is the site name",
       page("<header><h1>Blog</h1></header><h1>Other</h1>", "A Long Headline | Blog"),
       "A Long Headline | Blog"},
      {"svg title ignored", "<html><body><svg><title>icon</title></svg><h1>Real</h1></body></html>",
       "Real"},
      {"none", "<p>no title at all</p>", ""},
  };
  for (const TitleCase& c : cases) {
    EXPECT_EQ(extract_article(c.html).title, c.title) << c.name;
  }
}

// Titles are capped at kMaxTitleBytes without cutting a code point.
TEST(ExtractTest, LongTitleIsCappedOnCodePointBoundary) {
  std::string title;
  for (int i = 0; i < 800; ++i) {
    title += "\u00E9";  // 2 bytes each
  }
  const Article a = extract_article(page("", title + "x"));
  EXPECT_LE(a.title.size(), kMaxTitleBytes);
  EXPECT_GE(a.title.size(), kMaxTitleBytes - 1);
  EXPECT_EQ(a.title.size() % 2, 0U);
}

struct TextCase {
  const char* name;
  std::string body;
  std::string text;
};

// Text rules: whitespace, breaks, dropped elements, clutter.
TEST(ExtractTest, TextRules) {
  const std::vector<TextCase> cases = {
      {"whitespace collapsed and trimmed", "<p>  a \n\n  b\t c  </p>", "a b c"},
      {"inline flows, blocks break", "<div><p>one <b>two</b> <a href=x>three</a></p><p>four</p>",
       "one two three\n\nfour"},
      {"br is a line, two are a paragraph", "<p>a<br>b<br><br>c</p>", "a\nb\n\nc"},
      {"nbsp and zero-width", "<p>a&nbsp;b&#8203;c&shy;d</p>", "a b cd"},
      {"script style noscript template dropped",
       "<p>a</p><script>x()</script><style>p{}</style><noscript>js</noscript>"
       "<template><p>t</p></template><p>b</p>",
       "a\n\nb"},
      {"hidden dropped",
       "<p>a</p><p hidden>h1</p><p aria-hidden=\"true\">h2</p><p style=\"display: none\">h3</p>"
       "<p style='visibility:hidden'>h4</p><p>b</p>",
       "a\n\nb"},
      {"landmark roles dropped",
       "<p>a</p><div role=navigation>n</div><div role=complementary>c</div>"
       "<div role=contentinfo>i</div><div role=search>s</div><p>b</p>",
       "a\n\nb"},
      {"class and id hints",
       "<p>a</p><div class='cookie-banner'>c</div><div id=sidebar2>s</div>"
       "<div class='commentList'>m</div><div class='sr-only'>skip</div>"
       "<div class='hidden-xs'>shown</div><p>b</p>",
       "a\n\nshown\n\nb"},
      {"weak hint overridden by a positive word",
       "<div class='content-header'>kept</div><div class='header'>gone</div>", "kept"},
      {"forms without paragraphs dropped", "<p>a</p><form><label>Name</label><input></form>", "a"},
      {"svg and math dropped", "<p>a<svg><text>vector</text></svg><math><mi>x</mi></math>b</p>",
       "ab"},
      {"link lists dropped",
       "<p>" + kLong1 +
           "</p><ul><li><a href=1>Link one</a></li><li><a href=2>Link two</a></li></ul>"
           "<p>" +
           kLong2 + "</p>",
       kLong1 + "\n\n" + kLong2},
      {"a paragraph that is a short link dropped",
       "<p>" + kLong1 + "</p><p><a href=/>Back to the index</a></p>", kLong1},
      {"table cells and rows",
       "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a b\nc d"},
      {"bare text body", "just some words", "just some words"},
      {"empty body", "", ""},
      {"only boilerplate", "<nav><p>" + kLong1 + "</p></nav><footer>f</footer>", ""},
  };
  for (const TextCase& c : cases) {
    EXPECT_EQ(extract_article(page(c.body)).text, c.text) << c.name;
  }
}

// A <main> that holds the article plus a wrapper whose class says sidebar:
// the wrapper holds the content, so it is not dropped.
TEST(ExtractTest, SidebarWordOnContentWrapperIsIgnored) {
  const Article a = extract_article(
      page("<div class='content-sidebar-wrap'><main><p>" + kLong1 + "</p><p>" + kLong2 +
           "</p></main><div class='sidebar'><p>" + kLong2 + " Sidebar.</p></div></div>"));
  EXPECT_EQ(a.text, kLong1 + "\n\n" + kLong2);
}

// The density path merges siblings that score well: content split over
// several divs under one parent is kept whole.
TEST(ExtractTest, DensityMergesGoodSiblings) {
  std::string body = "<div id=menu><a href=1>One</a> <a href=2>Two</a></div><div id=page>";
  for (int i = 0; i < 3; ++i) {
    body += "<div class=part><p>" + kLong1 + "</p><p>" + kLong2 + "</p></div>";
  }
  body += "</div>";
  const Article a = extract_article(page(body));
  EXPECT_EQ(paragraphs(a.text).size(), 6U) << a.text;
  EXPECT_FALSE(contains(a.text, "One"));
}

// Output is valid UTF-8 even when the input is not: invalid bytes become
// U+FFFD.
TEST(ExtractTest, InvalidUtf8BecomesReplacementCharacter) {
  const Article a = extract_article(page("<p>caf\xE9 ok</p>", "bad \xFF title"));
  EXPECT_EQ(a.text, "caf\uFFFD ok");
  EXPECT_EQ(a.title, "bad \uFFFD title");
}

}  // namespace
}  // namespace knot::text
