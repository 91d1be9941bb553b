// Reports on disk: written atomically and privately, read with limits.
//
//   write_report_file()  a report into a folder, atomically, mode 0600
//   read_report_file()   a report file, tolerant (report_json.h), size-capped
//   list_report_files()  the report files of a folder, newest first
//   write_private_file() any text to a chosen path, atomically, mode 0600
//   report_dir_problem() why a report folder cannot be trusted, if it cannot
//   sweep_stale_temporaries()  removes temporaries of writers that are gone
//   ReportFileError      what went wrong, with the path and the OS's reason
//
// A report is written to a temporary file in the target folder
// (".knot-report-<pid>-<random>.tmp": O_EXCL, O_NOFOLLOW, mode 0600), fsynced, then linked to its
// final name without replacing anything (a second report of the same name gets a suffix), and the
// folder is fsynced. A reader never sees half a report; a full disk leaves no file behind and
// throws; nothing follows a symbolic link.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
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

// read_report_fd() is read_report_file() on a file the caller opened (and
// checked: knot-dump opens with O_NOFOLLOW and looks at its owner first);
// `path` names it in errors. Does not close `fd`.
ParseResult read_report_fd(int fd, const std::string& path,
                           std::uint64_t max_bytes = kMaxReportBytes);

// report_dir_problem() says why the report folder `dir` cannot be trusted
// to hold only what user `owner` wrote, or nullopt if it can. Trusted is a
// folder, not a symbolic link, owned by `owner` or root, that no one else
// may write to (no group or other write bit) unless it is sticky (then
// others cannot rename or remove the owner's files); and each folder above
// it (links followed) is either not writable by others or sticky. The
// watchdog warns at start about a folder with a problem; knot-dump refuses
// it. Throws ReportFileError when `dir` cannot be looked at (os_error
// ENOENT: it does not exist).
std::optional<std::string> report_dir_problem(const std::string& dir, uid_t owner);

// sweep_stale_temporaries() removes from `dir` the temporary files that a
// writer killed mid-write left behind (".knot-<what>-<pid>-<random>.tmp",
// see write_report_file()), where that is provable: a regular file, owned
// by this user, last modified more than `min_age_seconds` ago, whose
// writer `pid` is not this process and no longer exists (kill(pid, 0):
// ESRCH). Temporaries without a pid (older knot) are left. Returns how many
// were removed; never throws.
std::size_t sweep_stale_temporaries(const std::string& dir, std::int64_t min_age_seconds = 60);

struct ReportFileEntry {
  std::string path{};
  std::int64_t modified_ns = 0;  // modification time, ns since the epoch
};

// list_report_files() lists the regular files named "knot-*.json" in `dir`,
// newest first (by modification time, then name). Throws ReportFileError
// if `dir` cannot be read.
std::vector<ReportFileEntry> list_report_files(const std::string& dir);

}  // namespace knot::report
