// ModuleDebugInfo (module_debug_info.h): a module's symbol table for the
// real function's name, its DWARF (dwarf_functions.h) for inlined calls,
// and its line tables for source lines.
//
// Inline expansion. The real function at an address is the
// DW_TAG_subprogram whose code ranges contain it, found in its unit's
// index; inside it, the DW_TAG_inlined_subroutine DIEs that contain the
// address nest as the inlined calls do. The innermost frame's line is the
// line table's; each enclosing frame's is the DW_AT_call_file and
// DW_AT_call_line of the call it inlines.

#include "module_debug_info.h"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <algorithm>
#include <cstdlib>

#include "dwarf_functions.h"
#include "hex.h"
#include "knot/symbolize/knot_frames.h"
#include "knot/symbolize/names.h"

namespace knot::symbolize::detail {

namespace {

const char* string_attribute(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

// in_unit() makes a path the line table gives relative to its unit's
// compilation directory absolute.
std::string in_unit(const char* file, Dwarf_Die& unit) {
  const char* dir = string_attribute(&unit, DW_AT_comp_dir);
  if (file[0] == '/' || dir == nullptr || dir[0] == '\0')
    return file;
  return std::string(dir) + "/" + file;
}

// set_line() sets the line-table line of `address`.
void set_line(Dwarf_Die& unit, Dwarf_Addr address, Frame& frame) {
  Dwarf_Line* line = dwarf_getsrc_die(&unit, address);
  const char* file = line != nullptr ? dwarf_linesrc(line, nullptr, nullptr) : nullptr;
  int number = 0;
  if (file == nullptr || dwarf_lineno(line, &number) != 0)
    return;
  frame.file = in_unit(file, unit);
  frame.line = number;
}

// set_call_site() sets where `inlined` (an inlined call in `unit`) was
// called from: the line of the frame that encloses it.
void set_call_site(Dwarf_Die& inlined, Dwarf_Die& unit, Frame& frame) {
  Dwarf_Attribute attr;
  Dwarf_Word file_index = 0;
  Dwarf_Word line = 0;
  Dwarf_Files* files = nullptr;
  std::size_t num_files = 0;
  if (dwarf_formudata(dwarf_attr(&inlined, DW_AT_call_file, &attr), &file_index) == 0 &&
      dwarf_getsrcfiles(&unit, &files, &num_files) == 0 && file_index < num_files) {
    if (const char* file = dwarf_filesrc(files, file_index, nullptr, nullptr))
      frame.file = in_unit(file, unit);
  }
  if (dwarf_formudata(dwarf_attr(&inlined, DW_AT_call_line, &attr), &line) == 0)
    frame.line = static_cast<int>(line);
}

// frames_from_dwarf() turns the function chain at `address` in `function`
// into Frames; `real_name` (the symbol table's, may be empty) names the
// real function.
std::vector<Frame> frames_from_dwarf(Dwarf_Die& unit, Dwarf_Die& function, Dwarf_Addr address,
                                     const std::string& real_name) {
  std::vector<Dwarf_Die> chain = inline_chain(function, address);
  std::vector<Frame> frames;
  frames.reserve(chain.size() + 1);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    Frame& frame = frames.emplace_back();
    frame.is_inlined = dwarf_tag(&chain[i]) == DW_TAG_inlined_subroutine;
    frame.function = !frame.is_inlined && !real_name.empty() ? real_name : function_name(chain[i]);
    if (i == 0) {
      set_line(unit, address, frame);
    } else {
      set_call_site(chain[i - 1], unit, frame);
    }
    frame.is_knot = is_knot_frame(frame.function, declared_in(chain[i]));
  }
  if (frames.size() > kMaxInlinedFrames + 1)
    frames.erase(frames.begin() + kMaxInlinedFrames, frames.end() - 1);
  return frames;
}

}  // namespace

ModuleDebugInfo::ModuleDebugInfo(Dwfl_Module* module) : module_(module) {
  const char* mainfile = nullptr;
  const char* name =
      dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, nullptr);
  Dwarf_Addr bias = 0;
  // Loads the ELF file, so that the build-id and the main file are known.
  if (dwfl_module_getelf(module, &bias) != nullptr) {
    bias_ = bias;
    dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, nullptr);
  }
  path_ = mainfile != nullptr ? mainfile : name != nullptr ? name : "";
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int size = dwfl_module_build_id(module, &bits, &vaddr);
  if (size > 0)
    build_id_ = to_hex(bits, static_cast<std::size_t>(size));
}

