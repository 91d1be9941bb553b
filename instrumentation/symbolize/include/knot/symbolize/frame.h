// The symbolizer's vocabulary: what kind of address a pc is, and what one
// symbolized frame says.
//
//   PcKind  the instruction itself, or a return address (look up pc - 1)
//   Frame   one source-level frame; a pc whose code was inlined gives one
//           Frame per inlined call, then one for its real function
//
// Plain values, shared by ProcessSymbolizer (this process) and
// FileSymbolizer (a binary on disk).
#pragma once

#include <cstdint>
#include <string>

namespace knot::symbolize {

// PcKind says what a pc points at. A stack's later pcs are always return
// addresses; only its first may be exact.
enum class PcKind : std::uint8_t {
  // kReturnAddress: the pc points after a call instruction, so the call is
  // looked up at pc - 1 (the first pc of capture_current(), of a thread
  // capturing itself, of captures under ThreadSanitizer, and every later pc).
  kReturnAddress,
  // kExact: the instruction itself, as a signal interrupted it.
  kExact,
};

// Frame is one symbolized frame. Fields that could not be found are empty
// (strings), 0 (numbers) or false.
struct Frame {
  // The address as captured; every Frame of one pc carries it.
  std::uint64_t pc = 0;
  // Path of the ELF module (executable or shared object) that holds pc.
  std::string module{};
  // pc in the module's own ELF address space (pc minus its load bias), as
  // `addr2line -e module` or `eu-addr2line` expect it. For a return address
  // the call instruction is at offset - 1.
  std::uint64_t offset = 0;
  // The module's GNU build-id, lower-case hex.
  std::string build_id{};
  // Demangled function name ("knot::Latch::wait() const"), the raw symbol
  // when it does not demangle (a C function), or, for an inlined function
  // that has no linkage name, its qualified name from DWARF without the
  // parameters ("knot::detail::run_task<main::{lambda}>").
  std::string function{};
  // Source file and line where debug information exists: for the innermost
  // Frame of a pc the line the code at pc belongs to; for each enclosing
  // one the line where it calls (inlines) the Frame before it.
  std::string file{};
  int line = 0;
  // Whether this Frame is a function inlined into the next one (all Frames
  // of a pc but the last).
  bool is_inlined = false;
  // Whether the function is knot's own (knot_frames.h), so that viewers
  // can fold it.
  bool is_knot = false;
};

}  // namespace knot::symbolize
