// What DWARF says about functions, for ModuleDebugInfo: where each
// subprogram's code is, the inlined calls at an address, and a function's
// qualified name. Free functions over libdw DIEs; no caching (the caller
// keeps a unit's FunctionRanges), no line tables.
//
// Why not dwarf_getscopes(): it descends only into DIEs whose own ranges
// contain the address, and GCC puts the out-of-line code of a lambda (a
// member function of a local class) inside the enclosing function's DIE,
// whose ranges do not contain it; and above an inlined call it continues
// with the inlined function's abstract definition, not its caller. Nor
// dwarf_getscopes_die(), which visits every scope of the unit up to the
// DIE: a name found by descending along DIE offsets costs a few sibling
// hops per level instead.
#pragma once

#include <elfutils/libdw.h>

#include <string>
#include <vector>

namespace knot::symbolize::detail {

// FunctionRange is one address range of a subprogram's code, in DWARF
// addresses, and the subprogram DIE's offset.
struct FunctionRange {
  Dwarf_Addr low = 0;
  Dwarf_Addr high = 0;
  Dwarf_Off die = 0;
};

// index_functions() lists the code ranges of the subprograms of `unit`
// that have code: at its top level, in namespaces, and inside functions
// (local classes: lambdas), sorted by address. One walk of the unit's DIE
// tree that skips the bodies of namespace-level classes (declarations only).
std::vector<FunctionRange> index_functions(Dwarf_Die unit);

// inline_chain() is the function DIEs at `address` (a DWARF address) in
// `function`, a subprogram whose code contains it: the inlined calls,
// innermost first, then `function`. At most a few hundred levels (bad
// DWARF cannot loop it).
std::vector<Dwarf_Die> inline_chain(Dwarf_Die function, Dwarf_Addr address);

// function_name() names a function DIE (a subprogram or an inlined call):
// its demangled linkage name, else its DWARF name with the namespaces,
// classes and functions that enclose its declaration:
// "knot::detail::run<main()::<lambda()> >", "main::{lambda}::operator()"
// (a closure type has no name in DWARF). Templates instantiated with a
// local type, such as a user's lambda, have no linkage name.
std::string function_name(Dwarf_Die die);

// declared_in() is the file that declares the function of `die` (through
// its abstract origin or specification), as DWARF records it; empty if
// none.
std::string declared_in(Dwarf_Die die);

}  // namespace knot::symbolize::detail
