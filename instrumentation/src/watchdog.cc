// The watchdog thread (knot/instrumentation/watchdog.h).
//
// One thread wakes on its interval, on the runtime's pool-stuck hook, on
// the dump signal or on stop, all through one POSIX semaphore (sem_post is
// async-signal-safe and never blocks, so neither the signal handler nor a
// parking worker can be held up by the watchdog). Each wake takes a
// snapshot, solves the wait-for graph and asks the Detector; a candidate
// that needs confirming makes the next wake come after kConfirmDelay
// instead of a whole interval. The watchdog holds no lock that a knot
// thread can hold while parked: the locks it takes (the runtime's
// snapshot locks, its own report mutex) are only ever held for copies or
// by other non-parked callers.

#include "knot/instrumentation/watchdog.h"

#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "detector.h"
#include "hazards/hazard_tracker.h"
#include "knot/base/internal_mutex.h"
#include "knot/base/time_format.h"
#include "knot/base/tsa.h"
#include "knot/instrumentation/hazards.h"
#include "knot/instrumentation/instrumentation.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/instrumentation/trace.h"
#include "knot/report/advertisement.h"
#include "knot/report/report_file.h"
#include "knot/runtime/detail/watchdog_presence.h"
#include "knot/runtime/error.h"
#include "knot/runtime/observer.h"
#include "proc_thread.h"
#include "report_builder.h"
#include "signal_name.h"
#include "wait_for_graph.h"
#include "watchdog_start.h"

namespace {

// Tells the runtime that a watchdog is linked, so that KNOT_WATCHDOG gets
// no "not linked" line from it (knot/runtime/detail/watchdog_presence.h).
// Priority 101, the first a program may use: in a static link it runs
// before every initializer of default priority, so before a pool that the
// program's own namespace-scope objects may make.
[[gnu::constructor(101)]] void say_watchdog_linked() {
  knot::detail::set_watchdog_linked();
}

}  // namespace

namespace knot::instr {

namespace {

using Clock = std::chrono::steady_clock;

// How soon a candidate verdict is looked at again to confirm it.
constexpr std::chrono::milliseconds kConfirmDelay{10};

class Watchdog {
 public:
  explicit Watchdog(WatchdogOptions options);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void start();
  void stop();

  // wake() is async-signal-safe.
  void wake() noexcept { sem_post(&wake_); }
  void trigger() noexcept {
    if (!trigger_pending_.exchange(true, std::memory_order_acq_rel))
      wake();
  }
  void dump_requested() noexcept {
    dump_requests_.fetch_add(1, std::memory_order_relaxed);
    wake();
  }
  int dump_signal() const noexcept { return dump_signal_; }
  // withdraw_advertisement() removes the advertisement once; lock-free.
  void withdraw_advertisement() noexcept;

  // write_on_demand() takes a snapshot and writes an on-demand report.
  std::optional<std::string> write_on_demand(const std::string& trigger, const std::string& reason);

 private:
  void run();
  void handle(const RuntimeSnapshot& s, const WaitForGraph& g, const Finding& f,
              const std::string& trigger);
  std::string next_id();
  // write() builds, writes and announces a report; returns its path.
  std::optional<std::string> write(const RuntimeSnapshot& s, const WaitForGraph& g,
                                   const Finding* f, const std::string& trigger,
                                   const std::string& reason, report::Report* out);
  void advertise();

