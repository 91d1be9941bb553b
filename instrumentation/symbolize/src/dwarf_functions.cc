// What DWARF says about functions (dwarf_functions.h).

#include "dwarf_functions.h"

#include <dwarf.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "knot/symbolize/names.h"

namespace knot::symbolize::detail {

namespace {

// Bounds against bad DWARF: how deep a descent goes, how many links lead
// from a DIE to its declaration, how deep names follow local types into
// their functions ("f()::{lambda}::operator()" in "g()::{lambda}"...).
constexpr int kMaxNesting = 256;
constexpr int kMaxDeclarationHops = 8;
constexpr int kMaxNameDepth = 4;

const char* string_attribute(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

// declaration_of() follows a DIE's abstract origin (an inlined call or a
// concrete instance) and specification (an out-of-class definition) to
// the DIE that declares the function in its scope.
Dwarf_Die declaration_of(Dwarf_Die die) {
  for (int hop = 0; hop < kMaxDeclarationHops; ++hop) {
    Dwarf_Attribute storage;
    Dwarf_Attribute* link = dwarf_attr(&die, DW_AT_abstract_origin, &storage);
    if (link == nullptr)
      link = dwarf_attr(&die, DW_AT_specification, &storage);
    Dwarf_Die next;
    if (link == nullptr || dwarf_formref_die(link, &next) == nullptr)
      break;
    die = next;
  }
  return die;
}

// enclosing_scopes() is the DIEs that contain `target`, from its unit's
// top level down to its parent. DIE offsets follow the tree, so at each
// level the child whose offsets span the target's is the next scope.
std::vector<Dwarf_Die> enclosing_scopes(Dwarf_Die target) {
  std::vector<Dwarf_Die> path;
  Dwarf_Die scope;
  if (dwarf_diecu(&target, &scope, nullptr, nullptr) == nullptr)
    return path;
  const Dwarf_Off wanted = dwarf_dieoffset(&target);
  for (int depth = 0; depth < kMaxNesting; ++depth) {
    Dwarf_Die child;
    if (dwarf_child(&scope, &child) != 0)
      return {};
    for (;;) {
      const Dwarf_Off at = dwarf_dieoffset(&child);
      if (at == wanted)
        return path;
      Dwarf_Die next;
      const bool has_next = dwarf_siblingof(&child, &next) == 0;
      if (at < wanted && (!has_next || wanted < dwarf_dieoffset(&next)))
        break;  // the target is in this child's subtree
      if (!has_next)
        return {};
      child = next;
    }
    path.push_back(child);
    scope = child;
  }
  return {};
}

std::string qualified_die_name(Dwarf_Die die, int depth) {
  Dwarf_Die declaration = declaration_of(die);
  const char* name = string_attribute(&declaration, DW_AT_name);
  std::string qualified;
  if (depth < kMaxNameDepth) {
    for (Dwarf_Die& scope : enclosing_scopes(declaration)) {
      const char* scope_name = string_attribute(&scope, DW_AT_name);
      switch (dwarf_tag(&scope)) {
        case DW_TAG_namespace:
          qualified += scope_name != nullptr ? scope_name : "(anonymous namespace)";
          qualified += "::";
          break;
        case DW_TAG_class_type:
        case DW_TAG_structure_type:
        case DW_TAG_union_type:
          qualified += scope_name != nullptr ? scope_name : "{lambda}";
          qualified += "::";
          break;
        case DW_TAG_subprogram:
          // A function-local type: the function's qualified name covers
          // every scope outside it.
          qualified = qualified_die_name(scope, depth + 1) + "::";
          break;
        default:  // lexical blocks
          break;
      }
    }
  }
  return qualified + (name != nullptr ? name : "");
}

}  // namespace

std::vector<FunctionRange> index_functions(Dwarf_Die unit) {
  std::vector<FunctionRange> functions;
  // (DIE, whether it is inside a function)
  std::vector<std::pair<Dwarf_Die, bool>> pending;
  Dwarf_Die die;
  if (dwarf_child(&unit, &die) == 0)
    pending.emplace_back(die, false);
  while (!pending.empty()) {
    auto [current, is_in_function] = pending.back();
    pending.pop_back();
    Dwarf_Die next;
    if (dwarf_siblingof(&current, &next) == 0)
      pending.emplace_back(next, is_in_function);
    bool should_descend = false;
    switch (dwarf_tag(&current)) {
      case DW_TAG_subprogram: {
        Dwarf_Addr base = 0;
        Dwarf_Addr low = 0;
        Dwarf_Addr high = 0;
        for (ptrdiff_t pos = 0; (pos = dwarf_ranges(&current, pos, &base, &low, &high)) > 0;)
          functions.push_back(FunctionRange{low, high, dwarf_dieoffset(&current)});
        should_descend = true;
        is_in_function = true;
        break;
      }
      case DW_TAG_namespace:
      case DW_TAG_lexical_block:
        should_descend = true;
        break;
      case DW_TAG_class_type:
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
        should_descend = is_in_function;
        break;
      default:
        break;
    }
    if (should_descend && dwarf_child(&current, &next) == 0)
      pending.emplace_back(next, is_in_function);
  }
  std::sort(functions.begin(), functions.end(),
            [](const FunctionRange& a, const FunctionRange& b) { return a.low < b.low; });
  return functions;
}

std::vector<Dwarf_Die> inline_chain(Dwarf_Die function, Dwarf_Addr address) {
  std::vector<Dwarf_Die> chain{function};
  Dwarf_Die scope = function;
  for (int depth = 0; depth < kMaxNesting; ++depth) {
    Dwarf_Die child;
    bool is_found = false;
    for (int rc = dwarf_child(&scope, &child); rc == 0 && !is_found;
         rc = dwarf_siblingof(&child, &child)) {
      const int tag = dwarf_tag(&child);
      if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) &&
          dwarf_haspc(&child, address) == 1) {
        if (tag == DW_TAG_inlined_subroutine)
          chain.push_back(child);
        scope = child;
        is_found = true;
      }
    }
    if (!is_found)
      break;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::string function_name(Dwarf_Die die) {
  const char* linkage = string_attribute(&die, DW_AT_linkage_name);
  if (linkage == nullptr)
    linkage = string_attribute(&die, DW_AT_MIPS_linkage_name);
  return linkage != nullptr ? demangle(linkage) : qualified_die_name(die, 0);
}

std::string declared_in(Dwarf_Die die) {
  const char* file = dwarf_decl_file(&die);
  return file != nullptr ? file : "";
}

}  // namespace knot::symbolize::detail
