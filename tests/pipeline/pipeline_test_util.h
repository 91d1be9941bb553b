// Helpers for the pipeline tests: a temporary folder per test, the fixture
// corpus, generated corpora, a small embedder for model-change tests, and
// running knot-embed as a child process with a deadline (killed by its PID
// when it overstays).
#pragma once

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "knot/text/embedder.h"

namespace knot::pipeline::testing {

namespace fs = std::filesystem;

// corpus_dir() is tests/data/html/corpus (30 articles, one topic each).
inline fs::path corpus_dir() {
  return fs::path(KNOT_TEST_DATA_DIR) / "html" / "corpus";
}

// TempDir is a fresh folder, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "knot-pipeline-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// copy_corpus() copies the fixture corpus into `to` (so tests may change it).
inline void copy_corpus(const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(corpus_dir())) {
    fs::copy_file(entry.path(), to / entry.path().filename());
  }
}

// generate_corpus() writes `n` small distinct articles into `dir`.
inline void generate_corpus(const fs::path& dir, int n) {
  static const char* kTopics[] = {"harbour", "glacier", "violin",  "orchard", "lighthouse",
                                  "volcano", "library", "railway", "desert",  "meadow"};
  for (int i = 0; i < n; ++i) {
    std::string topic = kTopics[i % 10];
    std::string html = "<!DOCTYPE html><html><head><title>Article " + std::to_string(i) +
                       " about the " + topic +
                       "</title></head><body><nav><a href='/'>Home</a>"
                       "</nav><article><h1>The " +
                       topic + " number " + std::to_string(i) + "</h1>";
    for (int p = 0; p < 4; ++p) {
      html += "<p>Paragraph " + std::to_string(p) + " of article " + std::to_string(i) +
              " describes the " + topic +
              " in some detail: its history, its people, and why "
              "visitors keep coming back to see the " +
              topic + " again and again.</p>";
    }
    html += "</article><footer>Copyright</footer></body></html>";
    char name[32];
    std::snprintf(name, sizeof name, "article-%04d.html", i);
    write_file(dir / name, html);
  }
}

// RenamedEmbedder wraps the default model under another model id: a
// "changed model" without changing the vectors' meaning.
class RenamedEmbedder : public text::Embedder {
 public:
  explicit RenamedEmbedder(std::string id)
      : id_(std::move(id)), inner_(text::make_default_embedder()) {}
  std::string model_id() const override { return id_; }
  std::size_t dimensions() const override { return inner_->dimensions(); }
  std::vector<float> embed(const std::vector<text::Token>& tokens) const override {
    return inner_->embed(tokens);
  }

 private:
  std::string id_;
  std::unique_ptr<text::Embedder> inner_;
};

// ---- Permission bits that bind root too ------------------------------------
//
// Tests run as root in CI, and root reads a folder of mode 000 through
// CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH. Without those two capabilities
// root obeys permission bits like anyone else, so an "unreadable folder"
// stays unreadable. Capabilities are per thread: DacBypassOff affects only
// the test's own thread, and only while it lives.

inline constexpr int kDacCaps[] = {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH};

// DacBypassOff clears the two capabilities from this thread's effective set
// and restores them when destroyed. is_active() is false if that failed
// (then permission bits may not bind root: skip).
class DacBypassOff {
 public:
  DacBypassOff() {
    header_.version = _LINUX_CAPABILITY_VERSION_3;
    header_.pid = 0;
    if (::syscall(SYS_capget, &header_, saved_) != 0) {
      return;
    }
    __user_cap_data_struct data[2] = {saved_[0], saved_[1]};
    for (int cap : kDacCaps) {
      data[cap / 32].effective &= ~(1u << (cap % 32));
    }
    is_active_ = ::syscall(SYS_capset, &header_, data) == 0;
  }
  ~DacBypassOff() {
    if (is_active_) {
      ::syscall(SYS_capset, &header_, saved_);
    }
  }
  DacBypassOff(const DacBypassOff&) = delete;
  DacBypassOff& operator=(const DacBypassOff&) = delete;

  bool is_active() const { return is_active_; }

 private:
  __user_cap_header_struct header_{};
  __user_cap_data_struct saved_[2]{};
  bool is_active_ = false;
};

// drop_dac_bypass_for_exec() removes the two capabilities for good, from
// the bounding and inheritable sets too, so that a program this process
// then execs (even as root) has them not. For a forked child only.
inline bool drop_dac_bypass_for_exec() {
  if (::geteuid() != 0) {
    return true;
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) {
    return false;
  }
  for (int cap : kDacCaps) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return false;
    }
    data[cap / 32].effective &= ~(1u << (cap % 32));
    data[cap / 32].inheritable &= ~(1u << (cap % 32));
  }
  return ::syscall(SYS_capset, &header, data) == 0;
}

// kCannotObeyPermissions is run_child()'s exit code when obey_permissions
// was asked and the capabilities could not be dropped (skip the test).
inline constexpr int kCannotObeyPermissions = 125;

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// run_child() runs `argv` (argv[0] a path) with stdout and stderr captured
// in files under `dir`. If it runs past `limit`, it is killed (SIGKILL, by
// its PID) and reaped, and timed_out is set. With `obey_permissions` the
// child runs without root's permission bypass (drop_dac_bypass_for_exec()).
inline ChildResult run_child(const std::vector<std::string>& argv, const fs::path& dir,
                             std::chrono::milliseconds limit,
                             const std::vector<std::string>& env = {},
                             bool obey_permissions = false) {
  static int counter = 0;
  ++counter;
  fs::path out_path = dir / ("child-" + std::to_string(counter) + ".out");
  fs::path err_path = dir / ("child-" + std::to_string(counter) + ".err");
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) {
      ::_exit(126);
    }
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    for (const std::string& kv : env) {
      ::putenv(const_cast<char*>(kv.c_str()));
    }
    if (obey_permissions && !drop_dac_bypass_for_exec()) {
      ::_exit(kCannotObeyPermissions);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ChildResult result;
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!result.timed_out && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

}  // namespace knot::pipeline::testing
