// Whitebox tests of knot::text's private pieces: the nesting limiter, the
// stable hashes, UTF-8 decoding and the text builder.
#include <gtest/gtest.h>

#include <string>

#include "hash.h"
#include "nesting_limiter.h"
#include "text_builder.h"
#include "utf8.h"

namespace knot::text::detail {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

// Pages nested less deeply than the limit pass through untouched.
TEST(NestingLimiterTest, ShallowPagesUnchanged) {
  EXPECT_FALSE(limit_nesting("<html><body><div><p>x</p></div></body></html>").has_value());
  EXPECT_FALSE(limit_nesting(repeat("<div>", 3), 3).has_value());
  EXPECT_FALSE(limit_nesting("").has_value());
}

// Tags deeper than the limit go, symmetrically; text stays.
TEST(NestingLimiterTest, CutsDeepTagsKeepsText) {
  EXPECT_EQ(limit_nesting("<div><div><div>x</div></div></div>", 2).value(),
            "<div><div>x</div></div>");
  EXPECT_EQ(limit_nesting("<div a='1'><DIV b=\"x>y\"><div>t</div>", 1).value(), "<div a='1'>t");
}

// What is not counted: void elements, optional-end-tag elements, comments,
// raw text, self-closing tags inside svg; uncounted tags are never cut.
TEST(NestingLimiterTest, IgnoresWhatDoesNotNest) {
  EXPECT_FALSE(limit_nesting(repeat("<p><li><br><img src=x><td><tr>", 100), 1).has_value());
  EXPECT_FALSE(
      limit_nesting("<div><!-- <div><div> --><script>'<div><div>'</script></div>", 1).has_value());
  EXPECT_FALSE(limit_nesting("<svg><path/><path/><path/></svg>", 1).has_value());
  EXPECT_FALSE(limit_nesting("<div>a < b and c <3 d</div>", 1).has_value());
  EXPECT_EQ(limit_nesting("<div><div/><span>x", 1).value(), "<div>x");  // <div/> opens in HTML
}

// Known values: splitmix64 from state 0 gives 0xE220A8397B1DCDAF first (the
// reference implementation's output), so the finalizer constants are right.
TEST(HashTest, SplitMixReferenceValue) {
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
}

// hash64 is stable (a compile-time constant) and separates seeds.
TEST(HashTest, StableAndSeeded) {
  static_assert(hash64("rust", 1) == hash64("rust", 1));
  constexpr std::uint64_t kRust = hash64("rust", 1);
  EXPECT_EQ(hash64("rust", 1), kRust);
  EXPECT_NE(hash64("rust", 1), hash64("rust", 2));
  EXPECT_NE(hash64("rust", 1), hash64("rusT", 1));
  EXPECT_NE(hash64("", 1), hash64("", 2));
}

// Strict decoding: overlongs, surrogates, truncation and values above
// U+10FFFF are each one U+FFFD of one byte.
TEST(Utf8Test, StrictDecoding) {
  const auto first = [](std::string_view s) { return decode_utf8(s, 0); };
  EXPECT_EQ(first("A").cp, U'A');
  EXPECT_EQ(first("\xC3\xA9").cp, U'\u00E9');
  EXPECT_EQ(first("\xC3\xA9").length, 2U);
  EXPECT_EQ(first("\xE2\x82\xAC").cp, U'\u20AC');
  EXPECT_EQ(first("\xF0\x9F\x94\xA5").cp, U'\U0001F525');
  for (const char* bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80", "\x80", "\xC3", "\xE2\x82"}) {
    EXPECT_EQ(first(bad).cp, kReplacementChar) << bad;
    EXPECT_EQ(first(bad).length, 1U) << bad;
  }
}

// truncate_utf8 never splits a code point.
TEST(Utf8Test, TruncateOnBoundary) {
  std::string s = "a\u00E9\u20AC";  // 1 + 2 + 3 bytes
  truncate_utf8(s, 4);
  EXPECT_EQ(s, "a\u00E9");
  truncate_utf8(s, 2);
  EXPECT_EQ(s, "a");
}

// Pending separators: never leading or trailing, strongest wins.
TEST(TextBuilderTest, Separators) {
  TextBuilder b;
  b.paragraph_break();
  b.add_text("  one  ");
  b.space();
  b.line_break();
  b.add_text("two");
  b.line_break();
  b.line_break();
  b.add_text("three");
  b.end_line();
  b.end_line();
  b.add_text("four");
  b.paragraph_break();
  EXPECT_EQ(b.take(), "one\ntwo\n\nthree\nfour");
}

// Preformatted text keeps lines and indentation; blank lines do not split
// the paragraph; trailing spaces go.
TEST(TextBuilderTest, Preformatted) {
  TextBuilder b;
  b.add_text("before");
  b.paragraph_break();
  b.add_preformatted("\nint main() {  \r\n\n    return 0;\n}\n");
  b.paragraph_break();
  b.add_text("after");
  EXPECT_EQ(b.take(), "before\n\nint main() {\n    return 0;\n}\n\nafter");
}

// Mostly U+FFFD and controls is garbage; a little is not.
TEST(TextBuilderTest, GarbageDetection) {
  TextBuilder b;
  b.add_text("readable text with one \xFF bad byte");
  EXPECT_FALSE(b.mostly_garbage());
  TextBuilder g;
  g.add_text(
      "\xFF\xFE\x01\x02"
      "ab\x80\x81");
  EXPECT_TRUE(g.mostly_garbage());
}

}  // namespace
}  // namespace knot::text::detail
