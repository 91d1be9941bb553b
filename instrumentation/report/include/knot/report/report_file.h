// Reports on disk: written atomically and privately, read with limits.
//
//   write_report_file()  a report into a folder, atomically, mode 0600
//   read_report_file()   a report file, tolerant (report_json.h), size-capped
//   list_report_files()  the report files of a folder, newest first
//   write_private_file() any text to a chosen path, atomically, mode 0600
//   ReportFileError      what went wrong, with the path and the OS's reason
//
// A report is written to a temporary file in the target folder (O_EXCL,
// O_NOFOLLOW, mode 0600), fsynced, then linked to its final name without
// replacing anything (a second report of the same name gets a suffix), and
// the folder is fsynced. A reader never sees half a report; a full disk
// leaves no file behind and throws; nothing follows a symbolic link.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "knot/report/report.h"
#include "knot/report/report_json.h"

namespace knot::report {

class ReportFileError : public std::runtime_error {
 public:
  ReportFileError(const std::string& path, const std::string& what, int os_error = 0);
  const std::string& path() const noexcept { return path_; }
  int os_error() const noexcept { return os_error_; }  // errno, or 0

 private:
  std::string path_;
  int os_error_ = 0;
};

// report_file_name() is the file name a report gets in its folder:
// "knot-<verdict kind or 'snapshot'>-<id>.json" (the id made file-safe).
std::string report_file_name(const Report& report);

// create_report_dir() creates `dir` and any missing parents, each with mode
// 0700 (as `mkdir -p` would, but private); a folder that exists is left as
// it is. Throws ReportFileError naming the component that failed.
void create_report_dir(const std::string& dir);

// write_report_file() writes `report` into `dir` (created as by
// create_report_dir() if missing; a `dir` that is a symbolic link is refused) and returns the new
// file's path. Never overwrites: if the name is taken it appends "-2",
// "-3", ... Throws ReportFileError on any failure, leaving nothing behind.
std::string write_report_file(const std::string& dir, const Report& report);

// write_private_file() writes `text` to `path` the way reports are written
// (a private temporary file in the same folder, O_EXCL, O_NOFOLLOW, mode
// 0600, fsynced) and then renames it over `path`, replacing any file of
// that name (a symbolic link there is replaced, not followed). The folder
// must exist. For files whose name the user chooses (knot::instr's trace).
// Throws ReportFileError (with the OS's reason) on any failure, leaving
// nothing behind and any previous file at `path` as it was.
void write_private_file(const std::string& path, std::string_view text);

// kMaxReportBytes is the largest report file read_report_file() accepts.
inline constexpr std::uint64_t kMaxReportBytes = 256ull << 20;

// read_report_file() reads and parses a report. A missing, unreadable,
// non-regular or oversized file throws ReportFileError; a bad document
// comes back as a ParseResult without a report and with diagnostics.
ParseResult read_report_file(const std::string& path, std::uint64_t max_bytes = kMaxReportBytes);

struct ReportFileEntry {
  std::string path{};
  std::int64_t modified_ns = 0;  // modification time, ns since the epoch
};

// list_report_files() lists the regular files named "knot-*.json" in `dir`,
// newest first (by modification time, then name). Throws ReportFileError
// if `dir` cannot be read.
std::vector<ReportFileEntry> list_report_files(const std::string& dir);

}  // namespace knot::report
