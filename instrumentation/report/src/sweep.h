// sweep_dead_writers(): the sweep behind sweep_stale_temporaries() and
// sweep_stale_advertisements(). Private to knot::report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace knot::report::detail {

// sweep_dead_writers() removes from `dir` each regular file whose name
// `pid_of` maps to the process that wrote it, when that process is provably
// gone (kill(pid, 0) says ESRCH), the file is this user's and its last
// change is at least `min_age_seconds` old. Names `pid_of` rejects
// (nullopt), this process's own files and files behind links are left. A
// missing or unreadable `dir` removes nothing. Returns how many it removed.
std::size_t sweep_dead_writers(
    const std::string& dir, std::int64_t min_age_seconds,
    const std::function<std::optional<std::int64_t>(std::string_view name)>& pid_of);

}  // namespace knot::report::detail
