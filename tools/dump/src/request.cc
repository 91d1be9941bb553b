// request_report(): probe, find the advertisement, signal, wait, read
// (request.h).

#include "request.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>
#include <utility>

#include "advertisement.h"
#include "knot/report/report_file.h"
#include "process.h"

namespace knot::dump {

namespace {

using knot::report::ReportFileEntry;
using knot::report::ReportFileError;
using Clock = std::chrono::steady_clock;

std::string seconds_text(std::chrono::milliseconds ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g s", static_cast<double>(ms.count()) / 1000.0);
  return buffer;
}

bool is_permission_error(int os_error) {
  return os_error == EACCES || os_error == EPERM;
}

// listing_failure() is the exit code and message for a report folder that
// cannot be listed.
std::pair<int, std::string> listing_failure(const ReportFileError& e) {
  if (is_permission_error(e.os_error()))
    return {kExitPermission, std::string("permission denied: ") + e.what()};
  return {kExitFailure, e.what()};
}

// Listing is the report folder's files, or why it could not be listed. A
// folder that does not exist yet is empty: the watchdog creates it when it
// writes its first report.
struct Listing {
  std::vector<ReportFileEntry> entries;
  std::optional<ReportFileError> error;
};

Listing list_reports(const std::string& dir) {
  try {
    return {knot::report::list_report_files(dir), std::nullopt};
  } catch (const ReportFileError& e) {
    if (e.os_error() == ENOENT)
      return {};
    return {{}, e};
  }
}

// folder_refusal() is why knot-dump will not take reports from `dir` for a
// process of user `owner` (report_dir_problem(): others could plant or
// swap files there), or "" if it will. A folder that does not exist yet is
// no reason: it is checked again at each poll, once it exists.
std::string folder_refusal(const std::string& dir, uid_t owner) {
  std::optional<std::string> problem;
  try {
    problem = knot::report::report_dir_problem(dir, owner);
  } catch (const ReportFileError& e) {
    if (e.os_error() == ENOENT)
      return "";
    return std::string("cannot check the report folder: ") + e.what();
  }
  if (!problem)
    return "";
  return "refusing the report folder " + dir + ": " + *problem +
         "; a report there could be forged by another user";
}

// coarse_now() is the clock the kernel stamps files with (the coarse
// realtime clock): a file written after this call has a time no earlier.
timespec coarse_now() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
  return now;
}

bool is_before(const timespec& a, const timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec < b.tv_sec : a.tv_nsec < b.tv_nsec;
}

// FileCheck is the answer's file, opened without following a link and
// checked, or why it was refused.
struct FileCheck {
  int fd = -1;
  std::string why;
};

// open_answer() opens `path` (O_NOFOLLOW) and accepts it only if it is a
// regular file owned by `owner` and written no earlier than `asked`.
FileCheck open_answer(const std::string& path, uid_t owner, const timespec& asked) {
  FileCheck check;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    check.why = errno == ELOOP ? "a symbolic link" : std::strerror(errno);
    return check;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    check.why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    check.why = "not a regular file";
  } else if (st.st_uid != owner) {
    check.why = "owned by uid " + std::to_string(st.st_uid) + ", not by the process's owner (uid " +
                std::to_string(owner) + ")";
  } else if (is_before(st.st_mtim, asked)) {
    check.why = "written before the request";
  } else {
    check.fd = fd;
    return check;
  }
  ::close(fd);
  return check;
}

// Waiter looks at the reports that appear after the signal, in the order
// they appeared, and keeps the reasons it skipped any.
class Waiter {
 public:
  Waiter(pid_t pid, uid_t owner, timespec asked, std::set<std::string> seen)
      : pid_(pid), owner_(owner), asked_(asked), seen_(std::move(seen)) {}

  // take_answer() reads each new report in `listing` (newest first, as
  // list_report_files gives them) and moves the first that answers the
  // request into `out`; true if it found one.
  bool take_answer(const std::vector<ReportFileEntry>& listing, RequestOutcome& out) {
    for (auto it = listing.rbegin(); it != listing.rend(); ++it) {
      if (!seen_.insert(it->path).second)
        continue;
      const FileCheck file = open_answer(it->path, owner_, asked_);
      if (file.fd < 0) {
        skipped_.push_back("skipped " + it->path + ": " + file.why);
        continue;
      }
      knot::report::ParseResult parsed;
      try {
        parsed = knot::report::read_report_fd(file.fd, it->path);
      } catch (const ReportFileError& e) {
        ::close(file.fd);
        skipped_.push_back(std::string("skipped ") + e.what());
        continue;
      }
      ::close(file.fd);
      if (!parsed.report) {
        const std::string why =
            parsed.diagnostics.empty() ? "unreadable" : parsed.diagnostics.front().message;
        skipped_.push_back("skipped " + it->path + ": " + why);
        continue;
      }
      const knot::report::Report& r = *parsed.report;
      if (r.process.pid != pid_ || !r.verdict || r.verdict->kind != "on_demand") {
        skipped_.push_back("skipped " + it->path + ": a " +
                           (r.verdict ? r.verdict->kind : "snapshot") + " report of process " +
                           std::to_string(r.process.pid) + ", not the on-demand report asked for");
        continue;
      }
      out.report = std::move(parsed.report);
      out.path = it->path;
      out.diagnostics = std::move(parsed.diagnostics);
      return true;
    }
    return false;
  }

  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  pid_t pid_;
  uid_t owner_;
  timespec asked_;
  std::set<std::string> seen_;
  std::vector<std::string> skipped_;
};

}  // namespace

