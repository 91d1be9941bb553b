// Offline symbolization with elfutils (symbolize.h). Each binary gets its
// own Dwfl session holding that one file, reported offline; a frame's
// offset is a file address (pc minus the load bias, as knot records it), so
// the address to look up is the session's bias plus the offset.

#include "knot/view/symbolize.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "text_format.h"

namespace knot::view {

namespace {

using knot::report::Frame;
namespace fs = std::filesystem;

// How far the --binaries folder is searched: files directly in it and one
// folder down, at most this many.
constexpr int kMaxSearchDepth = 1;
constexpr std::size_t kMaxSearchedFiles = 20000;

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(name);
}

bool is_knot_function(std::string_view function) {
  const std::string_view name = detail::qualified_function_name(function);
  return name.starts_with("knot::") && !name.starts_with("knot::testing::");
}

std::string dwfl_error() {
  const char* message = dwfl_errmsg(-1);
  return message != nullptr ? message : "unknown libdw error";
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// ModuleSymbols is one binary opened offline: its symbol table and DWARF.
class ModuleSymbols {
 public:
  static std::unique_ptr<ModuleSymbols> load(const std::string& path, std::string& error) {
    static const Dwfl_Callbacks kCallbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = nullptr,
    };
    Dwfl* dwfl = dwfl_begin(&kCallbacks);
    if (dwfl == nullptr) {
      error = dwfl_error();
      return nullptr;
    }
    auto symbols = std::unique_ptr<ModuleSymbols>(new ModuleSymbols(dwfl));
    symbols->module_ = dwfl_report_offline(dwfl, path.c_str(), path.c_str(), -1);
    if (symbols->module_ == nullptr || dwfl_report_end(dwfl, nullptr, nullptr) != 0) {
      error = dwfl_error();
      return nullptr;
    }
    if (dwfl_module_getelf(symbols->module_, &symbols->bias_) == nullptr) {
      error = dwfl_error();
      return nullptr;
    }
    return symbols;
  }

  ~ModuleSymbols() { dwfl_end(dwfl_); }
  ModuleSymbols(const ModuleSymbols&) = delete;
  ModuleSymbols& operator=(const ModuleSymbols&) = delete;

  // resolve() fills in the function (and file and line, if still empty) of
  // the code at file address `address`; false if no symbol covers it.
  bool resolve(std::uint64_t address, Frame& frame) {
    const GElf_Addr at = bias_ + address;
    const char* name = dwfl_module_addrname(module_, at);
    if (name == nullptr)
      return false;
    frame.function = demangle(name);
    frame.is_knot = is_knot_function(frame.function);
    if (frame.file.empty())
      find_line(at, frame);
    return true;
  }

 private:
  // CuRange is the address range of one compilation unit, in DWARF
  // addresses (before the bias).
  struct CuRange {
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    Dwarf_Off die = 0;
  };

  // find_line() sets the file and line of address `at`. libdw finds the
  // unit through .debug_aranges, which clang does not emit; without it,
  // the unit is looked up in the ranges of every unit (read once).
  void find_line(GElf_Addr at, Frame& frame) {
    Dwarf_Addr line_address = 0;
    int line_number = 0;
    if (Dwfl_Line* line = dwfl_module_getsrc(module_, at)) {
      if (const char* file =
              dwfl_lineinfo(line, &line_address, &line_number, nullptr, nullptr, nullptr)) {
        frame.file = file;
        frame.line = line_number;
        return;
      }
    }
    Dwarf_Addr dwarf_bias = 0;
    Dwarf* dwarf = dwfl_module_getdwarf(module_, &dwarf_bias);
    if (dwarf == nullptr)
      return;
    if (!has_cu_ranges_)
      read_cu_ranges(dwarf);
    const Dwarf_Addr wanted = at - dwarf_bias;
    for (const CuRange& range : cu_ranges_) {
      if (wanted < range.low || wanted >= range.high)
        continue;
      Dwarf_Die cu;
      if (dwarf_offdie(dwarf, range.die, &cu) == nullptr)
        continue;
      if (Dwarf_Line* line = dwarf_getsrc_die(&cu, wanted)) {
        const char* file = dwarf_linesrc(line, nullptr, nullptr);
        if (file != nullptr && dwarf_lineno(line, &line_number) == 0) {
          frame.file = file;
          frame.line = line_number;
          return;
        }
      }
    }
  }

  void read_cu_ranges(Dwarf* dwarf) {
    has_cu_ranges_ = true;
    Dwarf_CU* unit = nullptr;
    Dwarf_Die cu;
    std::uint8_t unit_type = 0;
    while (dwarf_get_units(dwarf, unit, &unit, nullptr, &unit_type, &cu, nullptr) == 0) {
      if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
        continue;
      Dwarf_Addr base = 0, low = 0, high = 0;
      for (ptrdiff_t offset = 0; (offset = dwarf_ranges(&cu, offset, &base, &low, &high)) > 0;)
        cu_ranges_.push_back({low, high, dwarf_dieoffset(&cu)});
    }
  }

  explicit ModuleSymbols(Dwfl* dwfl) : dwfl_(dwfl) {}

  Dwfl* dwfl_;
  Dwfl_Module* module_ = nullptr;
  GElf_Addr bias_ = 0;
  bool has_cu_ranges_ = false;
  std::vector<CuRange> cu_ranges_;
};

// BinaryFinder finds the binary for a module: in the --binaries folder by
// build-id or base name, or at the module's own path.
class BinaryFinder {
 public:
  explicit BinaryFinder(std::string dir) : dir_(std::move(dir)) {}