std::vector<Frame> ModuleDebugInfo::frames_at(Dwarf_Addr address) {
  GElf_Off symbol_offset = 0;
  GElf_Sym symbol{};
  const char* symbol_name =
      dwfl_module_addrinfo(module_, address, &symbol_offset, &symbol, nullptr, nullptr, nullptr);
  const std::string real_name = symbol_name != nullptr ? demangle(symbol_name) : "";
  Dwarf_Addr dwarf_bias = 0;
  std::optional<Dwarf_Die> unit = unit_at(address, dwarf_bias);
  if (unit) {
    if (std::optional<Dwarf_Die> function = function_at(*unit, address - dwarf_bias))
      return frames_from_dwarf(*unit, *function, address - dwarf_bias, real_name);
  }
  Frame frame;
  frame.function = real_name;
  if (unit)
    set_line(*unit, address - dwarf_bias, frame);
  if (frame.function.empty() && frame.file.empty())
    return {};
  frame.is_knot = is_knot_frame(frame.function);
  return {std::move(frame)};
}

// unit_at() is the compilation unit that covers `address`. libdwfl finds
// it through .debug_aranges, which clang does not emit by default and
// elfutils 0.188 does not rebuild; so when that fails, the units' own
// address ranges are read once per module and searched.
std::optional<Dwarf_Die> ModuleDebugInfo::unit_at(Dwarf_Addr address, Dwarf_Addr& dwarf_bias) {
  Dwarf_Addr bias = 0;
  if (Dwarf_Die* unit = dwfl_module_addrdie(module_, address, &bias)) {
    dwarf_bias = bias;
    return *unit;
  }
  Dwarf* dwarf = dwfl_module_getdwarf(module_, &bias);
  if (dwarf == nullptr)
    return std::nullopt;
  dwarf_bias = bias;
  if (!has_cu_ranges_)
    read_cu_ranges(dwarf);
  const Dwarf_Addr at = address - bias;
  auto it = std::upper_bound(cu_ranges_.begin(), cu_ranges_.end(), at,
                             [](Dwarf_Addr a, const FunctionRange& r) { return a < r.low; });
  if (it == cu_ranges_.begin() || at >= std::prev(it)->high)
    return std::nullopt;
  Dwarf_Die unit;
  if (dwarf_offdie(dwarf, std::prev(it)->die, &unit) == nullptr)
    return std::nullopt;
  return unit;
}

// function_at() is the subprogram of `unit` whose code contains `address`
// (a DWARF address), from the unit's index of subprograms.
std::optional<Dwarf_Die> ModuleDebugInfo::function_at(Dwarf_Die& unit, Dwarf_Addr address) {
  auto [it, is_new] = functions_.try_emplace(dwarf_dieoffset(&unit));
  if (is_new)
    it->second = index_functions(unit);
  const std::vector<FunctionRange>& functions = it->second;
  // Functions do not overlap: only the last one starting at or before
  // `address` can contain it.
  auto after = std::upper_bound(functions.begin(), functions.end(), address,
                                [](Dwarf_Addr a, const FunctionRange& r) { return a < r.low; });
  if (after == functions.begin() || address >= std::prev(after)->high)
    return std::nullopt;
  Dwarf_Die function;
  if (dwarf_offdie(dwarf_cu_getdwarf(unit.cu), std::prev(after)->die, &function) == nullptr)
    return std::nullopt;
  return function;
}

void ModuleDebugInfo::read_cu_ranges(Dwarf* dwarf) {
  has_cu_ranges_ = true;
  Dwarf_CU* cu = nullptr;
  Dwarf_Die unit;
  std::uint8_t unit_type = 0;
  while (dwarf_get_units(dwarf, cu, &cu, nullptr, &unit_type, &unit, nullptr) == 0) {
    if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
      continue;
    Dwarf_Addr base = 0;
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    for (ptrdiff_t pos = 0; (pos = dwarf_ranges(&unit, pos, &base, &low, &high)) > 0;)
      cu_ranges_.push_back(FunctionRange{low, high, dwarf_dieoffset(&unit)});
  }
  std::sort(cu_ranges_.begin(), cu_ranges_.end(),
            [](const FunctionRange& a, const FunctionRange& b) { return a.low < b.low; });
}

}  // namespace knot::symbolize::detail
