// FileSymbolizer (file_symbolizer.h): each file gets its own Dwfl session
// holding that one file, reported offline. A frame's offset is a file
// address (pc minus the load bias, as knot records it), so the address to
// look up is the session's bias plus the offset.

#include "knot/symbolize/file_symbolizer.h"

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unordered_map>
#include <utility>

#include "hex.h"
#include "module_debug_info.h"

namespace knot::symbolize {

namespace {

std::string dwfl_error() {
  const char* message = dwfl_errmsg(-1);
  return message != nullptr ? message : "unknown libdw error";
}

}  // namespace

struct FileSymbolizer::Impl {
  explicit Impl(Dwfl* session) : dwfl(session) {}
  ~Impl() {
    module.reset();
    dwfl_end(dwfl);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Dwfl* dwfl;
  std::optional<detail::ModuleDebugInfo> module;
  std::unordered_map<std::uint64_t, std::vector<Frame>> cache;
};

FileSymbolizer::FileSymbolizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileSymbolizer::~FileSymbolizer() = default;

std::unique_ptr<FileSymbolizer> FileSymbolizer::open(const std::string& path, std::string& error) {
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
  auto impl = std::make_unique<Impl>(dwfl);
  Dwfl_Module* module = dwfl_report_offline(dwfl, path.c_str(), path.c_str(), -1);
  Dwarf_Addr bias = 0;
  if (module == nullptr || dwfl_report_end(dwfl, nullptr, nullptr) != 0 ||
      dwfl_module_getelf(module, &bias) == nullptr) {
    error = dwfl_error();
    return nullptr;
  }
  impl->module.emplace(module);
  return std::unique_ptr<FileSymbolizer>(new FileSymbolizer(std::move(impl)));
}

std::vector<Frame> FileSymbolizer::symbolize(std::uint64_t offset, PcKind kind) {
  const std::uint64_t key = offset << 1 | (kind == PcKind::kExact ? 1 : 0);
  if (auto it = impl_->cache.find(key); it != impl_->cache.end())
    return it->second;
  // A return address points after its call: the call is at offset - 1.
  const std::uint64_t lookup = kind == PcKind::kExact || offset == 0 ? offset : offset - 1;
  std::vector<Frame> frames = impl_->module->frames_at(impl_->module->bias() + lookup);
  for (Frame& frame : frames)
    frame.offset = offset;
  impl_->cache.emplace(key, frames);
  return frames;
}

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
      if (size > 0)
        hex = detail::to_hex(static_cast<const unsigned char*>(bytes),
                             static_cast<std::size_t>(size));
      elf_end(elf);
    }
  }
  ::close(fd);
  return hex;
}

}  // namespace knot::symbolize