  // find() is the binary to use for `module` with `build_id` (may be
  // empty); empty with `why` set when there is none.
  std::string find(const std::string& module, const std::string& build_id, std::string& why) {
    const std::string base = detail::module_basename(module);
    if (!dir_.empty()) {
      if (build_id.size() > 2) {
        const std::string debug_file =
            dir_ + "/.build-id/" + build_id.substr(0, 2) + "/" + build_id.substr(2) + ".debug";
        if (is_regular_file(debug_file))
          return debug_file;
      }
      index();
      if (!build_id.empty()) {
        if (auto it = by_build_id_.find(build_id); it != by_build_id_.end())
          return it->second;
      } else if (auto it = by_name_.find(base); it != by_name_.end()) {
        return it->second;
      }
    }
    if (is_regular_file(module)) {
      const std::string found = read_build_id(module);
      if (build_id.empty() || found == build_id)
        return module;
      why = module + " has build-id " + (found.empty() ? "(none)" : found) + ", the report's is " +
            build_id;
      return "";
    }
    why = "no binary found for " + module +
          (build_id.empty() ? std::string() : " (build-id " + build_id + ")") +
          (dir_.empty() ? "; name a folder of binaries with --binaries" : " in " + dir_);
    return "";
  }

 private:
  void index() {
    if (is_indexed_)
      return;
    is_indexed_ = true;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec);
    std::size_t num_files = 0;
    for (; !ec && it != fs::recursive_directory_iterator() && num_files < kMaxSearchedFiles;
         it.increment(ec)) {
      if (it.depth() >= kMaxSearchDepth)
        it.disable_recursion_pending();
      std::error_code type_error;
      if (!it->is_regular_file(type_error))
        continue;
      ++num_files;
      const std::string path = it->path().string();
      by_name_.try_emplace(it->path().filename().string(), path);
      if (const std::string id = read_build_id(path); !id.empty())
        by_build_id_.try_emplace(id, path);
    }
  }

  std::string dir_;
  bool is_indexed_ = false;
  std::unordered_map<std::string, std::string> by_name_;
  std::unordered_map<std::string, std::string> by_build_id_;
};

bool needs_symbol(const Frame& frame) {
  return frame.function.empty() && !frame.module.empty() && frame.offset != 0;
}

}  // namespace

std::string read_build_id(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    return "";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return "";
  std::string hex;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr)) {
      const void* bytes = nullptr;
      const ssize_t size = dwelf_elf_gnu_build_id(elf, &bytes);
      for (ssize_t i = 0; i < size; ++i) {
        char digits[3];
        std::snprintf(digits, sizeof digits, "%02x", static_cast<const unsigned char*>(bytes)[i]);
        hex += digits;
      }
      elf_end(elf);
    }
  }
  ::close(fd);
  return hex;
}

SymbolizeResult symbolize(knot::report::Report& report, const SymbolizeOptions& options) {
  SymbolizeResult result;
  BinaryFinder finder(options.binaries_dir);
  // Per (module, build-id): the loaded binary, or null once it failed.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<ModuleSymbols>> modules;
  std::map<std::pair<std::string, std::string>, std::size_t> unresolved;
  std::map<std::pair<std::string, std::string>, std::string> reasons;

  for (auto& thread : report.threads) {
    for (std::size_t i = 0; i < thread.stack.size(); ++i) {
      Frame& frame = thread.stack[i];
      if (!needs_symbol(frame))
        continue;
      const auto key = std::make_pair(frame.module, frame.build_id);
      auto it = modules.find(key);
      if (it == modules.end()) {
        std::string why;
        std::unique_ptr<ModuleSymbols> symbols;
        if (const std::string path = finder.find(frame.module, frame.build_id, why);
            !path.empty()) {
          symbols = ModuleSymbols::load(path, why);
          if (!symbols)
            why = path + ": cannot read symbols: " + why;
        }
        if (!symbols)
          reasons[key] = why;
        it = modules.emplace(key, std::move(symbols)).first;
      }
      // The innermost frame is where the thread is; every other one is a
      // return address, one past its call.
      const std::uint64_t address = i == 0 ? frame.offset : frame.offset - 1;
      if (it->second && it->second->resolve(address, frame)) {
        ++result.num_resolved;
      } else {
        ++result.num_unresolved;
        ++unresolved[key];
        if (it->second)
          reasons.try_emplace(key, "no symbol at some addresses of " + frame.module);
      }
    }
  }
  for (const auto& [key, count] : unresolved) {
    result.warnings.push_back(std::to_string(count) + (count == 1 ? " frame" : " frames") +
                              " left unresolved: " + reasons[key]);
  }
  return result;
}

}  // namespace knot::view
