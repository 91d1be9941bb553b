// Making untrusted text safe for where it is shown: the one sanitizer of
// every knot program (knot-view, knot-dump, knot-embed). Every string in a
// report (names, frames, the narrative), every path read from a file or a
// folder listing, every file name met while ingesting is untrusted: a
// thread may be named "<script>", a folder "\x1b]0;pwned\a". Each one
// passes through one of these before it reaches the output.
//
//   terminal_safe()  neutralizes control characters for a terminal
//   html_escape()    text for HTML element content and quoted attributes
//   dot_escape()     text for the inside of a Graphviz "quoted string"
//   truncate_text()  at most N code points, with an ellipsis
//
// All of them also repair invalid UTF-8, so the output is always valid
// UTF-8 whatever the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace knot::escape {

// terminal_safe() returns `text` with every character a terminal would act
// on shown as a visible escape instead: C0 controls (ESC becomes "\x1b";
// tab and, if `keep_newlines`, newline are kept), DEL, C1 controls
// ("\u009b"), the bidirectional overrides and isolates that reorder what
// is shown ("\u202e"), and bytes that are not valid UTF-8 ("\xff").
// Backslashes are kept as they are.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);

// html_escape() escapes & < > " ' as character references. Control
// characters other than tab and newline, and invalid UTF-8, become U+FFFD.
std::string html_escape(std::string_view text);

// dot_escape() makes `text` safe between the double quotes of a DOT string:
// backslash and quote are escaped, & becomes &amp; (Graphviz reads
// character entities in labels), a newline becomes Graphviz's "\n", other
// controls and invalid UTF-8 become U+FFFD.
std::string dot_escape(std::string_view text);

// truncate_text() keeps the first `max_code_points` code points of `text`
// (valid UTF-8 is never cut inside a character) and appends "…" when
// something was cut.
std::string truncate_text(std::string_view text, std::size_t max_code_points);

}  // namespace knot::escape
