// process_info(), the report's times and durations (process_info.h).

#include "process_info.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "knot/base/time_format.h"

#ifndef KNOT_VERSION
#define KNOT_VERSION "unknown"
#endif

namespace knot::instr {

std::string format_seconds(double s) {
  char buf[32];
  if (s < 1.0) {
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  }
  return buf;
}

const report::Process& process_info() {
  static const report::Process info = [] {
    report::Process p;
    p.pid = ::getpid();
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0)
      p.executable.assign(exe, static_cast<std::size_t>(n));
    std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
    std::string arg;
    bool first = true;
    while (std::getline(cmdline, arg, '\0')) {
      if (!first)
        p.arguments.push_back(arg);
      first = false;
    }
    // Start time: the process's start in clock ticks since boot (field 22
    // of /proc/self/stat) plus the boot time (btime in /proc/stat).
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    const std::size_t paren = line.rfind(')');
    long long ticks = 0;
    if (paren != std::string::npos) {
      std::istringstream fields(line.substr(paren + 2));
      std::string field;
      for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22)
          ticks = std::atoll(field.c_str());
      }
    }
    std::ifstream system_stat("/proc/stat");
    long long boot = 0;
    while (std::getline(system_stat, line)) {
      if (line.rfind("btime ", 0) == 0)
        boot = std::atoll(line.c_str() + 6);
    }
    const long hz = ::sysconf(_SC_CLK_TCK);
    if (boot > 0 && hz > 0) {
      const auto start = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(boot * 1000 + ticks * 1000 / hz));
      p.start_time = base::utc_iso8601(start);
    }
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0)
      p.host = host;
    p.knot_version = KNOT_VERSION;
    return p;
  }();
  return info;
}

}  // namespace knot::instr
