// Symbolization: program counters of this process to module, offset,
// build-id, function name and source line, after capture and off the signal
// path (abseil keeps symbolize.h apart from stacktrace.h the same way).
//
//   Frame              one symbolized pc
//   Symbolizer         turns pcs into Frames, caching per module and per pc
//   is_knot_function() whether a demangled name belongs to knot itself
//
// Function names come from dladdr() and abi::__cxa_demangle, falling back to
// the module's full symbol table (elfutils libdw) for symbols that are not
// exported; build-ids and file:line come from libdw's Dwfl view of the
// running process, where debug information exists.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "knot/instrumentation/stack_capture.h"

namespace knot::instr {

// Frame is one symbolized pc. Fields that could not be found are empty
// (strings), 0 (line) or false.
struct Frame {
  // The address as captured.
  std::uintptr_t pc = 0;
  // Path of the ELF module (executable or shared object) that holds pc.
  std::string module{};
  // pc in the module's own ELF address space (pc minus its load bias), as
  // `addr2line -e module` or `eu-addr2line` expect it. For a return address
  // the call instruction is at offset - 1.
  std::uintptr_t offset = 0;
  // The module's GNU build-id, lower-case hex.
  std::string build_id{};
  // Demangled function name ("knot::Latch::wait() const"), or the raw
  // symbol when it does not demangle (a C function).
  std::string function{};
  // Source file and line where debug information exists. For code inlined
  // into `function` this is the innermost inlined source line, as the line
  // table has it (a header, say), not the call site in `function`.
  std::string file{};
  int line = 0;
  // Whether `function` belongs to knot itself (is_knot_function()), so that
  // viewers can fold the runtime's own frames.
  bool is_knot = false;
};

// is_knot_function() is true when a demangled function name is in namespace
// knot (any nesting, "knot::detail::park(...)"), but not knot::testing. A
// leading return type ("void knot::join<...>(...)") is skipped. Pure.
bool is_knot_function(std::string_view demangled) noexcept;

// Symbolizer turns pcs of this process into Frames. Return addresses point
// after their call instruction, so every pc is looked up as pc - 1 (inside
// the call) except the first one of a stack whose PcKind is kExact (the
// instruction a signal interrupted). Results are cached per pc, and module
// facts (path, build-id, debug information) per module; a pc outside every
// known module makes it re-read the module list once (a dlopen since).
//
// Not thread-safe: one Symbolizer belongs to one thread at a time (the
// watchdog's), or the caller locks around it. It never runs in a signal
// handler: it allocates, opens files and takes the loader's locks.
class Symbolizer {
 public:
  // Symbolizer() reads the running process's module list. If libdw cannot
  // (no /proc, say) it still works through dladdr, without file:line.
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // symbolize() resolves one pc (looked up as pc - 1 unless `kind` is
  // kExact), or a whole stack whose first pc is of kind `first` and whose
  // later pcs are return addresses. Cold, one frame costs tens of
  // microseconds (more the first time a module's debug information is
  // read); a cached pc costs a hash lookup and a copy.
  Frame symbolize(std::uintptr_t pc, PcKind kind = PcKind::kReturnAddress);
  std::vector<Frame> symbolize(std::span<const std::uintptr_t> pcs,
                               PcKind first = PcKind::kReturnAddress);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace knot::instr
