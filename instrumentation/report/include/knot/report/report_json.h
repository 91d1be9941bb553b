// The JSON form of a Report (nlohmann/json behind the interface).
//
//   to_json()    a Report as one JSON object (UTF-8 text)
//   parse()      text to Report, tolerant: unknown fields are ignored,
//                missing optional ones take their defaults, and each
//                malformed section becomes a diagnostic instead of a failure
//   ParseResult  the report (if the document could be read) and diagnostics
//
// Never throws on bad input: a truncated, non-JSON, non-object or
// wrong-major-version document yields no report and an error diagnostic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knot/report/report.h"

namespace knot::report {

// Diagnostic says what was wrong at a JSON path ("/threads/3/wait").
struct Diagnostic {
  enum class Severity { kWarning, kError };
  Severity severity = Severity::kError;
  std::string path{};
  std::string message{};
};

struct ParseResult {
  std::optional<Report> report{};  // absent when the document is unusable
  std::vector<Diagnostic> diagnostics{};
};

// to_json() writes `report` as JSON, indented by `indent` spaces (-1: one
// line). Strings are escaped, invalid UTF-8 replaced.
std::string to_json(const Report& report, int indent = 2);

// parse() reads a report. Documents nested deeper than `max_depth` are
// refused (a hostile file cannot exhaust the stack).
ParseResult parse(std::string_view text, int max_depth = 64);

}  // namespace knot::report
