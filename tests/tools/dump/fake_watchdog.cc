// fake_watchdog: a stand-in for a process that runs the knot watchdog, for
// knot-dump's tests. It speaks the watchdog's side of the knot-dump
// protocol (instrumentation/include/knot/instrumentation/watchdog.h) and
// nothing else, linking only knot::report:
//
//   1. advertises itself in $XDG_RUNTIME_DIR/knot/<pid>.json (else
//      /tmp/knot-<uid>/<pid>.json),
//   2. prints "ready" on stdout,
//   3. on the dump signal writes an on-demand report (trigger "signal",
//      process.pid = its pid) into the report folder with write_report_file,
//   4. on SIGTERM or SIGINT removes the advertisement and exits 0; it also
//      exits by itself after --lifetime seconds, so a test that forgot it
//      cannot leave it behind for long.
//
// Options bend the protocol for the error cases:
//   --report-dir DIR       where reports go (required)
//   --mode answer|ignore|exit   on the signal: answer (default), do nothing,
//                          or exit at once without answering
//   --signal N             the advertised signal (default SIGRTMIN+4)
//   --advert-pid N         the pid written in the advertisement
//   --advert-schema S      the schema written in the advertisement
//   --advert-age SECONDS   backdate the advertisement (a stale one)
//   --decoys               before each answer, write two reports knot-dump
//                          must skip: another pid's on_demand report and a
//                          deadlock report of this pid
//   --preexisting          before advertising, write an on_demand report of
//                          this pid that predates the request
//   --public               make the advertisement and the report folder
//                          readable by others (the permission test)
//   --report-dir-mode M    create the report folder at start with mode M
//                          (octal: 0777 open to all, 01777 sticky)
//   --answer-owner UID     give each answer to user UID (chown: root only),
//                          as if another user had forged it
//   --answer-age SECONDS   backdate each answer (written "before" the request)
//   --once                 write one answer now and exit (no advertisement)
//   --lifetime SECONDS     exit after this long (default 60)
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "knot/report/report.h"
#include "knot/report/report_file.h"

namespace {

using namespace knot::report;

struct Options {
  std::string report_dir;
  std::string mode = "answer";
  int signal = 0;
  long advert_pid = 0;
  std::string advert_schema = "knot.watchdog/1";
  long advert_age = 0;
  bool is_decoys = false;
  bool is_preexisting = false;
  bool is_public = false;
  bool is_once = false;
  long lifetime = 60;
  long report_dir_mode = -1;
  long answer_owner = -1;
  long answer_age = 0;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fake_watchdog: %s\n", what.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  o.signal = SIGRTMIN + 4;
  o.advert_pid = ::getpid();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--report-dir") {
      o.report_dir = value();
    } else if (arg == "--mode") {
      o.mode = value();
      if (o.mode != "answer" && o.mode != "ignore" && o.mode != "exit")
        die("--mode must be answer, ignore or exit");
    } else if (arg == "--signal") {
      o.signal = std::atoi(value().c_str());
    } else if (arg == "--advert-pid") {
      o.advert_pid = std::atol(value().c_str());
    } else if (arg == "--advert-schema") {
      o.advert_schema = value();
    } else if (arg == "--advert-age") {
      o.advert_age = std::atol(value().c_str());
    } else if (arg == "--decoys") {
      o.is_decoys = true;
    } else if (arg == "--preexisting") {
      o.is_preexisting = true;
    } else if (arg == "--public") {
      o.is_public = true;
    } else if (arg == "--report-dir-mode") {
      o.report_dir_mode = std::strtol(value().c_str(), nullptr, 8);
    } else if (arg == "--answer-owner") {
      o.answer_owner = std::atol(value().c_str());
    } else if (arg == "--answer-age") {
      o.answer_age = std::atol(value().c_str());
    } else if (arg == "--once") {
      o.is_once = true;
    } else if (arg == "--lifetime") {
      o.lifetime = std::atol(value().c_str());
    } else {
      die("unknown option " + arg);
    }
  }
  if (o.report_dir.empty() || o.report_dir.front() != '/')
    die("--report-dir must be an absolute path");
  if (o.signal < 1 || o.signal > SIGRTMAX)
    die("--signal out of range");
  return o;
}

std::string utc_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1'000'000);
  return buffer;
}

}  // namespace

// knot_fake_symbol_target() is the function the main thread's innermost
// frame points into, as an address only (module and offset, as a stripped
// binary would leave it): knot-dump --symbolize must name it.
extern "C" [[gnu::noinline, gnu::used]] int knot_fake_symbol_target(int x) {
  return x * 3 + 1;
}

