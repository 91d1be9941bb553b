// Demangling and reading demangled names (names.h).

#include "knot/symbolize/names.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace knot::symbolize {

namespace {

constexpr std::string_view kAnonymous = "(anonymous namespace)";
constexpr std::string_view kOperator = "operator";

bool is_open(char c) {
  return c == '(' || c == '<' || c == '[' || c == '{';
}

bool is_close(char c) {
  return c == ')' || c == '>' || c == ']' || c == '}';
}

}  // namespace

std::string demangle(std::string_view symbol) {
  const std::string name(symbol);
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : name;
}

// The scan keeps the start of the last top-level word: a space outside
// brackets ends a return type. A '(' outside brackets ends the name,
// unless nothing of the name has been read yet ("decltype (...) f()").
std::string_view qualified_name(std::string_view s) noexcept {
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view rest = s.substr(i);
    if (rest.starts_with(kAnonymous)) {
      i += kAnonymous.size() - 1;
      continue;
    }
    // An operator's own symbols ("operator()", "operator<") and a
    // conversion operator's type ("operator bool") would confuse the scan;
    // the name's start is known by now.
    if (depth == 0 && rest.starts_with(kOperator) && (i == start || s[i - 1] == ':'))
      return s.substr(start);
    const char c = s[i];
    if (c == '(' && depth == 0 && i > start)
      return s.substr(start, i - start);
    if (is_open(c)) {
      ++depth;
    } else if (is_close(c)) {
      depth = depth > 0 ? depth - 1 : 0;
    } else if (c == ' ' && depth == 0) {
      start = i + 1;
    }
  }
  return s.substr(start);
}

std::vector<std::string_view> leading_scopes(std::string_view demangled, std::size_t max) {
  const std::string_view name = qualified_name(demangled);
  std::vector<std::string_view> scopes;
  std::size_t begin = 0;
  int depth = 0;
  for (std::size_t i = 0; i < name.size() && scopes.size() < max; ++i) {
    if (name.substr(i).starts_with(kAnonymous)) {
      i += kAnonymous.size() - 1;
      continue;
    }
    const char c = name[i];
    if (is_open(c)) {
      ++depth;
    } else if (is_close(c)) {
      depth = depth > 0 ? depth - 1 : 0;
    } else if (depth == 0 && name.substr(i).starts_with("::")) {
      scopes.push_back(name.substr(begin, i - begin));
      begin = i + 2;
      ++i;
    }
  }
  if (scopes.size() < max && begin < name.size())
    scopes.push_back(name.substr(begin));
  return scopes;
}

std::string elide_parameters(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int depth = 0;  // inside <...>, {...} or [...]
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view rest = s.substr(i);
    if (rest.starts_with(kAnonymous)) {
      out += kAnonymous;
      i += kAnonymous.size() - 1;
      continue;
    }
    // An operator's own symbols ("operator()", "operator<<") are no
    // brackets.
    if (rest.starts_with(kOperator) && (i == 0 || s[i - 1] == ':' || s[i - 1] == ' ')) {
      std::size_t end = i + kOperator.size();
      if (s.substr(end).starts_with("()")) {
        end += 2;
      } else {
        while (end < s.size() &&
               std::string_view("<>=!+-*/%^&|~[],").find(s[end]) != std::string_view::npos)
          ++end;
      }
      out += s.substr(i, end - i);
      i = end - 1;
      continue;
    }
    const char c = s[i];
    if (c == '(' && depth == 0) {
      // A parameter list: keep its brackets, elide what is inside.
      int parens = 1;
      std::size_t close = i + 1;
      for (; close < s.size() && parens > 0; ++close) {
        if (s[close] == '(')
          ++parens;
        else if (s[close] == ')')
          --parens;
      }
      out += close == i + 2 ? "()" : "(…)";
      i = close - 1;
      continue;
    }
    if (c == '<' || c == '{' || c == '[') {
      ++depth;
    } else if ((c == '>' || c == '}' || c == ']') && depth > 0) {
      --depth;
    }
    out += c;
  }
  return out;
}

}  // namespace knot::symbolize
