// ChildProcess: runs a program for a test, captures its output, and always
// ends it by its pid: a test never leaves a process behind, and never waits
// on one without a limit.
//
//   ChildProcess::start()   fork + exec with its own environment, stdout and
//                           stderr on pipes, optionally as another user
//   read_line()             one line of stdout, within a time limit
//   wait()                  its exit code, within a time limit (killed after)
//   ~ChildProcess()         SIGTERM, then SIGKILL, then reaps it
//
// Linux/POSIX only. Not thread-safe: one test thread drives each child.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace knot::testing {

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // start() runs argv[0] (a path) with `argv` and exactly `env` as its
  // environment. With `as_uid`, the child drops to that user (and group)
  // before exec: only meaningful when the test runs as root. Returns a
  // child whose pid() is -1 if fork failed.
  static ChildProcess start(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env,
                            std::optional<uid_t> as_uid = std::nullopt) {
    ChildProcess child;
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      return child;
    // Everything exec needs is built before fork: after it, the child only
    // makes async-signal-safe calls.
    std::vector<char*> args, envp;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      if (as_uid &&
          (::setgroups(0, nullptr) != 0 || ::setgid(*as_uid) != 0 || ::setuid(*as_uid) != 0)) {
        ::_exit(126);
      }
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    if (pid < 0) {
      ::close(out[0]);
      ::close(err[0]);
      return child;
    }
    child.pid_ = pid;
    child.out_fd_ = out[0];
    child.err_fd_ = err[0];
    return child;
  }

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }
  ChildProcess& operator=(ChildProcess&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(out_fd_, other.out_fd_);
    std::swap(err_fd_, other.err_fd_);
    std::swap(out_, other.out_);
    std::swap(err_, other.err_);
    std::swap(is_reaped_, other.is_reaped_);
    std::swap(status_, other.status_);
    return *this;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // read_line() returns the next line of stdout (without '\n'), or nullopt
  // if none came within `limit` (or stdout closed).
  std::optional<std::string> read_line(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      if (const auto nl = out_.find('\n'); nl != std::string::npos) {
        std::string line = out_.substr(0, nl);
        out_.erase(0, nl + 1);
        return line;
      }
      if (out_fd_ < 0 || !pump(deadline))
        return std::nullopt;
    }
  }

  // wait() collects the output until the child exits and returns its exit
  // code (128 + the signal if a signal ended it), or nullopt if it was
  // still running after `limit`, in which case it is killed.
  std::optional<int> wait(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (out_fd_ >= 0 || err_fd_ >= 0) {
      if (!pump(deadline))
        break;
    }
    while (!is_reaped_ && pid_ > 0) {
      if (try_reap())
        break;
      if (Clock::now() >= deadline) {
        stop();
        return std::nullopt;
      }
      ::usleep(1000);
    }
    if (!is_reaped_)
      return std::nullopt;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }

  // stop() ends the child by its pid: SIGTERM, up to two seconds to exit,
  // then SIGKILL; then reaps it. Idempotent.
  void stop() {
    if (pid_ > 0 && !is_reaped_) {
      ::kill(pid_, SIGTERM);
      const auto deadline = Clock::now() + std::chrono::seconds(2);
      while (!try_reap() && Clock::now() < deadline)
        ::usleep(2000);
      if (!is_reaped_) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        is_reaped_ = true;
      }
    }
    close_fd(out_fd_);
    close_fd(err_fd_);
  }

 private:
  bool try_reap() {
    if (is_reaped_)
      return true;
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    is_reaped_ = r == pid_;
    return is_reaped_;
  }

  static void close_fd(int& fd) {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }

  // pump() waits until `deadline` for output on the open pipes and appends
  // it; false when the deadline passed or no pipe is open any more.
  bool pump(Clock::time_point deadline) {
    pollfd fds[2];
    int n = 0;
    for (int fd : {out_fd_, err_fd_}) {
      if (fd >= 0)
        fds[n++] = {fd, POLLIN, 0};
    }
    if (n == 0)
      return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return false;
    const int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count()));
    if (ready < 0)
      return errno == EINTR;
    if (ready == 0)
      return false;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0)
        continue;
      int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
      std::string& sink = fds[i].fd == out_fd_ ? out_ : err_;
      char buffer[4096];
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got > 0) {
        sink.append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close_fd(fd);
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  bool is_reaped_ = false;
  int status_ = 0;
};

}  // namespace knot::testing