namespace {

// address_only_frame() is a frame inside knot_fake_symbol_target with no
// function, file or line.
Frame address_only_frame() {
  Frame f;
  Dl_info info{};
  const auto* target = reinterpret_cast<const void*>(&knot_fake_symbol_target);
  char exe[PATH_MAX];
  if (::dladdr(target, &info) == 0 || ::realpath("/proc/self/exe", exe) == nullptr)
    return f;
  const auto pc = reinterpret_cast<std::uintptr_t>(target) + 4;
  f.pc = pc;
  f.module = exe;
  f.offset = pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  return f;
}

// make_report() is an on-demand report of process `pid` in the shape the
// real watchdog writes: one pool, two threads with stacks, a graph.
Report make_report(long pid, const std::string& kind, int sequence, const std::string& narrative) {
  Report r;
  r.id = utc_now() + "-" + std::to_string(pid) + "-" + std::to_string(sequence);
  r.trigger = "signal";
  r.process.pid = pid;
  r.process.executable = "/usr/bin/fake_watchdog";
  r.process.arguments = {"--report-dir", "/tmp/reports"};
  r.process.start_time = "2026-11-28T21:00:00Z";
  r.process.host = "test-host";
  r.process.knot_version = "0.1.0";
  r.verdict = Verdict{kind, kind == "deadlock", utc_now(), 0};

  Pool pool;
  pool.id = 1;
  pool.name = "global";
  pool.policy = "block";
  pool.num_threads = 1;
  pool.workers = {{0, pid + 1, "sleeping", 0, 12}};
  r.pools.push_back(pool);

  Thread main_thread;
  main_thread.index = 0;
  main_thread.tid = pid;
  main_thread.name = "main";
  main_thread.role = "outside";
  main_thread.state = "parked";
  main_thread.wait = Wait{"latch", 5, "batches done", false, 1.5};
  main_thread.stack_source = "wait_site";
  main_thread.stack = {address_only_frame(),
                       {0x401000, "/usr/bin/fake_watchdog", 0x1000, "", "knot::Latch::wait",
                        "runtime/src/latch.cc", 51, true},
                       {0x402000, "/usr/bin/fake_watchdog", 0x2000, "", "run_batches()",
                        "tests/tools/dump/fake_watchdog.cc", 99, false}};
  r.threads.push_back(main_thread);

  Thread worker;
  worker.index = 1;
  worker.tid = pid + 1;
  worker.name = "global-0";
  worker.pool_id = 1;
  worker.worker_index = 0;
  worker.role = "worker";
  worker.state = "idle";
  worker.stack_source = "signal";
  r.threads.push_back(worker);

  Resource latch;
  latch.id = 5;
  latch.kind = "latch";
  latch.name = "batches done";
  latch.count = 2;
  r.resources.push_back(latch);

  r.graph.nodes = {{"thread:" + std::to_string(pid), "thread", "thread 'main'", true},
                   {"resource:5", "resource", "latch 'batches done'", true}};
  r.graph.edges = {
      {"thread:" + std::to_string(pid), "resource:5", "waits_for", "waits on", "exact"}};
  r.summary = "on-demand report #" + std::to_string(sequence) + " of fake_watchdog";
  r.narrative = narrative;
  return r;
}

std::string write_report(const Options& o, const Report& r) {
  try {
    return write_report_file(o.report_dir, r);
  } catch (const ReportFileError& e) {
    die(e.what());
  }
}

// bend_answer() applies --answer-owner and --answer-age to a written answer.
void bend_answer(const Options& o, const std::string& path) {
  if (o.answer_owner >= 0 && ::lchown(path.c_str(), static_cast<uid_t>(o.answer_owner),
                                      static_cast<gid_t>(o.answer_owner)) != 0) {
    die(path + ": chown: " + std::strerror(errno));
  }
  if (o.answer_age > 0) {
    timespec times[2] = {};
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= o.answer_age;
    times[1] = times[0];
    if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
      die(path + ": " + std::strerror(errno));
  }
}

// publish_answer() writes the answer in a private folder beside the
// report folder, bends it there, and only then renames it into the report
// folder: knot-dump may read it the moment it appears, and must never see
// it unbent.
void publish_answer(const Options& o, const Report& r) {
  Options staging = o;
  staging.report_dir = o.report_dir + "/.staging";
  // Made (with the report folder, as the writer makes folders: 0700) by
  // the first write.
  const std::string staged = write_report(staging, r);
  bend_answer(o, staged);
  const std::string name = staged.substr(staged.rfind('/') + 1);
  const std::string path = o.report_dir + "/" + name;
  if (::rename(staged.c_str(), path.c_str()) != 0)
    die(staged + ": rename: " + std::strerror(errno));
}

// json_string() quotes `s` for JSON (the paths the tests use are plain,
// but a quote or backslash must not break the file).
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string advertisement_dir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg != '\0')
    return std::string(xdg) + "/knot";
  return "/tmp/knot-" + std::to_string(::getuid());
}

