// ProcessSymbolizer (process_symbolizer.h): libdw's Dwfl over this
// process's maps for modules, build-ids and debug information
// (ModuleDebugInfo), dladdr where Dwfl knows no module.

#include "knot/symbolize/process_symbolizer.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "knot/symbolize/knot_frames.h"
#include "knot/symbolize/names.h"
#include "module_debug_info.h"

namespace knot::symbolize {

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

}  // namespace

struct ProcessSymbolizer::Impl {
  Impl() : dwfl(dwfl_begin(&kCallbacks)) {
    if (dwfl != nullptr)
      report_modules();
  }
  ~Impl() {
    modules.clear();
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

  detail::ModuleDebugInfo& module_of(Dwfl_Module* mod) {
    return modules.try_emplace(mod, mod).first->second;
  }

  std::vector<Frame> resolve(std::uintptr_t pc, PcKind kind) {
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

    std::vector<Frame> frames;
    Frame where;
    where.pc = pc;
    if (mod != nullptr) {
      detail::ModuleDebugInfo& module = module_of(mod);
      frames = module.frames_at(lookup);
      where.module = module.path();
      where.build_id = module.build_id();
      where.offset = pc - module.bias();
    } else if (has_dl && dl.dli_fname != nullptr) {
      where.module = dl.dli_fname;
      where.offset = pc - base;
    }
    if (frames.empty()) {
      // No symbol table entry (or no module): the loader's dynamic symbols.
      Frame& frame = frames.emplace_back();
      if (has_dl && dl.dli_sname != nullptr)
        frame.function = demangle(dl.dli_sname);
      frame.is_knot = is_knot_frame(frame.function);
    }
    for (Frame& frame : frames) {
      frame.pc = where.pc;
      frame.module = where.module;
      frame.offset = where.offset;
      frame.build_id = where.build_id;
    }
    return frames;
  }

  const std::vector<Frame>& symbolize(std::uintptr_t pc, PcKind kind) {
    const std::uint64_t key = std::uint64_t{pc} << 1 | (kind == PcKind::kExact ? 1 : 0);
    if (auto it = cache.find(key); it != cache.end())
      return it->second;
    std::vector<Frame> frames = resolve(pc, kind);
    if (cache.size() >= kMaxCachedPcs)
      cache.clear();
    return cache.emplace(key, std::move(frames)).first->second;
  }

  Dwfl* dwfl;
  // Whether dwfl holds a module list (false: dladdr alone).
  bool usable = false;
  std::unordered_map<Dwfl_Module*, detail::ModuleDebugInfo> modules;
  std::unordered_map<std::uint64_t, std::vector<Frame>> cache;
  // Load addresses of modules the loader knows but the maps do not show.
  std::unordered_set<std::uintptr_t> not_in_maps;
};

ProcessSymbolizer::ProcessSymbolizer() : impl_(std::make_unique<Impl>()) {}

ProcessSymbolizer::~ProcessSymbolizer() = default;

std::vector<Frame> ProcessSymbolizer::symbolize(std::uintptr_t pc, PcKind kind) {
  return impl_->symbolize(pc, kind);
}

std::vector<Frame> ProcessSymbolizer::symbolize(std::span<const std::uintptr_t> pcs, PcKind first) {
  std::vector<Frame> frames;
  frames.reserve(pcs.size());
  for (std::size_t i = 0; i < pcs.size(); ++i) {
    const std::vector<Frame>& of_pc =
        impl_->symbolize(pcs[i], i == 0 ? first : PcKind::kReturnAddress);
    frames.insert(frames.end(), of_pc.begin(), of_pc.end());
  }
  return frames;
}

}  // namespace knot::symbolize
