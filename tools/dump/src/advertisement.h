// The watchdog's advertisement: how knot-dump learns that a process runs a
// knot watchdog, where it writes reports and which signal asks for one.
//
//   Advertisement            pid, report folder, signal (a parsed file)
//   parse_advertisement()    the file's JSON to an Advertisement, checked
//   advertisement_paths()    where a process's advertisement may be
//   find_advertisement()     the first usable one, or why there is none
//
// The protocol (instrumentation/include/knot/instrumentation/watchdog.h):
// while it runs, the watchdog keeps `$XDG_RUNTIME_DIR/knot/<pid>.json` (or,
// without XDG_RUNTIME_DIR, `/tmp/knot-<uid>/<pid>.json`), mode 0600,
//
//   {"schema": "knot.watchdog/1", "pid": 4242,
//    "report_dir": "/abs/path", "signal": 38}
//
// and removes it when it stops. A file left behind by a crashed process
// whose pid was reused is recognized as stale: it is older than the
// process. Unknown fields are ignored; minor versions ("knot.watchdog/1.N")
// are accepted. Nothing here sends a signal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace knot::dump {

inline constexpr std::string_view kAdvertisementSchema = "knot.watchdog/1";

// kMaxAdvertisementBytes caps what is read of an advertisement file.
inline constexpr std::size_t kMaxAdvertisementBytes = 64 * 1024;

// Advertisement is one parsed, checked advertisement file.
struct Advertisement {
  std::string path;  // the file it was read from
  pid_t pid = 0;
  std::string report_dir;  // absolute
  int signal = 0;          // 1..SIGRTMAX
};

// parse_advertisement() reads the JSON `text` of an advertisement expected
// to be process `pid`'s. On failure returns nullopt and sets `why` ("pid
// 41 in the file, not 42", "report_dir is not an absolute path", ...).
std::optional<Advertisement> parse_advertisement(std::string_view text, pid_t pid,
                                                 std::string& why);

// advertisement_paths() lists, without duplicates, where process `pid`'s
// advertisement may be: `$XDG_RUNTIME_DIR/knot` of this environment
// (`xdg_runtime_dir`, nullptr or empty when unset), then, if its owner is
// known, `/run/user/<owner>/knot` and `/tmp/knot-<owner>`; else
// `/tmp/knot-<our uid>`.
std::vector<std::string> advertisement_paths(pid_t pid, std::optional<uid_t> owner,
                                             const char* xdg_runtime_dir);

// FindResult is find_advertisement()'s answer: the advertisement, or why
// there is none.
struct FindResult {
  enum class Status {
    kFound,             // `advertisement` is usable
    kMissing,           // no file in any place
    kUnusable,          // a file exists but is malformed, stale or not the process's
    kPermissionDenied,  // a file exists but we may not read it
  };
  Status status = Status::kMissing;
  Advertisement advertisement;
  std::string detail;  // for kUnusable and kPermissionDenied: "<path>: <why>"
};

// find_advertisement() tries advertisement_paths() in order and returns the
// first usable file. A file is usable if it is a regular file (links are
// not followed) owned by the process's owner (when known), written no
// earlier than the process started (`started`, when known, with a second
// of slack for clock granularity), and parses. When none is usable, the
// first problem found is returned.
FindResult find_advertisement(pid_t pid, std::optional<uid_t> owner,
                              std::optional<std::chrono::system_clock::time_point> started,
                              const char* xdg_runtime_dir);

}  // namespace knot::dump
