// ModuleDebugInfo: what one module's symbol table and DWARF say about an
// address: the function, and, where DWARF exists, the chain of inlined
// calls at that address with their source lines. The lookup that both
// ProcessSymbolizer and FileSymbolizer use; they differ only in where the
// Dwfl_Module comes from (the live process, or a file).
//
// Does not cache per address (its users do); caches per module the
// compilation units' address ranges and per unit its functions' ranges. Not
// thread-safe. The Dwfl that owns the module must outlive this object.
#pragma once

#include <elfutils/libdwfl.h>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dwarf_functions.h"
#include "knot/symbolize/frame.h"

namespace knot::symbolize::detail {

// kMaxInlinedFrames caps the inlined frames of one address. Deeper chains
// (template towers) lose their outermost inlined frames; the real function
// is always kept.
inline constexpr std::size_t kMaxInlinedFrames = 16;

class ModuleDebugInfo {
 public:
  // ModuleDebugInfo() loads the module's ELF file (for the build-id and
  // the load bias); debug information is read on first need.
  explicit ModuleDebugInfo(Dwfl_Module* module);

  // path() is the module's file (its main file where Dwfl found one).
  const std::string& path() const { return path_; }
  const std::string& build_id() const { return build_id_; }
  // bias() is the module's load bias: a pc minus bias() is a file address.
  Dwarf_Addr bias() const { return bias_; }

  // frames_at() is the frames of the code at `address`, a Dwfl address
  // (file address plus bias()): each inlined call, innermost first, then
  // the real function. It sets function, file, line, is_inlined and
  // is_knot. Empty when neither the symbol table nor DWARF covers the
  // address.
  std::vector<Frame> frames_at(Dwarf_Addr address);

 private:
  std::optional<Dwarf_Die> unit_at(Dwarf_Addr address, Dwarf_Addr& dwarf_bias);
  void read_cu_ranges(Dwarf* dwarf);
  std::optional<Dwarf_Die> function_at(Dwarf_Die& unit, Dwarf_Addr address);

  Dwfl_Module* module_;
  std::string path_;
  std::string build_id_;
  Dwarf_Addr bias_ = 0;
  // The compilation units' address ranges (FunctionRange's `die` is the
  // unit's), for modules without .debug_aranges; read on first need.
  bool has_cu_ranges_ = false;
  std::vector<FunctionRange> cu_ranges_;
  // Per compilation unit (by its DIE offset), its subprograms' code ranges,
  // sorted; built on the unit's first lookup.
  std::unordered_map<Dwarf_Off, std::vector<FunctionRange>> functions_;
};

}  // namespace knot::symbolize::detail
