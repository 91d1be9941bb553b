// Function names as symbolizers and viewers read them.
//
//   demangle()        a symbol (mangled or not) to the name people read
//   qualified_name()  the part of a demangled name that names the function
//   leading_scopes()  the first scopes of a qualified name
//   elide_parameters() a demangled name with its parameter lists as "(…)"
//
// Pure functions; no libdw here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace knot::symbolize {

// demangle() is the demangled form of an Itanium C++ ABI symbol
// ("_ZN4knot5Latch4waitEv" -> "knot::Latch::wait()"), or `symbol` itself
// when it is not one (a C function). Clone suffixes are kept, as the
// demangler writes them ("f() [clone .cold]"). Thread-safe; allocates.
std::string demangle(std::string_view symbol);

// qualified_name() cuts a demangled name down to the function's qualified
// name: the return type ("void", "std::vector<int> ", "decltype (...) "),
// the parameter list, qualifiers and clone suffixes go; template arguments
// stay. "void knot::join<A, B>(A&&, B&&)" -> "knot::join<A, B>". Operator
// names keep what follows them ("knot::X::operator<(...) const"). Pure.
std::string_view qualified_name(std::string_view demangled) noexcept;

// leading_scopes() splits the qualified name of `demangled` at its
// top-level "::" and returns at most `max` leading components:
// "knot::detail::park" -> {"knot", "detail"} for max 2. Template
// arguments, parameter lists, "(anonymous namespace)" and "{lambda()#1}"
// stay whole inside their component. Pure.
std::vector<std::string_view> leading_scopes(std::string_view demangled, std::size_t max);

// elide_parameters() shortens every non-empty parameter list of
// `demangled` outside template arguments and lambda names to "(…)", for
// people to read: "ns::f(ns::Ctx&, std::vector<int> const&)::{lambda(int)#1}
// ::operator()(int) const" -> "ns::f(…)::{lambda(int)#1}::operator()(…)
// const". "(anonymous namespace)" and operator names stay. Pure.
std::string elide_parameters(std::string_view demangled);

}  // namespace knot::symbolize
