// Colour for the terminal: ANSI escapes or nothing, and when to use them.
//
//   ColorMode          --color=auto|always|never
//   parse_color_mode() its command-line name to the mode
//   should_use_color() the decision: a terminal, NO_COLOR, the flag
//   Palette            paints text by role (heading, verdict, user frame...)
//
// The renderers name roles, never escape codes, so plain output is the same
// text without them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace knot::view {

enum class ColorMode {
  kAuto,    // colour when stdout is a terminal and NO_COLOR is unset or empty
  kAlways,  // colour even into a pipe or file (the flag beats NO_COLOR)
  kNever,   // plain text
};

// parse_color_mode() reads "auto", "always" or "never"; nullopt otherwise.
std::optional<ColorMode> parse_color_mode(std::string_view name);

// should_use_color() decides for `mode`, given whether stdout is a terminal
// and the value of the NO_COLOR environment variable (nullptr when unset).
// A NO_COLOR that is present and not empty turns colour off in kAuto, as
// https://no-color.org asks.
bool should_use_color(ColorMode mode, bool stdout_is_terminal, const char* no_color_env);

class Palette {
 public:
  // Role is what a piece of text is; each has one look.
  enum class Role {
    kHeading,           // section titles
    kVerdictProven,     // a proven verdict (red)
    kVerdictInferred,   // an inferred verdict, an inferred edge (magenta)
    kVerdictSuspected,  // a warning (yellow)
    kVerdictPotential,  // a potential deadlock, a run that did not hang (blue)
    kCycle,             // the cycle's chain and its members (red)
    kName,              // a user-given name of a thread, pool or resource
    kUserFrame,         // a frame of the user's code (emphasized)
    kQuietFrame,        // knot's own and system frames (dim)
    kMuted,             // secondary facts: locations, ids
  };

  // Palette(true) paints with ANSI SGR escapes; Palette(false) leaves text
  // as it is.
  explicit Palette(bool is_color) : is_color_(is_color) {}

  bool is_color() const { return is_color_; }

  // paint() wraps `text` in the escapes of `role` (and a reset). `text`
  // must already be terminal-safe (knot/escape/escape.h): paint adds escapes, it does
  // not remove any.
  std::string paint(Role role, std::string_view text) const;

 private:
  bool is_color_;
};

}  // namespace knot::view
