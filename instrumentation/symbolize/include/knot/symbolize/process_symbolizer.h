// Symbolizing this process's own program counters, after capture and off
// the signal path (abseil keeps symbolize.h apart from stacktrace.h the
// same way).
//
//   ProcessSymbolizer  turns pcs of the running process into Frames,
//                      caching per pc and per module
//
// Modules, build-ids and debug information come from libdw's Dwfl view of
// the process (/proc/self/maps), dladdr() stands in where it has none.
// Each pc becomes one Frame per inlined call plus one for its real
// function (frame.h); knot's own frames are marked by the rule in
// knot_frames.h. The same lookup serves FileSymbolizer (file_symbolizer.h)
// for binaries on disk.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "knot/symbolize/frame.h"

namespace knot::symbolize {

// ProcessSymbolizer turns pcs of this process into Frames. A return
// address is looked up at pc - 1 (inside its call); an exact pc as it is.
// Results are cached per pc, and module facts (path, build-id, debug
// information) per module; a pc outside every known module makes it
// re-read the module list once (a dlopen since).
//
// Not thread-safe: one ProcessSymbolizer belongs to one thread at a time
// (the watchdog's), or the caller locks around it. It never runs in a
// signal handler: it allocates, opens files and takes the loader's locks.
class ProcessSymbolizer {
 public:
  // ProcessSymbolizer() reads the running process's module list. If libdw
  // cannot (no /proc, say) it still works through dladdr, without file:line.
  ProcessSymbolizer();
  ~ProcessSymbolizer();
  ProcessSymbolizer(const ProcessSymbolizer&) = delete;
  ProcessSymbolizer& operator=(const ProcessSymbolizer&) = delete;

  // symbolize() resolves one pc of kind `kind`, or a whole stack whose
  // first pc is of kind `first` and whose later pcs are return addresses.
  // Each pc gives at least one Frame (only `pc` set when nothing is known
  // about it), more when code was inlined there: innermost first, the real
  // function last. Cold, one pc costs tens of microseconds to a
  // millisecond (more the first time a module's debug information is
  // read); a cached pc costs a hash lookup and a copy.
  std::vector<Frame> symbolize(std::uintptr_t pc, PcKind kind = PcKind::kReturnAddress);
  std::vector<Frame> symbolize(std::span<const std::uintptr_t> pcs,
                               PcKind first = PcKind::kReturnAddress);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace knot::symbolize
