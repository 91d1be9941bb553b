// ingest(): walk files and folders of HTML into the store.
//
//   IngestOptions  size limit, batch size, which extensions a folder walk takes
//   IngestReport   what was added, updated, left alone and skipped (and why)
//   ingest()       the walk
//
// Ingest stores each file's raw bytes and content hash; extraction and
// embedding are reprocess's job. A file whose content hash is unchanged is
// left alone, so re-ingesting is cheap and idempotent. Files are written in
// transactions of `batch_size`, so an interrupted ingest keeps what it
// committed and a rerun picks up the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "knot/pipeline/store.h"

namespace knot::pipeline {

struct IngestOptions {
  // Files larger than this are skipped with a message.
  std::uintmax_t max_file_bytes = std::uintmax_t{16} << 20;
  // Documents per transaction.
  std::size_t batch_size = 256;
  // Extensions a folder walk takes (lowercase, with the dot). A file named
  // explicitly is taken whatever its extension.
  std::vector<std::string> extensions = {".html", ".htm", ".xhtml"};
};

struct SkippedFile {
  std::string path;
  std::string reason;  // "empty file", "binary file (NUL bytes)", "larger than ...", ...
};

struct IngestReport {
  std::size_t files_seen = 0;
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t unchanged = 0;
  std::uintmax_t bytes_read = 0;
  // Ingested with a warning: not valid UTF-8 (the extractor replaces bad bytes).
  std::vector<SkippedFile> warnings;
  // Not ingested: empty, binary, too large, unreadable.
  std::vector<SkippedFile> skipped;
  // Not stored again: another name (a hard link) of a file stored under the
  // name in `reason` ("same file as PATH"), in this run or an earlier one.
  std::vector<SkippedFile> same_file;
  // Arguments that do not exist.
  std::vector<std::string> missing;
  // Arguments that exist but cannot be used: "symlink loop", "Permission
  // denied" (a folder above them cannot be searched), ...
  std::vector<SkippedFile> unusable;
  // Folders that could not be listed (the reason is the OS's): the files
  // in them were not seen.
  std::vector<SkippedFile> unreadable_folders;
};

// kNoSuchPath is argument_problem()'s answer for a path that does not exist.
inline constexpr std::string_view kNoSuchPath = "no such file or folder";

// argument_problem() says why `path` cannot be ingested: "" when it
// exists, kNoSuchPath, "symlink loop", or the OS's reason. Any thread.
std::string argument_problem(const std::filesystem::path& path);

// ingest() walks `paths` (files, or folders walked recursively without
// following links to folders) into `store`. Each file is keyed by its
// canonical path, so a file reached through a symbolic link, or named twice,
// is stored once; a file with several hard links is stored once too, under
// the first of its names in path order (or the name it was stored under
// before), the others listed in `same_file`. A folder that cannot be listed is reported in
// `unreadable_folders`, never skipped silently. Throws StoreError if the store
// cannot be written (read-only, locked past the busy timeout, full): the
// batch in flight is rolled back, earlier batches stay.
IngestReport ingest(Store& store, const std::vector<std::filesystem::path>& paths,
                    const IngestOptions& options = {});

}  // namespace knot::pipeline
