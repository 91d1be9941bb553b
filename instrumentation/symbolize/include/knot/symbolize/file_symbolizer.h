// Symbolizing addresses of a binary on disk, with no process attached: a
// report from a stripped production binary becomes readable where its
// debug binary is (knot-view --symbolize).
//
//   FileSymbolizer   one ELF file (executable, library or separate debug
//                    file) opened with libdw, offline
//   read_build_id()  the GNU build-id of an ELF file
//
// The lookup is ProcessSymbolizer's (process_symbolizer.h): the same
// names, inline expansion, source lines and knot-frame rule.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "knot/symbolize/frame.h"

namespace knot::symbolize {

// FileSymbolizer resolves file addresses of one ELF file. Loading costs
// one read of its symbol table and, on first need, of its DWARF
// (milliseconds to a second for large debug files); then tens of
// microseconds per new address, a hash lookup per repeated one. Not
// thread-safe.
class FileSymbolizer {
 public:
  // open() loads the ELF file at `path`; null, with `error` set, if libdw
  // cannot read it.
  static std::unique_ptr<FileSymbolizer> open(const std::string& path, std::string& error);
  ~FileSymbolizer();
  FileSymbolizer(const FileSymbolizer&) = delete;
  FileSymbolizer& operator=(const FileSymbolizer&) = delete;

  // symbolize() is the frames of the code at `offset`, a file address as
  // knot records it (Frame::offset: pc minus the load bias), looked up at
  // offset - 1 for a return address: innermost inlined call first, the
  // real function last. Sets function, file, line, is_inlined, is_knot
  // and offset; pc, module and build_id are the caller's. Empty when no
  // symbol and no debug information covers the address.
  std::vector<Frame> symbolize(std::uint64_t offset, PcKind kind);

 private:
  struct Impl;
  explicit FileSymbolizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// read_build_id() is the hex GNU build-id note of the ELF file at `path`;
// empty if the file is unreadable, not ELF or has none.
std::string read_build_id(const std::string& path);

}  // namespace knot::symbolize
