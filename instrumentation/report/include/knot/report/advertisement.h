// The watchdog's advertisement: how knot-dump learns that a process runs a
// knot watchdog, where it writes reports and which signal asks for one. The
// one definition of the file, for its writer (the watchdog) and its reader
// (knot-dump).
//
//   Advertisement                 pid, report folder, signal, start time
//   advertisement_json()          the file's text (nlohmann/json)
//   parse_advertisement()         the file's text back, checked
//   advertisement_dir()           the folder a process advertises in
//   write_advertisement()         the file, atomically and privately
//   sweep_stale_advertisements()  removes those of processes that are gone
//
// The file is `<advertisement_dir()>/<pid>.json`, mode 0600:
//
//   {"schema": "knot.watchdog/1", "pid": 4242, "report_dir": "/abs/path",
//    "signal": 38, "start_time": "2026-11-28T21:00:00.000Z"}
//
// The watchdog keeps it while it runs and removes it when it stops (or
// before it leaves by _Exit or abort: withdraw_advertisement(), watchdog.h).
// Unknown fields are ignored; minor versions ("knot.watchdog/1.N") are
// accepted. Nothing here sends a signal.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace knot::report {

inline constexpr std::string_view kAdvertisementSchema = "knot.watchdog/1";

// kMaxAdvertisementBytes caps what a reader takes of an advertisement file.
inline constexpr std::size_t kMaxAdvertisementBytes = 64 * 1024;

// Advertisement is one advertisement file's content.
struct Advertisement {
  std::int64_t pid = 0;
  std::string report_dir{};  // absolute
  int signal = 0;            // 1..SIGRTMAX
  std::string start_time{};  // the process's start (ISO 8601, UTC); may be empty
};

// advertisement_json() is the file's text: one JSON object and a newline,
// every string escaped by nlohmann/json (any byte of a folder's name is
// kept; invalid UTF-8 is replaced, never written raw).
std::string advertisement_json(const Advertisement& ad);

// parse_advertisement() reads an advertisement's JSON `text`. It checks the
// schema (major 1), an integer pid > 0, an absolute `report_dir` and a
// signal in 1..SIGRTMAX; `start_time` is optional. On failure returns
// nullopt and sets `why` ("not a JSON object", "\"report_dir\" is not an
// absolute path", ...). Never throws.
std::optional<Advertisement> parse_advertisement(std::string_view text, std::string& why);

// advertisement_dir() is where a process with this XDG_RUNTIME_DIR
// (`xdg_runtime_dir`, nullptr or empty when unset) and user advertises:
// `$XDG_RUNTIME_DIR/knot`, else `/tmp/knot-<uid>`.
std::string advertisement_dir(const char* xdg_runtime_dir, uid_t uid);

// advertisement_path() is `<dir>/<pid>.json`.
std::string advertisement_path(const std::string& dir, std::int64_t pid);

// write_advertisement() creates `dir` if missing (mode 0700), checks that
// it is a folder of this user that no one else may use (not a link, owned
// by us, mode 0700 or stricter), and writes `ad` as
// advertisement_path(dir, ad.pid) with write_private_file() (report_file.h).
// Returns the path. Throws ReportFileError on any failure ("... is not
// private").
std::string write_advertisement(const std::string& dir, const Advertisement& ad);

// sweep_stale_advertisements() removes from `dir` the advertisements that
// are provably stale: regular files named `<pid>.json` (and the
// `<pid>.json.tmp` of older watchdogs), owned by this user, whose process
// no longer exists (kill(pid, 0) says ESRCH) and that were last modified
// more than `min_age` ago. Anything else is left alone: a live process's
// file, another user's, a link. Returns how many were removed; never
// throws.
std::size_t sweep_stale_advertisements(const std::string& dir, std::int64_t min_age_seconds = 60);

}  // namespace knot::report