// advertise() writes the advertisement (temporary file, then rename) and
// returns its path.
std::string advertise(const Options& o) {
  const std::string dir = advertisement_dir();
  const mode_t dir_mode = o.is_public ? 0755 : 0700;
  if (::mkdir(dir.c_str(), dir_mode) != 0 && errno != EEXIST)
    die(dir + ": " + std::strerror(errno));
  ::chmod(dir.c_str(), dir_mode);
  const std::string path = dir + "/" + std::to_string(::getpid()) + ".json";
  const std::string tmp = path + ".tmp";
  const std::string text = "{\"schema\": " + json_string(o.advert_schema) +
                           ", \"pid\": " + std::to_string(o.advert_pid) +
                           ", \"report_dir\": " + json_string(o.report_dir) +
                           ", \"signal\": " + std::to_string(o.signal) + "}\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fchmod(fd, o.is_public ? 0644 : 0600) != 0 || ::close(fd) != 0) {
    die(tmp + ": " + std::strerror(errno));
  }
  if (o.advert_age > 0) {
    timespec times[2] = {};
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= o.advert_age;
    times[1] = times[0];
    if (::utimensat(AT_FDCWD, tmp.c_str(), times, 0) != 0)
      die(tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    die(path + ": " + std::strerror(errno));
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  const long pid = ::getpid();
  if (o.is_public) {
    ::mkdir(o.report_dir.c_str(), 0755);
    ::chmod(o.report_dir.c_str(), 0755);
  }
  if (o.report_dir_mode >= 0) {
    ::mkdir(o.report_dir.c_str(), 0700);
    if (::chmod(o.report_dir.c_str(), static_cast<mode_t>(o.report_dir_mode)) != 0)
      die(o.report_dir + ": " + std::strerror(errno));
  }
  if (o.is_once) {
    write_report(o, make_report(pid, "on_demand", 1, "answer 1"));
    return 0;
  }

  // Every signal this program waits for is blocked and taken synchronously.
  sigset_t waited;
  sigemptyset(&waited);
  for (int s : {o.signal, SIGTERM, SIGINT, SIGHUP})
    sigaddset(&waited, s);
  if (::sigprocmask(SIG_BLOCK, &waited, nullptr) != 0)
    die(std::string("sigprocmask: ") + std::strerror(errno));

  if (o.is_preexisting)
    write_report(o, make_report(pid, "on_demand", 0, "preexisting report"));
  const std::string advert = advertise(o);
  std::printf("ready\n");
  std::fflush(stdout);

  timespec deadline{};
  ::clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += o.lifetime;
  int answers = 0;
  for (;;) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    timespec left{deadline.tv_sec - now.tv_sec, deadline.tv_nsec - now.tv_nsec};
    if (left.tv_nsec < 0) {
      left.tv_nsec += 1'000'000'000;
      --left.tv_sec;
    }
    if (left.tv_sec < 0) {
      ::unlink(advert.c_str());
      std::fprintf(stderr, "fake_watchdog: lifetime over, exiting\n");
      return 1;
    }
    siginfo_t info{};
    const int s = ::sigtimedwait(&waited, &info, &left);
    if (s < 0)
      continue;  // EAGAIN (checked above next round) or EINTR
    if (s != o.signal) {
      ::unlink(advert.c_str());
      return 0;
    }
    if (o.mode == "exit")
      _exit(0);
    if (o.mode == "ignore")
      continue;
    ++answers;
    if (o.is_decoys) {
      write_report(o, make_report(pid + 100000, "on_demand", answers, "decoy: another process"));
      write_report(o, make_report(pid, "deadlock", answers, "decoy: a deadlock report"));
    }
    publish_answer(o, make_report(pid, "on_demand", answers, "answer " + std::to_string(answers)));
  }
}
