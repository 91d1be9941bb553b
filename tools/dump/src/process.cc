// probe_process(): kill(pid, 0) for existence and permission, /proc/<pid>
// for the owner and /proc/<pid>/stat for the state and the start time.

#include "process.h"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace knot::dump {

namespace {

// StatFields are the fields of /proc/<pid>/stat that knot-dump reads.
struct StatFields {
  char state = '?';                    // field 3: R, S, D, Z (zombie), X (dead), ...
  unsigned long long start_ticks = 0;  // field 22: clock ticks since boot
};

// read_stat() parses /proc/<pid>/stat. The second field (the command) is in
// parentheses and may itself hold spaces and parentheses, so fields are
// counted after the last ')'.
std::optional<StatFields> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line))
    return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  StatFields out;
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field))
      return std::nullopt;
    if (i == 3)
      out.state = field[0];
  }
  try {
    out.start_ticks = std::stoull(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return out;
}

// start_time() converts the start ticks to the system clock: the process's
// age is CLOCK_BOOTTIME now minus its start, and it started that long ago.
std::optional<std::chrono::system_clock::time_point> start_time(unsigned long long ticks) {
  const long hz = ::sysconf(_SC_CLK_TCK);
  timespec boot{};
  if (hz <= 0 || ::clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
    return std::nullopt;
  using std::chrono::nanoseconds;
  const auto since_boot = std::chrono::seconds(boot.tv_sec) + nanoseconds(boot.tv_nsec);
  const auto started_after_boot =
      nanoseconds(static_cast<std::int64_t>(ticks) * (1'000'000'000 / hz));
  const auto age = since_boot - started_after_boot;
  return std::chrono::system_clock::now() -
         std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
}

}  // namespace

ProcessProbe probe_process(pid_t pid) {
  ProcessProbe probe;
  if (::kill(pid, 0) == 0) {
    probe.status = ProcessProbe::Status::kAlive;
    probe.is_signalable = true;
  } else if (errno == EPERM) {
    probe.status = ProcessProbe::Status::kAlive;
  } else {
    return probe;  // ESRCH
  }
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0)
    probe.uid = st.st_uid;
  if (const auto stat = read_stat(pid)) {
    if (stat->state == 'Z' || stat->state == 'X')
      probe.status = ProcessProbe::Status::kExited;
    probe.start_time = start_time(stat->start_ticks);
  }
  return probe;
}

}  // namespace knot::dump
