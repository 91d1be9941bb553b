// The watchdog's advertisement (advertisement.h): nlohmann/json both ways,
// written with write_private_file(), swept with the rule of report_file.h.

#include "knot/report/advertisement.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "knot/report/report_file.h"
#include "sweep.h"

namespace knot::report {

namespace {

using nlohmann::json;

// parse_pid_name() reads "<digits><suffix>" as a pid > 0; nullopt for any
// other name.
std::optional<std::int64_t> parse_pid_name(std::string_view name, std::string_view suffix) {
  if (name.size() <= suffix.size() || !name.ends_with(suffix))
    return std::nullopt;
  const std::string_view digits = name.substr(0, name.size() - suffix.size());
  std::int64_t pid = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.front() == '0' ||
      pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

}  // namespace

std::string advertisement_json(const Advertisement& ad) {
  json j;
  j["schema"] = std::string(kAdvertisementSchema);
  j["pid"] = ad.pid;
  j["report_dir"] = ad.report_dir;
  j["signal"] = ad.signal;
  if (!ad.start_time.empty())
    j["start_time"] = ad.start_time;
  // Strict: a folder name that is not UTF-8 cannot be advertised as it is
  // (a replaced byte would name another folder); the caller is told.
  return j.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::strict) + "\n";
}

std::optional<Advertisement> parse_advertisement(std::string_view text, std::string& why) {
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
  const auto pid = j.find("pid");
  if (pid == j.end() || !pid->is_number_integer() || pid->get<std::int64_t>() <= 0) {
    why = "no integer \"pid\" field";
    return std::nullopt;
  }
  ad.pid = pid->get<std::int64_t>();
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
  if (const auto start = j.find("start_time"); start != j.end() && start->is_string())
    ad.start_time = start->get<std::string>();
  return ad;
}

std::string advertisement_dir(const char* xdg_runtime_dir, uid_t uid) {
  if (xdg_runtime_dir != nullptr && *xdg_runtime_dir != '\0')
    return std::string(xdg_runtime_dir) + "/knot";
  return "/tmp/knot-" + std::to_string(uid);
}

std::string advertisement_path(const std::string& dir, std::int64_t pid) {
  return dir + "/" + std::to_string(pid) + ".json";
}

std::string write_advertisement(const std::string& dir, const Advertisement& ad) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw ReportFileError(dir, "cannot create the advertisement folder", errno);
  struct stat st {};
  // Only a folder of our own that no one else can write: never follow a
  // link someone planted in /tmp.
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 0077) != 0) {
    throw ReportFileError(dir, "is not private (a folder of this user, mode 0700)");
  }
  std::string text;
  try {
    text = advertisement_json(ad);
  } catch (const json::exception&) {
    throw ReportFileError(ad.report_dir, "the report folder's name is not valid UTF-8");
  }
  const std::string path = advertisement_path(dir, ad.pid);
  write_private_file(path, text);
  return path;
}

std::size_t sweep_stale_advertisements(const std::string& dir, std::int64_t min_age_seconds) {
  const std::size_t removed = detail::sweep_dead_writers(
      dir, min_age_seconds, [](std::string_view name) -> std::optional<std::int64_t> {
        std::optional<std::int64_t> pid = parse_pid_name(name, ".json");
        return pid ? pid : parse_pid_name(name, ".json.tmp");
      });
  return removed + sweep_stale_temporaries(dir, min_age_seconds);
}

}  // namespace knot::report
