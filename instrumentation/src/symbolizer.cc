// Symbolizer: libdw's Dwfl for modules, build-ids and source lines; dladdr
// and the symbol table for function names (README.md, "Symbolization").
#include "knot/instrumentation/symbolizer.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace knot::instr {
namespace {

// Dwfl's standard callbacks for a live process: ELF files found through
// /proc/PID/maps, debug information in the file itself or through its
// build-id or .gnu_debuglink (default search path).
const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = nullptr,
};

// Bound on cached pcs: a long-running watchdog sees a bounded set of code
// addresses, but a bound keeps a pathological program from growing it.
constexpr std::size_t kMaxCachedPcs = 1 << 16;

std::string demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string result = status == 0 && demangled != nullptr ? demangled : name;
  std::free(demangled);
  return result;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

// qualified_name() is the part of a demangled name that names the function:
// the return type and the parameter list are cut off.
std::string_view qualified_name(std::string_view s) noexcept {
  constexpr std::string_view kAnonymous = "(anonymous namespace)";
  constexpr std::string_view kOperator = "operator";
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view rest = s.substr(i);
    if (rest.starts_with(kAnonymous)) {
      i += kAnonymous.size() - 1;
      continue;
    }
    // An operator's own symbols ("operator()", "operator<") and a conversion
    // operator's type ("operator bool") would confuse the scan; the name's
    // start is known by now.
    if (depth == 0 && rest.starts_with(kOperator) && (i == start || s[i - 1] == ':'))
      return s.substr(start);
    switch (s[i]) {
      case '(':
        if (depth == 0)
          return s.substr(start, i - start);
        ++depth;
        break;
      case '<':
      case '[':
      case '{':
        ++depth;
        break;
      case ')':
      case '>':
      case ']':
      case '}':
        --depth;
        break;
      case ' ':
        if (depth == 0)
          start = i + 1;
        break;
      default:
        break;
    }
  }
  return s.substr(start);
}

}  // namespace

bool is_knot_function(std::string_view demangled) noexcept {
  const std::string_view name = qualified_name(demangled);
  return name.starts_with("knot::") && !name.starts_with("knot::testing::");
}

// ---------------------------------------------------------------------------

struct Symbolizer::Impl {
  // The address range of one compilation unit, absolute.
  struct CuRange {
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    Dwarf_Off die = 0;
  };

  // What is known about one module, computed once per module.
  struct Module {
    std::string path;
    std::string build_id;
    Dwarf_Addr bias = 0;
    // For line lookups without .debug_aranges (below); built on first need.
    bool has_cu_ranges = false;
    Dwarf* dwarf = nullptr;
    Dwarf_Addr dwarf_bias = 0;
    std::vector<CuRange> cu_ranges;
  };

