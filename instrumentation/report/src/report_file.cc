// Reports on disk (report_file.h). POSIX calls directly: the atomic-write
// steps (O_EXCL temporary, fsync, link without replacing, fsync the folder)
// and the refusal to follow links need flags std::filesystem does not have.

#include "knot/report/report_file.h"
#include "sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace knot::report {

namespace {

std::string os_reason(int error) {
  return std::strerror(error);
}

// Fd closes its descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  // close() closes now and reports the error a deferred write may surface.
  int close() noexcept {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// file_safe() keeps [A-Za-z0-9._-] and maps everything else to '_'.
std::string file_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  return out.substr(0, 120);
}

// open_dir() creates `dir` (0700) if missing and opens it without following
// a link in its last component.
int open_dir(const std::string& dir) {
  create_report_dir(dir);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    if (e == ELOOP || e == ENOTDIR)
      throw ReportFileError(dir, "the report folder is a symbolic link or not a folder", e);
    throw ReportFileError(dir, "cannot open the report folder", e);
  }
  return fd;
}

void write_all(int fd, std::string_view text, const std::string& path, const char* noun) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw ReportFileError(path, std::string("cannot write the ") + noun, errno);
    done += static_cast<std::size_t>(n);
  }
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(12, '0');
  for (char& c : s)
    c = kHex[rng() % 16];
  return s;
}

// write_temp() writes `text` into a new private temporary file in the
// folder `dir_fd` (O_EXCL, O_NOFOLLOW, mode 0600), flushed to disk, and
// returns its name in that folder. On failure it leaves nothing behind and
// throws; `noun` says what is written ("report", "file").
std::string write_temp(int dir_fd, const std::string& dir, std::string_view text,
                       const char* noun) {
  // The writer's pid in the name lets a later process prove the file stale
  // once that writer is gone (sweep_stale_temporaries()).
  const std::string tmp_name = ".knot-" + std::string(noun) + "-" + std::to_string(::getpid()) +
                               "-" + random_suffix() + ".tmp";
  const std::string tmp_path = dir + "/" + tmp_name;
  Fd fd(::openat(dir_fd, tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 0600));
  if (fd.get() < 0)
    throw ReportFileError(tmp_path, std::string("cannot create a temporary file for the ") + noun,
                          errno);
  try {
    // The umask cannot widen 0600, but an inherited ACL could: pin the mode.
    if (::fchmod(fd.get(), 0600) != 0)
      throw ReportFileError(tmp_path, std::string("cannot set the ") + noun + "'s mode", errno);
    write_all(fd.get(), text, tmp_path, noun);
    if (::fsync(fd.get()) != 0)
      throw ReportFileError(tmp_path, std::string("cannot flush the ") + noun + " to disk", errno);
    if (int e = fd.close(); e != 0)
      throw ReportFileError(tmp_path, std::string("cannot close the ") + noun, e);
  } catch (...) {
    ::unlinkat(dir_fd, tmp_name.c_str(), 0);
    throw;
  }
  return tmp_name;
}

}  // namespace

void create_report_dir(const std::string& dir) {
  if (dir.empty())
    throw ReportFileError(dir, "the report folder's name is empty", 0);
  // Each prefix that ends before a '/' (and the whole path), in order.
  for (std::size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    const std::string part = dir.substr(0, end);
    if (!part.empty() && part.back() != '/' && ::mkdir(part.c_str(), 0700) != 0 &&
        errno != EEXIST) {
      throw ReportFileError(part, "cannot create the report folder", errno);
    }
    if (end == std::string::npos)
      break;
  }
}

ReportFileError::ReportFileError(const std::string& path, const std::string& what, int os_error)
    : std::runtime_error(path + ": " + what + (os_error != 0 ? ": " + os_reason(os_error) : "")),
      path_(path),
      os_error_(os_error) {}

std::string report_file_name(const Report& report) {
  const std::string kind = report.verdict ? file_safe(report.verdict->kind) : "snapshot";
  const std::string id = report.id.empty() ? random_suffix() : file_safe(report.id);
  return "knot-" + (kind.empty() ? std::string("snapshot") : kind) + "-" + id + ".json";
}

std::string write_report_file(const std::string& dir, const Report& report) {
  const std::string text = to_json(report);
  Fd dir_fd(open_dir(dir));

  // 1. A private temporary file in the same folder (so the link is atomic).
  const std::string tmp_name = write_temp(dir_fd.get(), dir, text, "report");
  auto remove_tmp = [&] { ::unlinkat(dir_fd.get(), tmp_name.c_str(), 0); };

  // 2. Link it under its final name; linkat() never replaces an existing
  // file, so a name collision tries the next suffix.
  const std::string base = report_file_name(report);
  const std::string stem = base.substr(0, base.size() - 5);  // without ".json"
  for (int attempt = 1; attempt <= 1000; ++attempt) {
    const std::string name = attempt == 1 ? base : stem + "-" + std::to_string(attempt) + ".json";
    if (::linkat(dir_fd.get(), tmp_name.c_str(), dir_fd.get(), name.c_str(), 0) == 0) {
      remove_tmp();
      ::fsync(dir_fd.get());  // the new name survives a crash
      return dir + "/" + name;
    }
    if (errno != EEXIST) {
      const int e = errno;
      remove_tmp();
      throw ReportFileError(dir + "/" + name, "cannot name the report", e);
    }
  }
  remove_tmp();
  throw ReportFileError(dir + "/" + base, "too many reports with this name");
}

