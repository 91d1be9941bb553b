// The rule for knot's own frames (knot_frames.h).

#include "knot/symbolize/knot_frames.h"

#include <algorithm>

#include "knot/symbolize/names.h"

namespace knot::symbolize {

namespace {

// Where the knot libraries' files are, as path components: public headers
// (in the tree or installed) and the libraries' sources.
constexpr std::string_view kKnotPaths[] = {
    "include/knot/runtime/", "include/knot/runtime.h",      "include/knot/instrumentation/",
    "include/knot/report/",  "include/knot/symbolize/",     "runtime/src/",
    "instrumentation/src/",  "instrumentation/report/src/", "instrumentation/symbolize/src/",
};

// without_template_arguments() is "Channel" for "Channel<int>".
std::string_view without_template_arguments(std::string_view scope) {
  return scope.substr(0, scope.find('<'));
}

}  // namespace

std::optional<bool> is_knot_by_name(std::string_view function) noexcept {
  // Three scopes tell whether the second one is the last.
  std::vector<std::string_view> scopes;
  try {
    scopes = leading_scopes(function, 3);
  } catch (...) {  // std::bad_alloc: no decision
    return std::nullopt;
  }
  if (scopes.size() < 2 || scopes[0] == "(anonymous namespace)")
    return std::nullopt;
  if (scopes[0] != "knot")
    return false;
  const std::string_view second = scopes[1];
  const bool is_last = scopes.size() == 2;
  if (is_last || second == "(anonymous namespace)")
    return true;
  const std::string_view name = without_template_arguments(second);
  if (std::find(kKnotNamespaces.begin(), kKnotNamespaces.end(), name) != kKnotNamespaces.end())
    return true;
  // A member of one of namespace knot's types (PascalCase), else a
  // namespace of a user of the runtime.
  return !name.empty() && name.front() >= 'A' && name.front() <= 'Z';
}

bool is_knot_source(std::string_view path) noexcept {
  for (const std::string_view marker : kKnotPaths) {
    for (std::size_t at = path.find(marker); at != std::string_view::npos;
         at = path.find(marker, at + 1)) {
      if (at == 0 || path[at - 1] == '/')
        return true;
    }
  }
  return false;
}

bool is_knot_frame(std::string_view function, std::string_view decl_file) noexcept {
  if (const std::optional<bool> by_name = is_knot_by_name(function))
    return *by_name;
  return !decl_file.empty() && is_knot_source(decl_file);
}

}  // namespace knot::symbolize