  Impl() : dwfl(dwfl_begin(&kCallbacks)) {
    if (dwfl != nullptr)
      report_modules();
  }
  ~Impl() {
    if (dwfl != nullptr)
      dwfl_end(dwfl);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // report_modules() (re)reads /proc/self/maps. Modules reported again keep
  // their loaded data and our facts about them; if any module went away
  // (dlclose), its addresses may now belong to another, so both caches go.
  void report_modules() {
    dwfl_report_begin(dwfl);
    const int rc = dwfl_linux_proc_report(dwfl, getpid());
    bool removed = false;
    auto on_removed = [](Dwfl_Module*, void*, const char*, Dwarf_Addr, void* arg) {
      *static_cast<bool*>(arg) = true;
      return 0;
    };
    dwfl_report_end(dwfl, on_removed, &removed);
    usable = rc == 0;
    if (removed || !usable) {
      modules.clear();
      cache.clear();
    }
  }

  Module& module_of(Dwfl_Module* mod) {
    auto [it, inserted] = modules.try_emplace(mod);
    if (!inserted)
      return it->second;
    Module& m = it->second;
    const char* mainfile = nullptr;
    const char* name =
        dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, nullptr);
    Dwarf_Addr bias = 0;
    // Loads the ELF file, so that the build-id and mainfile are known.
    if (dwfl_module_getelf(mod, &bias) != nullptr) {
      m.bias = bias;
      dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, nullptr);
    }
    m.path = mainfile != nullptr ? mainfile : name != nullptr ? name : "";
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    const int size = dwfl_module_build_id(mod, &bits, &vaddr);
    if (size > 0)
      m.build_id = to_hex(bits, static_cast<std::size_t>(size));
    return m;
  }

  // find_line() is the source line of `addr` in `mod`. libdwfl finds the
  // compilation unit through .debug_aranges, which clang does not emit by
  // default and elfutils 0.188 does not rebuild; so when that fails, the
  // units' own address ranges are read once per module and searched.
  static bool find_line(Module& m, Dwfl_Module* mod, Dwarf_Addr addr, Frame& frame) {
    if (Dwfl_Line* line = dwfl_module_getsrc(mod, addr)) {
      int number = 0;
      const char* file = dwfl_lineinfo(line, nullptr, &number, nullptr, nullptr, nullptr);
      if (file == nullptr)
        return false;
      frame.file = file;
      const char* dir = dwfl_line_comp_dir(line);
      if (file[0] != '/' && dir != nullptr && dir[0] != '\0')
        frame.file = std::string(dir) + "/" + file;
      frame.line = number;
      return true;
    }
    if (!m.has_cu_ranges)
      read_cu_ranges(m, mod);
    auto it = std::upper_bound(m.cu_ranges.begin(), m.cu_ranges.end(), addr,
                               [](Dwarf_Addr a, const CuRange& r) { return a < r.low; });
    if (it == m.cu_ranges.begin() || addr >= std::prev(it)->high)
      return false;
    Dwarf_Die cu;
    if (dwarf_offdie(m.dwarf, std::prev(it)->die, &cu) == nullptr)
      return false;
    Dwarf_Line* line = dwarf_getsrc_die(&cu, addr - m.dwarf_bias);
    const char* file = line != nullptr ? dwarf_linesrc(line, nullptr, nullptr) : nullptr;
    int number = 0;
    if (file == nullptr || dwarf_lineno(line, &number) != 0)
      return false;
    frame.file = file;
    frame.line = number;
    return true;
  }

  static void read_cu_ranges(Module& m, Dwfl_Module* mod) {
    m.has_cu_ranges = true;
    m.dwarf = dwfl_module_getdwarf(mod, &m.dwarf_bias);
    if (m.dwarf == nullptr)
      return;
    Dwarf_Off offset = 0;
    Dwarf_Off next = 0;
    std::size_t header = 0;
    while (dwarf_nextcu(m.dwarf, offset, &next, &header, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die cu;
      if (dwarf_offdie(m.dwarf, offset + header, &cu) != nullptr) {
        Dwarf_Addr base = 0;
        Dwarf_Addr start = 0;
        Dwarf_Addr end = 0;
        for (ptrdiff_t pos = 0; (pos = dwarf_ranges(&cu, pos, &base, &start, &end)) > 0;) {
          m.cu_ranges.push_back(
              CuRange{start + m.dwarf_bias, end + m.dwarf_bias, dwarf_dieoffset(&cu)});
        }
      }
      offset = next;
    }
    std::sort(m.cu_ranges.begin(), m.cu_ranges.end(),
              [](const CuRange& a, const CuRange& b) { return a.low < b.low; });
  }

  Frame resolve(std::uintptr_t pc, PcKind kind) {
    Frame frame;
    frame.pc = pc;
    // A return address points after its call: the call is at pc - 1.
    const std::uintptr_t lookup = kind == PcKind::kExact || pc == 0 ? pc : pc - 1;

    Dl_info dl{};
    const bool has_dl = dladdr(reinterpret_cast<void*>(lookup), &dl) != 0;
    Dwfl_Module* mod = usable ? dwfl_addrmodule(dwfl, lookup) : nullptr;
    const auto base = reinterpret_cast<std::uintptr_t>(dl.dli_fbase);
    if (mod == nullptr && has_dl && dwfl != nullptr && !not_in_maps.contains(base)) {
      // The loader knows a module that we do not: something was dlopen()ed.
      // Modules that are no file in the maps (the vDSO) are asked about once.
      report_modules();
      mod = usable ? dwfl_addrmodule(dwfl, lookup) : nullptr;
      if (mod == nullptr)
        not_in_maps.insert(base);
    }

    if (mod != nullptr) {
      const Module& m = module_of(mod);
      frame.module = m.path;
      frame.build_id = m.build_id;
      frame.offset = pc - m.bias;
    } else if (has_dl && dl.dli_fname != nullptr) {
      frame.module = dl.dli_fname;
      frame.offset = pc - base;
    }

    if (has_dl && dl.dli_sname != nullptr) {
      frame.function = demangle(dl.dli_sname);
    } else if (mod != nullptr) {
      // Not exported (a static function, or an executable without
      // -rdynamic): the full symbol table knows it.
      GElf_Off offset = 0;
      GElf_Sym sym{};
      if (const char* name =
              dwfl_module_addrinfo(mod, lookup, &offset, &sym, nullptr, nullptr, nullptr))
        frame.function = demangle(name);
    }

    if (mod != nullptr)
      find_line(module_of(mod), mod, lookup, frame);
    frame.is_knot = is_knot_function(frame.function);
    return frame;
  }

  Frame symbolize(std::uintptr_t pc, PcKind kind) {
    const std::uint64_t key = std::uint64_t{pc} << 1 | (kind == PcKind::kExact ? 1 : 0);
    if (auto it = cache.find(key); it != cache.end())
      return it->second;
    Frame frame = resolve(pc, kind);
    if (cache.size() >= kMaxCachedPcs)
      cache.clear();
    cache.emplace(key, frame);
    return frame;
  }

  Dwfl* dwfl;
  // Whether dwfl holds a module list (false: dladdr alone).
  bool usable = false;
  std::unordered_map<Dwfl_Module*, Module> modules;
  std::unordered_map<std::uint64_t, Frame> cache;
  // Load addresses of modules the loader knows but the maps do not show.
  std::unordered_set<std::uintptr_t> not_in_maps;
};

Symbolizer::Symbolizer() : impl_(std::make_unique<Impl>()) {}

Symbolizer::~Symbolizer() = default;

Frame Symbolizer::symbolize(std::uintptr_t pc, PcKind kind) {
  return impl_->symbolize(pc, kind);
}

std::vector<Frame> Symbolizer::symbolize(std::span<const std::uintptr_t> pcs, PcKind first) {
  std::vector<Frame> frames;
  frames.reserve(pcs.size());
  for (std::size_t i = 0; i < pcs.size(); ++i)
    frames.push_back(impl_->symbolize(pcs[i], i == 0 ? first : PcKind::kReturnAddress));
  return frames;
}

}  // namespace knot::instr