void write_private_file(const std::string& path, std::string_view text) {
  if (path.empty())
    throw ReportFileError(path, "no file name given");
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..")
    throw ReportFileError(path, "not a file name");
  // The folder must exist: a mistyped folder is an error, not a new tree.
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0)
    throw ReportFileError(dir, "cannot open the folder", errno);
  const std::string tmp_name = write_temp(dir_fd.get(), dir, text, "file");
  // rename() replaces `name` atomically; a symbolic link there is replaced
  // itself, never followed.
  if (::renameat(dir_fd.get(), tmp_name.c_str(), dir_fd.get(), name.c_str()) != 0) {
    const int e = errno;
    ::unlinkat(dir_fd.get(), tmp_name.c_str(), 0);
    throw ReportFileError(path, "cannot name the file", e);
  }
  ::fsync(dir_fd.get());  // the new name survives a crash
}

ParseResult read_report_file(const std::string& path, std::uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0)
    throw ReportFileError(path, "cannot open the report", errno);
  return read_report_fd(fd.get(), path, max_bytes);
}

ParseResult read_report_fd(int fd, const std::string& path, std::uint64_t max_bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw ReportFileError(path, "cannot read the report's size", errno);
  if (!S_ISREG(st.st_mode))
    throw ReportFileError(path, "not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    throw ReportFileError(path, "the report is larger than " + std::to_string(max_bytes >> 20) +
                                    " MiB; refusing to read it");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw ReportFileError(path, "cannot read the report", errno);
    if (n == 0)
      break;  // truncated meanwhile: parse what is there
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return parse(text);
}

std::optional<std::string> report_dir_problem(const std::string& dir, uid_t owner) {
  constexpr mode_t kOthersWrite = S_IWGRP | S_IWOTH;
  auto mode_text = [](mode_t mode) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
    return std::string(buffer);
  };
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    throw ReportFileError(dir, "cannot look at the report folder", errno);
  if (S_ISLNK(st.st_mode))
    return "it is a symbolic link";
  if (!S_ISDIR(st.st_mode))
    return "it is not a folder";
  if (st.st_uid != owner && st.st_uid != 0) {
    return "it is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
           std::to_string(owner) + " or root";
  }
  if ((st.st_mode & kOthersWrite) != 0 && (st.st_mode & S_ISVTX) == 0)
    return "others may write to it (mode " + mode_text(st.st_mode) + ", not sticky)";
  // The folders above: one that others may write to (and is not sticky)
  // lets them rename this one away and put their own in its place.
  for (std::size_t slash = dir.rfind('/'); slash != std::string::npos && slash > 0;
       slash = dir.rfind('/', slash - 1)) {
    const std::string above = dir.substr(0, slash);
    struct stat up {};
    if (::stat(above.c_str(), &up) == 0 && (up.st_mode & kOthersWrite) != 0 &&
        (up.st_mode & S_ISVTX) == 0) {
      return "others may write to the folder above it, " + above + " (mode " +
             mode_text(up.st_mode) + ", not sticky)";
    }
  }
  return std::nullopt;
}

namespace detail {

std::size_t sweep_dead_writers(
    const std::string& dir, std::int64_t min_age_seconds,
    const std::function<std::optional<std::int64_t>(std::string_view name)>& pid_of) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr)
    return 0;
  std::size_t removed = 0;
  const std::time_t now = std::time(nullptr);
  while (const dirent* e = ::readdir(d)) {
    const std::optional<std::int64_t> pid = pid_of(e->d_name);
    if (!pid || *pid <= 0 || *pid > INT32_MAX || *pid == ::getpid())
      continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != ::geteuid() || now - st.st_mtim.tv_sec < min_age_seconds) {
      continue;
    }
    if (::kill(static_cast<pid_t>(*pid), 0) == 0 || errno != ESRCH)
      continue;  // alive, or someone's we may not signal: not provably gone
    if (::unlinkat(::dirfd(d), e->d_name, 0) == 0)
      ++removed;
  }
  ::closedir(d);
  return removed;
}

}  // namespace detail

std::size_t sweep_stale_temporaries(const std::string& dir, std::int64_t min_age_seconds) {
  return detail::sweep_dead_writers(
      dir, min_age_seconds, [](std::string_view name) -> std::optional<std::int64_t> {
        // ".knot-<what>-<pid>-<12 hex>.tmp": the pid is the field before the
        // random suffix.
        constexpr std::size_t kSuffix = 1 + 12 + 4;  // "-" + random + ".tmp"
        if (!name.starts_with(".knot-") || !name.ends_with(".tmp") ||
            name.size() < 6 + kSuffix + 2) {
          return std::nullopt;
        }
        const std::string_view head = name.substr(0, name.size() - kSuffix);
        const std::size_t dash = head.rfind('-');
        if (dash == std::string_view::npos || dash < 6 || name[head.size()] != '-')
          return std::nullopt;
        const std::string_view digits = head.substr(dash + 1);
        std::int64_t pid = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
            digits.front() == '0') {
          return std::nullopt;
        }
        return pid;
      });
}

std::vector<ReportFileEntry> list_report_files(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr)
    throw ReportFileError(dir, "cannot list the report folder", errno);
  std::vector<ReportFileEntry> out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < 10 || name.rfind("knot-", 0) != 0 ||
        name.compare(name.size() - 5, 5, ".json") != 0) {
      continue;
    }
    struct stat st {};
    if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
      continue;
    const std::int64_t ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    out.push_back({dir + "/" + name, ns});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const ReportFileEntry& a, const ReportFileEntry& b) {
    return a.modified_ns != b.modified_ns ? a.modified_ns > b.modified_ns : a.path > b.path;
  });
  return out;
}

}  // namespace knot::report
