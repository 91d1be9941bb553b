// Offline symbolization of a report (symbolize.h): which binary serves
// each module, and the report's stacks rewritten with what
// knot::symbolize's FileSymbolizer says about each address, inlined calls
// included.

#include "knot/view/symbolize.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "knot/symbolize/file_symbolizer.h"
#include "text_format.h"

namespace knot::view {

namespace {

using knot::report::Frame;
using knot::symbolize::FileSymbolizer;
using knot::symbolize::PcKind;
using SymbolizedFrame = knot::symbolize::Frame;
using knot::symbolize::read_build_id;
namespace fs = std::filesystem;

// How far the --binaries folder is searched: files directly in it and one
// folder down, at most this many.
constexpr int kMaxSearchDepth = 1;
constexpr std::size_t kMaxSearchedFiles = 20000;

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

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

// A module as a report names it: its path and build-id.
using ModuleKey = std::pair<std::string, std::string>;

// Binaries opens each module's binary once and remembers why one could
// not be used.
class Binaries {
 public:
  explicit Binaries(const std::string& dir) : finder_(dir) {}

  // get() is the symbolizer for `key`, or null (and a reason) when there
  // is no usable binary.
  FileSymbolizer* get(const ModuleKey& key) {
    auto it = symbolizers_.find(key);
    if (it == symbolizers_.end()) {
      std::string why;
      std::unique_ptr<FileSymbolizer> symbolizer;
      if (const std::string path = finder_.find(key.first, key.second, why); !path.empty()) {
        symbolizer = FileSymbolizer::open(path, why);
        if (!symbolizer)
          why = path + ": cannot read symbols: " + why;
      }
      if (!symbolizer)
        reasons_[key] = why;
      it = symbolizers_.emplace(key, std::move(symbolizer)).first;
    }
    return it->second.get();
  }

  // note() keeps the first reason given for `key`.
  void note(const ModuleKey& key, std::string why) { reasons_.try_emplace(key, std::move(why)); }
  const std::string& reason(const ModuleKey& key) { return reasons_[key]; }

 private:
  BinaryFinder finder_;
  std::map<ModuleKey, std::unique_ptr<FileSymbolizer>> symbolizers_;
  std::map<ModuleKey, std::string> reasons_;
};

}  // namespace

SymbolizeResult symbolize(knot::report::Report& report, const SymbolizeOptions& options) {
  SymbolizeResult result;
  Binaries binaries(options.binaries_dir);
  std::map<ModuleKey, std::size_t> unresolved;
  for (auto& thread : report.threads) {
    std::vector<Frame> stack;
    stack.reserve(thread.stack.size());
    for (std::size_t i = 0; i < thread.stack.size(); ++i) {
      const Frame& frame = thread.stack[i];
      if (!needs_symbol(frame)) {
        stack.push_back(frame);
        continue;
      }
      const ModuleKey key{frame.module, frame.build_id};
      FileSymbolizer* symbolizer = binaries.get(key);
      // Only the innermost pc of a signal's capture is the interrupted
      // instruction; every other one is a return address, one past its call.
      const bool is_exact = i == 0 && thread.stack_source == "signal";
      const PcKind kind = is_exact ? PcKind::kExact : PcKind::kReturnAddress;
      const std::vector<SymbolizedFrame> found = symbolizer != nullptr
                                                     ? symbolizer->symbolize(frame.offset, kind)
                                                     : std::vector<SymbolizedFrame>{};
      if (found.empty()) {
        stack.push_back(frame);
        ++result.num_unresolved;
        ++unresolved[key];
        if (symbolizer != nullptr)
          binaries.note(key, "no symbol at some addresses of " + frame.module);
        continue;
      }
      ++result.num_resolved;
      // One frame per inlined call, then the real function: same pc, module and offset.
      for (const SymbolizedFrame& f : found) {
        Frame& out = stack.emplace_back(frame);
        out.function = f.function;
        out.file = f.file.empty() ? frame.file : f.file;
        out.line = f.file.empty() ? frame.line : f.line;
        out.is_knot = f.is_knot;
        out.is_inlined = f.is_inlined;
      }
    }
    thread.stack = std::move(stack);
  }
  for (const auto& [key, count] : unresolved) {
    result.warnings.push_back(std::to_string(count) + (count == 1 ? " frame" : " frames") +
                              " left unresolved: " + binaries.reason(key));
  }
  return result;
}

}  // namespace knot::view
