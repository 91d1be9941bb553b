// Finding and checking a watchdog's advertisement (advertisement.h).

#include "advertisement.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace knot::dump {

namespace {

using nlohmann::json;

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

std::optional<Advertisement> parse_advertisement(std::string_view text, pid_t pid,
                                                 std::string& why) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  const auto schema = j.find("schema");
  const std::string known(kAdvertisementSchema);
  if (schema == j.end() || !schema->is_string()) {
    why = "no \"schema\" field";
    return std::nullopt;
  }
  const std::string version = schema->get<std::string>();
  if (version != known && version.rfind(known + ".", 0) != 0) {
    why = "schema \"" + version + "\", not " + known;
    return std::nullopt;
  }
  Advertisement ad;
  const auto file_pid = j.find("pid");
  if (file_pid == j.end() || !file_pid->is_number_integer()) {
    why = "no integer \"pid\" field";
    return std::nullopt;
  }
  if (file_pid->get<std::int64_t>() != pid) {
    why = "it names pid " + std::to_string(file_pid->get<std::int64_t>()) + ", not " +
          std::to_string(pid);
    return std::nullopt;
  }
  ad.pid = pid;
  const auto dir = j.find("report_dir");
  if (dir == j.end() || !dir->is_string() || dir->get<std::string>().empty() ||
      dir->get<std::string>().front() != '/') {
    why = "\"report_dir\" is not an absolute path";
    return std::nullopt;
  }
  ad.report_dir = dir->get<std::string>();
  const auto sig = j.find("signal");
  if (sig == j.end() || !sig->is_number_integer() || sig->get<std::int64_t>() < 1 ||
      sig->get<std::int64_t>() > SIGRTMAX) {
    why = "\"signal\" is not a signal number (1.." + std::to_string(SIGRTMAX) + ")";
    return std::nullopt;
  }
  ad.signal = sig->get<int>();
  return ad;
}

std::vector<std::string> advertisement_paths(pid_t pid, std::optional<uid_t> owner,
                                             const char* xdg_runtime_dir) {
  const std::string name = "/" + std::to_string(pid) + ".json";
  const std::string uid = std::to_string(owner.value_or(::getuid()));
  std::vector<std::string> paths;
  if (xdg_runtime_dir != nullptr && *xdg_runtime_dir != '\0')
    paths.push_back(std::string(xdg_runtime_dir) + "/knot" + name);
  if (owner)
    paths.push_back("/run/user/" + uid + "/knot" + name);
  paths.push_back("/tmp/knot-" + uid + name);
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
      first_problem = {status, {}, path + ": " + why};
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
    auto ad = parse_advertisement(file.text, pid, why);
    if (!ad) {
      note(FindResult::Status::kUnusable, path, why);
      continue;
    }
    ad->path = path;
    return {FindResult::Status::kFound, std::move(*ad), ""};
  }
  return first_problem;
}

}  // namespace knot::dump
