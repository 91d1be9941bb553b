// knot::escape, the one sanitizer of every program: terminal, HTML and
// DOT, table-driven with named cases, plus truncation.
#include "knot/escape/escape.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace knot::escape {
namespace {

// kHostile are strings that break naive output: markup, quotes, terminal
// escapes, bidi overrides, invalid UTF-8, C1 controls.
const std::vector<std::string> kHostile = {
    "<script>alert(1)</script>",
    "a\"quoted\\back\nslash\"] -> evil [label=\"x",
    "\x1b]0;pwned\x07\x1b[2J\x1b[31mred",
    "bidi \xe2\x80\xae gnp.exe",
    "bad utf8 \xff\xfe \xc0\xaf",
    "c1 \xc2\x9b"
    "31m control",
    "cr\rdel\x7f bs\b",
};

struct EscapeCase {
  const char* name;
  std::string input;
  std::string expected;
};

std::string case_name(const ::testing::TestParamInfo<EscapeCase>& info) {
  return info.param.name;
}

class TerminalSafeTest : public ::testing::TestWithParam<EscapeCase> {};

// terminal_safe() shows every control as a visible escape and keeps the rest.
TEST_P(TerminalSafeTest, Neutralizes) {
  EXPECT_EQ(terminal_safe(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TerminalSafeTest,
    ::testing::Values(EscapeCase{"Plain", "thread 'embed'", "thread 'embed'"},
                      EscapeCase{"Utf8Kept", "Z\xc3\xbcrich \xe6\x97\xa5\xe6\x9c\xac",
                                 "Z\xc3\xbcrich \xe6\x97\xa5\xe6\x9c\xac"},
                      EscapeCase{"CsiColour", "a\x1b[31mb", "a\\x1b[31mb"},
                      EscapeCase{"OscTitleAndBell", "\x1b]0;x\x07", "\\x1b]0;x\\x07"},
                      EscapeCase{"NewlineByDefault", "a\nb", "a\\x0ab"},
                      EscapeCase{"CarriageReturn", "a\rb", "a\\x0db"},
                      EscapeCase{"TabKept", "a\tb", "a\tb"},
                      EscapeCase{"Delete", "a\x7f", "a\\x7f"},
                      EscapeCase{"C1Csi",
                                 "a\xc2\x9b"
                                 "31m",
                                 "a\\u009b31m"},
                      EscapeCase{"BidiOverride",
                                 "a\xe2\x80\xae"
                                 "b",
                                 "a\\u202eb"},
                      EscapeCase{"BidiIsolate", "\xe2\x81\xa6x", "\\u2066x"},
                      EscapeCase{"InvalidByte",
                                 "a\xff"
                                 "b",
                                 "a\\xffb"},
                      EscapeCase{"Overlong", "\xc0\xaf", "\\xc0\\xaf"},
                      EscapeCase{"Surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
                      EscapeCase{"TruncatedSequence", "ab\xe6\x97", "ab\\xe6\\x97"},
                      EscapeCase{"BackslashKept", "a\\x1b", "a\\x1b"}),
    case_name);

// With keep_newlines a newline stays (for the narrative); other controls do not.
TEST(TerminalSafeTest, KeepNewlines) {
  EXPECT_EQ(terminal_safe("a\nb\x1b", /*keep_newlines=*/true), "a\nb\\x1b");
}

// No hostile string leaves a raw control byte or ESC behind.
TEST(TerminalSafeTest, HostileStringsHaveNoControls) {
  for (const auto& hostile : kHostile) {
    for (char c : terminal_safe(hostile)) {
      const auto byte = static_cast<unsigned char>(c);
      EXPECT_TRUE(byte >= 0x20 && byte != 0x7f) << "in " << terminal_safe(hostile);
    }
  }
}

class HtmlEscapeTest : public ::testing::TestWithParam<EscapeCase> {};

// html_escape() escapes the five markup characters and repairs the rest.
TEST_P(HtmlEscapeTest, Escapes) {
  EXPECT_EQ(html_escape(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HtmlEscapeTest,
    ::testing::Values(EscapeCase{"Script", "<script>alert('x')</script>",
                                 "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
                      EscapeCase{"Attribute", "\"><img src=x>", "&quot;&gt;&lt;img src=x&gt;"},
                      EscapeCase{"EntityIsText", "&amp;", "&amp;amp;"},
                      EscapeCase{"Utf8Kept", "\xc3\xbc", "\xc3\xbc"},
                      EscapeCase{"NewlineKept", "a\nb", "a\nb"},
                      EscapeCase{"ControlReplaced",
                                 "a\x01"
                                 "b",
                                 "a\xef\xbf\xbd"
                                 "b"},
                      EscapeCase{"InvalidReplaced", "a\xff", "a\xef\xbf\xbd"}),
    case_name);

class DotEscapeTest : public ::testing::TestWithParam<EscapeCase> {};

// dot_escape() keeps a DOT quoted string closed whatever the text.
TEST_P(DotEscapeTest, Escapes) {
  EXPECT_EQ(dot_escape(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, DotEscapeTest,
                         ::testing::Values(EscapeCase{"Quote", "a\"b", "a\\\"b"},
                                           EscapeCase{"Backslash", "a\\b", "a\\\\b"},
                                           EscapeCase{"BackslashQuote", "\\\"", "\\\\\\\""},
                                           EscapeCase{"Newline", "a\nb", "a\\nb"},
                                           EscapeCase{"Ampersand", "a&b", "a&amp;b"},
                                           EscapeCase{"Escape", "a\x1b", "a\xef\xbf\xbd"},
                                           EscapeCase{"Markup", "<b>", "<b>"}),
                         case_name);

// truncate_text() cuts whole code points and marks the cut.
TEST(TruncateTextTest, CutsCodePoints) {
  EXPECT_EQ(truncate_text("hello", 5), "hello");
  EXPECT_EQ(truncate_text("hello", 3), "hel\xe2\x80\xa6");
  EXPECT_EQ(truncate_text("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2),
            "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
  EXPECT_EQ(truncate_text("", 0), "");
}

}  // namespace
}  // namespace knot::escape
