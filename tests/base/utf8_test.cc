// knot/base/utf8.h: the one strict decoder, on valid text of every length,
// on each kind of invalid sequence, and what validation and sanitizing make
// of them.
#include "knot/base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace knot::base {
namespace {

TEST(Utf8Test, DecodesEveryLength) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  Utf8Char c = decode_utf8(s, 0);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.cp, U'a');
  EXPECT_EQ(c.length, 1u);
  c = decode_utf8(s, 1);
  EXPECT_EQ(c.cp, U'\u00E9');
  EXPECT_EQ(c.length, 2u);
  c = decode_utf8(s, 3);
  EXPECT_EQ(c.cp, U'\u20AC');
  EXPECT_EQ(c.length, 3u);
  c = decode_utf8(s, 6);
  EXPECT_EQ(c.cp, U'\U0001F600');
  EXPECT_EQ(c.length, 4u);
  EXPECT_TRUE(is_valid_utf8(s));
  std::string round;
  for (char32_t cp : {U'a', U'\u00E9', U'\u20AC', U'\U0001F600'})
    append_utf8(round, cp);
  EXPECT_EQ(round, s);
}

// Each invalid sequence decodes as one invalid byte, so a loop progresses.
TEST(Utf8Test, RefusesInvalidSequencesOneByteAtATime) {
  const char* bad[] = {
      "\x80",              // a stray continuation byte
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong, 3 bytes
      "\xED\xA0\x80",      // a UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xF5\x80\x80\x80",  // a lead byte that never starts a sequence
      "\xE2\x82",          // truncated
      "\xE2\x28\xA1",      // a lead followed by a non-continuation
  };
  for (const char* b : bad) {
    const std::string s = b;
    const Utf8Char c = decode_utf8(s, 0);
    EXPECT_FALSE(c.valid) << s;
    EXPECT_EQ(c.length, 1u) << s;
    EXPECT_EQ(c.cp, kReplacementChar) << s;
    EXPECT_FALSE(is_valid_utf8(s)) << s;
  }
}

TEST(Utf8Test, SanitizeReplacesEachInvalidRunOnce) {
  EXPECT_EQ(sanitize_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(sanitize_utf8("a\x80\x80\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80x\xFF"), "\xEF\xBF\xBDx\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xF0\x9F\x98")));
  EXPECT_TRUE(is_valid_utf8(""));
}

}  // namespace
}  // namespace knot::base
