// Finding a watchdog's advertisement for knot-dump. The file itself (its
// fields, its JSON, where a process writes it) is defined once, in
// knot/report/advertisement.h; this is the reader's search and checks.
//
//   advertisement_paths()    where a process's advertisement may be
//   find_advertisement()     the first usable one, or why there is none
//
// A file left behind by a crashed process whose pid was reused is
// recognized as stale: it is older than the process. Nothing here sends a
// signal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "knot/report/advertisement.h"

namespace knot::dump {

using knot::report::Advertisement;

// advertisement_paths() lists, without duplicates, where process `pid`'s
// advertisement may be: `$XDG_RUNTIME_DIR/knot` of this environment
// (`xdg_runtime_dir`, nullptr or empty when unset), then, if its owner is
// known, `/run/user/<owner>/knot` and `/tmp/knot-<owner>`; else
// `/tmp/knot-<our uid>`.
std::vector<std::string> advertisement_paths(pid_t pid, std::optional<uid_t> owner,
                                             const char* xdg_runtime_dir);

// FindResult is find_advertisement()'s answer: the advertisement and its
// file, or why there is none.
struct FindResult {
  enum class Status {
    kFound,             // `advertisement` is usable
    kMissing,           // no file in any place
    kUnusable,          // a file exists but is malformed, stale or not the process's
    kPermissionDenied,  // a file exists but we may not read it
  };
  Status status = Status::kMissing;
  Advertisement advertisement;
  std::string path;    // for kFound: the file it was read from
  std::string detail;  // for kUnusable and kPermissionDenied: "<path>: <why>"
};

// find_advertisement() tries advertisement_paths() in order and returns the
// first usable file. A file is usable if it is a regular file (links are
// not followed) owned by the process's owner (when known), written no
// earlier than the process started (`started`, when known, with a second
// of slack for clock granularity), parses (report::parse_advertisement())
// and names `pid`. When none is usable, the first problem found is
// returned.
FindResult find_advertisement(pid_t pid, std::optional<uid_t> owner,
                              std::optional<std::chrono::system_clock::time_point> started,
                              const char* xdg_runtime_dir);

}  // namespace knot::dump
