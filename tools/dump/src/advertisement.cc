// Finding and checking a watchdog's advertisement (advertisement.h).

#include "advertisement.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace knot::dump {

namespace {

using knot::report::kMaxAdvertisementBytes;

// ReadOutcome is one file's raw text, or why it could not be had.
struct ReadOutcome {
  enum class Status { kOk, kMissing, kDenied, kBad };
  Status status = Status::kMissing;
  std::string text;
  std::string why;
  struct stat st {};
};

// read_file() reads a small regular file without following a link.
ReadOutcome read_file(const std::string& path) {
  ReadOutcome out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int e = errno;
    out.status = e == ENOENT || e == ENOTDIR ? ReadOutcome::Status::kMissing
                 : e == EACCES || e == EPERM ? ReadOutcome::Status::kDenied
                                             : ReadOutcome::Status::kBad;
    out.why = e == ELOOP ? "is a symbolic link" : std::strerror(e);
    return out;
  }
  out.status = ReadOutcome::Status::kBad;
  if (::fstat(fd, &out.st) != 0) {
    out.why = std::strerror(errno);
  } else if (!S_ISREG(out.st.st_mode)) {
    out.why = "not a regular file";
  } else if (static_cast<std::size_t>(out.st.st_size) > kMaxAdvertisementBytes) {
    out.why = "larger than " + std::to_string(kMaxAdvertisementBytes) + " bytes";
  } else {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 &&
           out.text.size() <= kMaxAdvertisementBytes) {
      out.text.append(buffer, static_cast<std::size_t>(n));
    }
    if (n < 0) {
      out.why = std::strerror(errno);
    } else {
      out.status = ReadOutcome::Status::kOk;
    }
  }
  ::close(fd);
  return out;
}

std::chrono::system_clock::time_point modified(const struct stat& st) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

}  // namespace

std::vector<std::string> advertisement_paths(pid_t pid, std::optional<uid_t> owner,
                                             const char* xdg_runtime_dir) {
  using knot::report::advertisement_dir;
  using knot::report::advertisement_path;
  const uid_t uid = owner.value_or(::getuid());
  std::vector<std::string> paths;
  if (xdg_runtime_dir != nullptr && *xdg_runtime_dir != '\0')
    paths.push_back(advertisement_path(advertisement_dir(xdg_runtime_dir, uid), pid));
  if (owner) {
    const std::string run_user = "/run/user/" + std::to_string(uid);
    paths.push_back(advertisement_path(advertisement_dir(run_user.c_str(), uid), pid));
  }
  paths.push_back(advertisement_path(advertisement_dir(nullptr, uid), pid));
  std::vector<std::string> unique;
  for (auto& p : paths) {
    if (std::find(unique.begin(), unique.end(), p) == unique.end())
      unique.push_back(std::move(p));
  }
  return unique;
}

FindResult find_advertisement(pid_t pid, std::optional<uid_t> owner,
                              std::optional<std::chrono::system_clock::time_point> started,
                              const char* xdg_runtime_dir) {
  FindResult first_problem;  // kMissing until a file is found
  auto note = [&](FindResult::Status status, const std::string& path, const std::string& why) {
    if (first_problem.status == FindResult::Status::kMissing)
      first_problem = {status, {}, {}, path + ": " + why};
  };
  for (const std::string& path : advertisement_paths(pid, owner, xdg_runtime_dir)) {
    ReadOutcome file = read_file(path);
    switch (file.status) {
      case ReadOutcome::Status::kMissing:
        continue;
      case ReadOutcome::Status::kDenied:
        note(FindResult::Status::kPermissionDenied, path, "cannot read it: " + file.why);
        continue;
      case ReadOutcome::Status::kBad:
        note(FindResult::Status::kUnusable, path, file.why);
        continue;
      case ReadOutcome::Status::kOk:
        break;
    }
    if (owner && file.st.st_uid != *owner) {
      note(FindResult::Status::kUnusable, path,
           "owned by uid " + std::to_string(file.st.st_uid) + ", not by the process's owner (uid " +
               std::to_string(*owner) + ")");
      continue;
    }
    if (started && modified(file.st) + std::chrono::seconds(1) < *started) {
      note(FindResult::Status::kUnusable, path,
           "stale: written before the process started (left by an earlier process with the same "
           "pid)");
      continue;
    }
    std::string why;
    auto ad = knot::report::parse_advertisement(file.text, why);
    if (!ad) {
      note(FindResult::Status::kUnusable, path, why);
      continue;
    }
    if (ad->pid != pid) {
      note(FindResult::Status::kUnusable, path,
           "it names pid " + std::to_string(ad->pid) + ", not " + std::to_string(pid));
      continue;
    }
    return {FindResult::Status::kFound, std::move(*ad), path, ""};
  }
  return first_problem;
}

}  // namespace knot::dump