// request_report() is long on purpose: the five steps of a request, in
// the order the checks must happen (each refusal its own exit code), read
// better as one sequence than as five functions passing the same state.
RequestOutcome request_report(const RequestOptions& options) {
  RequestOutcome out;
  auto fail = [&out](int code, std::vector<std::string> errors) {
    out.exit_code = code;
    out.errors = std::move(errors);
    return out;
  };
  const pid_t pid = options.pid;
  const std::string process = "process " + std::to_string(pid);

  // 1. The process.
  const ProcessProbe probe = probe_process(pid);
  if (probe.status == ProcessProbe::Status::kMissing)
    return fail(kExitNoProcess, {"no such process: " + std::to_string(pid)});
  if (probe.status == ProcessProbe::Status::kExited)
    return fail(kExitNoProcess, {process + " has exited (a zombie its parent has not reaped)"});

  // 2. Its advertisement.
  const FindResult found =
      find_advertisement(pid, probe.uid, probe.start_time, options.xdg_runtime_dir);
  const std::string no_watchdog =
      process + " does not run a knot watchdog (start it with KNOT_WATCHDOG=1)";
  switch (found.status) {
    case FindResult::Status::kFound:
      break;
    case FindResult::Status::kMissing:
      return fail(kExitNoWatchdog, {no_watchdog});
    case FindResult::Status::kUnusable:
      return fail(kExitNoWatchdog, {no_watchdog, "ignored advertisement " + found.detail});
    case FindResult::Status::kPermissionDenied:
      return fail(kExitPermission, {"permission denied: advertisement " + found.detail});
  }
  const Advertisement& ad = found.advertisement;

  // 3. The folder, trusted only if no one but the process's owner can put
  // files there, and the reports already there.
  if (!probe.uid) {
    return fail(kExitFailure, {"cannot tell who owns " + process +
                               " (/proc), so cannot tell its reports from forged ones"});
  }
  const uid_t owner = *probe.uid;
  if (std::string why = folder_refusal(ad.report_dir, owner); !why.empty())
    return fail(kExitFailure, {why});
  Listing before = list_reports(ad.report_dir);
  if (before.error) {
    const auto [code, message] = listing_failure(*before.error);
    return fail(code, {message});
  }
  std::set<std::string> seen;
  for (const auto& entry : before.entries)
    seen.insert(entry.path);

  // 4. The signal. Only a report written after this moment answers it.
  const timespec asked = coarse_now();
  if (::kill(pid, ad.signal) != 0) {
    const int e = errno;
    if (e == ESRCH)
      return fail(kExitNoProcess, {process + " exited before it could be asked"});
    if (e == EPERM) {
      const std::string owned_by = " (owned by uid " + std::to_string(owner) + ")";
      return fail(kExitPermission, {"permission denied: cannot send signal " +
                                    std::to_string(ad.signal) + " to " + process + owned_by});
    }
    return fail(kExitFailure, {"cannot send signal " + std::to_string(ad.signal) + " to " +
                               process + ": " + std::strerror(e)});
  }

  // 5. The answer.
  Waiter waiter(pid, owner, asked, std::move(seen));
  const auto deadline = Clock::now() + options.timeout;
  for (;;) {
    // Whether it lives is read before the folder: a process that wrote its
    // answer and then exited still counts as having answered.
    const auto status = probe_process(pid).status;
    if (std::string why = folder_refusal(ad.report_dir, owner); !why.empty())
      return fail(kExitFailure, {why});
    Listing now = list_reports(ad.report_dir);
    if (now.error) {
      const auto [code, message] = listing_failure(*now.error);
      return fail(code, {message});
    }
    if (waiter.take_answer(now.entries, out))
      return out;
    std::vector<std::string> errors;
    if (status != ProcessProbe::Status::kAlive) {
      errors.push_back(process + " exited before it answered");
    } else if (Clock::now() >= deadline) {
      errors.push_back(process + " did not answer within " + seconds_text(options.timeout) +
                       " (asked with signal " + std::to_string(ad.signal) +
                       "; no new on-demand report in " + ad.report_dir + ")");
    }
    if (!errors.empty()) {
      errors.insert(errors.end(), waiter.skipped().begin(), waiter.skipped().end());
      return fail(status != ProcessProbe::Status::kAlive ? kExitNoProcess : kExitTimeout, errors);
    }
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::this_thread::sleep_for(
        std::clamp(remaining, std::chrono::milliseconds(1), options.poll_interval));
  }
}

}  // namespace knot::dump