  WatchdogOptions options_;
  std::string report_dir_;
  int dump_signal_ = 0;
  sem_t wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> trigger_pending_{false};
  std::atomic<int> dump_requests_{0};
  std::atomic<std::uint64_t> sequence_{0};
  std::thread thread_;
  // Written by advertise() before the thread starts, then only read.
  std::string advert_path_;
  // Whether advert_path_ is still to be removed; the exchange that takes it
  // to false does the one unlink (stop() and withdraw can race).
  std::atomic<bool> is_advertised_{false};
  struct sigaction previous_action_ {};
  bool has_handler_ = false;
  // Serializes report building (the symbolizer and the capture are not
  // reentrant) between the watchdog thread and request_report() callers.
  base::InternalMutex report_mutex_;
  std::unique_ptr<Symbolizer> symbolizer_ KNOT_GUARDED_BY(report_mutex_);
  std::unique_ptr<StackCapture> capture_ KNOT_GUARDED_BY(report_mutex_);
  Clock::time_point last_trigger_{};
};

base::InternalMutex g_lifecycle;             // start/stop
std::atomic<Watchdog*> g_watchdog{nullptr};  // for the hook and the signal handler

void on_pool_stuck(std::uint64_t) noexcept {
  if (Watchdog* w = g_watchdog.load(std::memory_order_acquire))
    w->trigger();
}

void on_dump_signal(int) {
  const int saved = errno;
  if (Watchdog* w = g_watchdog.load(std::memory_order_acquire))
    w->dump_requested();
  errno = saved;
}

// os_thread_state() is the Detector's view of a long task's thread.
ThreadState os_thread_state(std::int64_t tid) {
  const std::optional<ProcThread> t = proc_thread(tid);
  if (!t)
    return ThreadState::kUnknown;
  return t->on_cpu() ? ThreadState::kOnCpu : ThreadState::kOffCpu;
}

// task_info() is what a long-task report says of the task's thread.
report::TaskInfo task_info(const RuntimeSnapshot& s, const Finding& f) {
  report::TaskInfo info;
  const ThreadView& t = s.threads[static_cast<std::size_t>(f.task_thread)];
  if (t.task.fiber != 0)
    info.fiber = t.task.fiber;
  info.cpu = f.task_state == ThreadState::kOnCpu    ? "on_cpu"
             : f.task_state == ThreadState::kOffCpu ? "off_cpu"
                                                    : "unknown";
  if (const std::optional<ProcThread> p = proc_thread(t.os_thread_id)) {
    info.proc_state = std::string(1, p->state);
    info.wchan = p->wchan;
  }
  return info;
}

std::string absolute(const std::string& dir) {
  std::error_code ec;
  auto path = std::filesystem::absolute(dir, ec);
  return ec ? dir : path.lexically_normal().string();
}

Watchdog::Watchdog(WatchdogOptions options) : options_(std::move(options)) {
  if (options_.interval <= std::chrono::milliseconds(0))
    throw Error(Errc::kInvalidOption, "knot watchdog: the interval must be positive");
  std::string dir = options_.report_dir;
  if (dir.empty()) {
    const char* env = std::getenv("KNOT_REPORT_DIR");
    dir = env != nullptr && *env != '\0' ? env : "knot-reports";
  }
  report_dir_ = absolute(dir);
  try {
    report::create_report_dir(report_dir_);
  } catch (const report::ReportFileError& e) {
    throw Error(std::error_code(e.os_error(), std::generic_category()),
                std::string("knot watchdog: ") + e.what());
  }
  struct stat st {};
  if (::lstat(report_dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(Errc::kInvalidOption,
                "knot watchdog: the report folder is not a folder (or is a link): " + report_dir_);
  }
  // Reports are private; a folder others can write to lets them plant or
  // swap files, and knot-dump refuses it (report_dir_problem()).
  try {
    if (const auto problem = report::report_dir_problem(report_dir_, ::geteuid())) {
      std::fprintf(stderr, "knot watchdog: warning: report folder %s: %s (knot-dump refuses it)\n",
                   report_dir_.c_str(), problem->c_str());
    }
  } catch (const report::ReportFileError&) {
    // Just created; a folder that vanished fails at the first report.
  }
  // What a writer killed mid-write left here (#16 item 6).
  report::sweep_stale_temporaries(report_dir_);
  dump_signal_ = SIGRTMIN + 4;
  if (const char* env = std::getenv("KNOT_DUMP_SIGNAL"); env != nullptr && *env != '\0') {
    auto parsed = parse_signal(env);
    if (!parsed || *parsed < 1 || *parsed > SIGRTMAX) {
      throw Error(Errc::kInvalidOption,
                  std::string("KNOT_DUMP_SIGNAL: cannot read '") + env + "' as a signal");
    }
    dump_signal_ = *parsed;
  }
  sem_init(&wake_, 0, 0);
}

Watchdog::~Watchdog() {
  sem_destroy(&wake_);
}

// warm_up() makes the first report as fast as the later ones: it reads the
// modules that stacks pass through (this program, the C and C++ runtimes)
// into the symbolizer now, on the thread that starts the watchdog, instead
// of when the first deadlock waits to be reported.
void warm_up(Symbolizer& symbolizer) {
  const std::uintptr_t pcs[] = {
      reinterpret_cast<std::uintptr_t>(&start_watchdog),
      reinterpret_cast<std::uintptr_t>(&::write),
      reinterpret_cast<std::uintptr_t>(&std::terminate),
  };
  for (const std::uintptr_t pc : pcs)
    (void)symbolizer.symbolize(pc, PcKind::kExact);
}

void Watchdog::start() {
  instr::enable();
  if (options_.hazards) {
    HazardOptions hazard_options;
    hazard_options.report_dir = report_dir_;
    enable_hazards(hazard_options);
  }
  {
    base::InternalLock lock(report_mutex_);  // no report is built yet: an uncontended lock
    symbolizer_ = std::make_unique<Symbolizer>();
    warm_up(*symbolizer_);
  }
  if (options_.answer_dump_signal) {
    struct sigaction action {};
    action.sa_handler = &on_dump_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (::sigaction(dump_signal_, &action, &previous_action_) == 0)
      has_handler_ = true;
    advertise();
  }
  g_watchdog.store(this, std::memory_order_release);
  set_pool_stuck_hook(&on_pool_stuck);
  thread_ = std::thread([this] { run(); });
}

void Watchdog::stop() {
  set_pool_stuck_hook(nullptr);
  stopping_.store(true, std::memory_order_release);
  wake();
  if (thread_.joinable())
    thread_.join();
  if (has_handler_) {
    ::sigaction(dump_signal_, &previous_action_, nullptr);
    has_handler_ = false;
  }
  g_watchdog.store(nullptr, std::memory_order_release);
  withdraw_advertisement();
}

std::string Watchdog::next_id() {
  const std::string now = base::utc_iso8601(std::chrono::system_clock::now());
  std::string compact;
  for (char c : now) {
    if (c != '-' && c != ':')
      compact.push_back(c);
  }
  return compact.substr(0, 15) + "Z-" + std::to_string(::getpid()) + "-" +
         std::to_string(sequence_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void Watchdog::run() {
  pthread_setname_np(pthread_self(), "knot-watchdog");
  DetectorOptions detector_options;
  detector_options.exhaustion_threshold = options_.exhaustion_threshold;
  detector_options.stall_threshold = options_.stall_threshold;
  detector_options.inferred_threshold = options_.inferred_threshold;
  detector_options.long_task_threshold = options_.long_task_threshold;
  detector_options.thread_state = &os_thread_state;
  Detector detector(detector_options);
  while (!stopping_.load(std::memory_order_acquire)) {
    const auto wait = detector.wants_confirmation()
                          ? std::chrono::duration_cast<std::chrono::nanoseconds>(kConfirmDelay)
                          : std::chrono::duration_cast<std::chrono::nanoseconds>(options_.interval);
    timespec deadline{};
    clock_gettime(CLOCK_REALTIME, &deadline);
    const long long ns = deadline.tv_nsec + wait.count();
    deadline.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
    deadline.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    while (sem_timedwait(&wake_, &deadline) != 0 && errno == EINTR) {
    }
    if (stopping_.load(std::memory_order_acquire))
      break;
    if (trigger_pending_.exchange(false, std::memory_order_acq_rel))
      last_trigger_ = Clock::now();
    if (dump_requests_.exchange(0, std::memory_order_relaxed) > 0)
      write_on_demand("signal", "signal from knot-dump or kill");

    const RuntimeSnapshot s = snapshot_runtime();
    const WaitForGraph g = WaitForGraph::build(s);
    const bool triggered = Clock::now() - last_trigger_ < std::chrono::seconds(1);
    for (const Finding& f : detector.observe(s, g))
      handle(s, g, f, triggered ? "parking_path" : "interval");
  }
}

std::optional<std::string> Watchdog::write(const RuntimeSnapshot& s, const WaitForGraph& g,
                                           const Finding* f, const std::string& trigger,
                                           const std::string& reason, report::Report* out) {
  base::InternalLock lock(report_mutex_);
  std::unordered_map<std::int64_t, ThreadStack> running;
  if (options_.capture_stacks) {
    std::vector<std::int64_t> tids;
    for (const ThreadView& t : s.threads) {
      if (!t.wait && t.os_thread_id > 0)
        tids.push_back(t.os_thread_id);
    }
    if (!tids.empty()) {
      try {
        if (!capture_)
          capture_ = std::make_unique<StackCapture>();
        for (ThreadStack& st : capture_->capture(tids))
          running.emplace(st.tid, std::move(st));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "knot watchdog: no stacks of running threads: %s\n", e.what());
      }
    }
  }
  ReportContext context;
  context.snapshot = &s;
  context.graph = &g;
  context.finding = f;
  context.trigger = trigger;
  context.id = next_id();
  context.reason = reason;
  context.running_stacks = &running;
  context.symbolizer = symbolizer_.get();
  report::TaskInfo task;
  if (f != nullptr && f->kind == FindingKind::kLongTask) {
    task = task_info(s, *f);
    context.task = &task;
  }
  report::Report r = build_report(context);
  std::optional<std::string> path;
  try {
    path = report::write_report_file(report_dir_, r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knot watchdog: cannot write the report: %s\n", e.what());
  }
  if (out != nullptr)
    *out = std::move(r);
  return path;
}

std::optional<std::string> Watchdog::write_on_demand(const std::string& trigger,
                                                     const std::string& reason) {
  if (hazards_enabled())
    hazards::write_reports(trigger);
  const RuntimeSnapshot s = snapshot_runtime();
  const WaitForGraph g = WaitForGraph::build(s);
  return write(s, g, nullptr, trigger, reason, nullptr);
}

void Watchdog::handle(const RuntimeSnapshot& s, const WaitForGraph& g, const Finding& f,
                      const std::string& trigger) {
  report::Report r;
  const std::optional<std::string> path = write(s, g, &f, trigger, "", &r);
  std::fprintf(stderr, "knot: %s\nknot: report: %s\n", r.summary.c_str(),
               path ? path->c_str() : "(not written)");
  for (const VerdictCallback& callback : options_.callbacks) {
    try {
      callback(r, path.value_or(""));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "knot watchdog: a verdict callback threw: %s\n", e.what());
    }
  }
  if (!f.is_proven() || options_.action == WatchdogAction::kReport)
    return;
  std::fprintf(stderr, "\nknot: fatal: %s\n\n%s\n", r.summary.c_str(), r.narrative.c_str());
  for (const std::string& advice : r.advice)
    std::fprintf(stderr, "  - %s\n", advice.c_str());
  // A trace in progress would be lost by the exit below, which runs no
  // exit handler: write it now, with the deadlocked waits unfinished.
  stop_trace_before_exit();
  withdraw_advertisement();  // neither exit below runs a handler
  std::fflush(stderr);
  if (options_.action == WatchdogAction::kAbort)
    std::abort();
  std::_Exit(options_.exit_code);
}

// The advertisement knot-dump reads (knot/report/advertisement.h). Before
// writing ours, the folder is swept of those that dead processes left.
void Watchdog::advertise() {
  const std::string dir = report::advertisement_dir(std::getenv("XDG_RUNTIME_DIR"), ::getuid());
  report::Advertisement ad;
  ad.pid = ::getpid();
  ad.report_dir = report_dir_;
  ad.signal = dump_signal_;
  ad.start_time = process_info().start_time;
  try {
    advert_path_ = report::write_advertisement(dir, ad);
    is_advertised_.store(true, std::memory_order_release);
    report::sweep_stale_advertisements(dir);
  } catch (const report::ReportFileError& e) {
    std::fprintf(stderr, "knot watchdog: not advertising for knot-dump: %s\n", e.what());
  }
}

void Watchdog::withdraw_advertisement() noexcept {
  if (is_advertised_.exchange(false, std::memory_order_acq_rel))
    ::unlink(advert_path_.c_str());
}

std::unique_ptr<Watchdog>& instance() {
  static std::unique_ptr<Watchdog> w;
  return w;
}

void report_at_exit() {
  const char* v = std::getenv("KNOT_REPORT_AT_EXIT");
  if (v != nullptr && std::strcmp(v, "1") == 0) {
    base::InternalLock lock(g_lifecycle);
    if (instance())
      instance()->write_on_demand("exit", "the program exits (KNOT_REPORT_AT_EXIT=1)");
  }
  stop_watchdog();
}

// Whether the running watchdog is the one KNOT_WATCHDOG=1 started (under
// g_lifecycle): a program's own start_watchdog() replaces it.
bool g_started_by_environment KNOT_GUARDED_BY(g_lifecycle) = false;

void start_locked(const WatchdogOptions& options, bool by_environment) KNOT_REQUIRES(g_lifecycle) {
  auto w = std::make_unique<Watchdog>(options);
  w->start();
  instance() = std::move(w);
  g_started_by_environment = by_environment;
  static std::once_flag at_exit;
  std::call_once(at_exit, [] { std::atexit(&report_at_exit); });
}

}  // namespace

void start_watchdog(const WatchdogOptions& options) {
  std::unique_ptr<Watchdog> replaced;
  {
    base::InternalLock lock(g_lifecycle);
    if (instance() && !g_started_by_environment)
      throw Error(Errc::kInvalidOption, "knot watchdog: already running");
    replaced = std::move(instance());
  }
  // The program's own options win over KNOT_WATCHDOG=1's: stop that one
  // (outside the lock, which its thread may take) and start this one.
  if (replaced)
    replaced->stop();
  base::InternalLock lock(g_lifecycle);
  if (instance())
    throw Error(Errc::kInvalidOption, "knot watchdog: already running");
  start_locked(options, false);
}

namespace detail {

void start_watchdog_from_environment() {
  base::InternalLock lock(g_lifecycle);
  if (instance())
    throw Error(Errc::kInvalidOption, "knot watchdog: already running");
  start_locked(options_from_environment(), true);
}

}  // namespace detail

void stop_watchdog() {
  std::unique_ptr<Watchdog> w;
  {
    base::InternalLock lock(g_lifecycle);
    w = std::move(instance());
  }
  if (w)
    w->stop();
}

bool watchdog_running() noexcept {
  return g_watchdog.load(std::memory_order_acquire) != nullptr;
}

void withdraw_advertisement() noexcept {
  if (Watchdog* w = g_watchdog.load(std::memory_order_acquire))
    w->withdraw_advertisement();
}

std::optional<std::string> request_report(const std::string& reason) {
  base::InternalLock lock(g_lifecycle);
  if (!instance())
    return std::nullopt;
  return instance()->write_on_demand("api", reason);
}

}  // namespace knot::instr
