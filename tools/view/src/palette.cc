// ANSI colours by role (palette.h). Only SGR sequences ("ESC [ ... m") are
// ever written, so the worst a wrong role does is a wrong colour.

#include "knot/view/palette.h"

namespace knot::view {

namespace {

std::string_view sgr(Palette::Role role) {
  switch (role) {
    case Palette::Role::kHeading:
      return "\x1b[1m";
    case Palette::Role::kVerdictProven:
      return "\x1b[1;31m";
    case Palette::Role::kVerdictInferred:
      return "\x1b[1;35m";
    case Palette::Role::kVerdictSuspected:
      return "\x1b[1;33m";
    case Palette::Role::kVerdictPotential:
      return "\x1b[1;34m";
    case Palette::Role::kCycle:
      return "\x1b[31m";
    case Palette::Role::kName:
      return "\x1b[36m";
    case Palette::Role::kUserFrame:
      return "\x1b[1m";
    case Palette::Role::kQuietFrame:
    case Palette::Role::kMuted:
      return "\x1b[2m";
  }
  return "";
}

constexpr std::string_view kReset = "\x1b[0m";

}  // namespace

std::optional<ColorMode> parse_color_mode(std::string_view name) {
  if (name == "auto")
    return ColorMode::kAuto;
  if (name == "always")
    return ColorMode::kAlways;
  if (name == "never")
    return ColorMode::kNever;
  return std::nullopt;
}

bool should_use_color(ColorMode mode, bool stdout_is_terminal, const char* no_color_env) {
  switch (mode) {
    case ColorMode::kAlways:
      return true;
    case ColorMode::kNever:
      return false;
    case ColorMode::kAuto:
      break;
  }
  const bool no_color = no_color_env != nullptr && no_color_env[0] != '\0';
  return stdout_is_terminal && !no_color;
}

std::string Palette::paint(Role role, std::string_view text) const {
  if (!is_color_ || text.empty())
    return std::string(text);
  std::string out;
  out.reserve(text.size() + 12);
  out += sgr(role);
  out += text;
  out += kReset;
  return out;
}

}  // namespace knot::view
