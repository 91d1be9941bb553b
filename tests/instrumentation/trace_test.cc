// The trace recorder (knot/instrumentation/trace.h): waits become complete
// events on the waiters' tracks with the right names, arguments and
// durations, pool occupancy becomes counter events, threads are named, the
// file is valid Trace Event Format JSON written privately, the event cap
// counts drops, a failed write loses nothing, and KNOT_TRACE records a
// whole program.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/fiber_waits.h"
#include "knot/instrumentation/trace.h"
#include "knot/runtime.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Deadline;
namespace fs = std::filesystem;

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/knot-trace-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (instr::trace_running()) {
      try {
        instr::stop_trace();
      } catch (...) {
      }
    }
    fs::remove_all(dir_);
  }

  instr::TraceOptions options(const std::string& file = "trace.json") const {
    instr::TraceOptions o;
    o.path = dir_ + "/" + file;
    o.sample_period = 500us;
    return o;
  }

  static json read_json(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());  // throws (fails the test) if malformed
  }

  // The complete ("X") events named `name`.
  static std::vector<json> waits_named(const json& trace, const std::string& name) {
    std::vector<json> out;
    for (const json& e : trace.at("traceEvents")) {
      if (e.at("ph") == "X" && e.at("name") == name)
        out.push_back(e);
    }
    return out;
  }

  // thread_name metadata: tid -> name.
  static std::map<std::int64_t, std::string> thread_names(const json& trace) {
    std::map<std::int64_t, std::string> out;
    for (const json& e : trace.at("traceEvents")) {
      if (e.at("ph") == "M" && e.at("name") == "thread_name")
        out[e.at("tid").get<std::int64_t>()] = e.at("args").at("name").get<std::string>();
    }
    return out;
  }

  std::string dir_;
};

// Every event has the Trace Event Format's required fields, complete events
// a duration, and the document its top-level keys.
void expect_trace_event_format(const json& trace) {
  ASSERT_TRUE(trace.is_object());
  ASSERT_TRUE(trace.contains("traceEvents"));
  ASSERT_TRUE(trace.at("traceEvents").is_array());
  EXPECT_EQ(trace.at("displayTimeUnit"), "ns");
  ASSERT_TRUE(trace.at("otherData").is_object());
  EXPECT_EQ(trace.at("otherData").at("schema"), "knot.trace/1");
  for (const json& e : trace.at("traceEvents")) {
    for (const char* key : {"name", "ph", "ts", "pid", "tid"})
      ASSERT_TRUE(e.contains(key)) << "no '" << key << "' in " << e.dump();
    EXPECT_TRUE(e.at("name").is_string()) << e.dump();
    EXPECT_TRUE(e.at("ts").is_number()) << e.dump();
    EXPECT_TRUE(e.at("pid").is_number_integer()) << e.dump();
    EXPECT_TRUE(e.at("tid").is_number_integer()) << e.dump();
    const std::string ph = e.at("ph");
    EXPECT_TRUE(ph == "X" || ph == "C" || ph == "M") << e.dump();
    if (ph == "X") {
      ASSERT_TRUE(e.contains("dur")) << e.dump();
      EXPECT_GE(e.at("dur").get<double>(), 0.0) << e.dump();
      EXPECT_GE(e.at("ts").get<double>(), 0.0) << e.dump();
    }
    if (ph == "C") {
      EXPECT_TRUE(e.at("args").is_object()) << e.dump();
    }
  }
}

// Workers of a pool parked in a channel receive: one complete event per
// wait on each worker's own track, named after the wait and the channel,
// lasting at least as long as the test kept them waiting; the pool's
// counters show them parked; the metadata names the workers.
TEST_F(TraceTest, ChannelWaitsOfWorkersAndTheirPoolsOccupancy) {
  Deadline deadline(60s);
  constexpr std::size_t kWorkers = 3;
  instr::start_trace(options());
  std::vector<std::int64_t> tids(kWorkers, 0);
  std::atomic<std::size_t> num_done{0};
  Latch done(kWorkers, "done");
  auto held_for = 0ms;
  {
    ThreadPool pool(PoolOptions{.num_threads = kWorkers, .name = "tracepool"});
    auto [tx, rx] = channel<int>(kWorkers, "processed");
    for (std::size_t i = 0; i < kWorkers; ++i) {
      pool.spawn([&, i, rx = rx]() mutable {
        auto stage = stage_scope("consume");
        tids[i] = this_thread_id();
        (void)rx.recv();
        num_done.fetch_add(1);
        done.count_down();
      });
    }
    while (pool.snapshot().count(WorkerState::kParked) < kWorkers)
      std::this_thread::sleep_for(1ms);
    const auto parked_at = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(30ms);  // several samples of the parked pool
    held_for = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - parked_at);
    for (std::size_t i = 0; i < kWorkers; ++i)
      tx.send(static_cast<int>(i));
    done.wait();
  }
  const std::optional<instr::TraceSummary> summary = instr::stop_trace();
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->num_dropped, 0u);
  EXPECT_FALSE(instr::trace_running());

  const json trace = read_json(summary->path);
  expect_trace_event_format(trace);

  const std::vector<json> waits = waits_named(trace, "channel_recv 'processed'");
  ASSERT_EQ(waits.size(), kWorkers) << trace.dump(1);
  std::set<std::int64_t> on;
  for (const json& e : waits) {
    on.insert(e.at("tid").get<std::int64_t>());
    EXPECT_EQ(e.at("pid").get<std::int64_t>(), static_cast<std::int64_t>(::getpid()));
    // The wait covers the time the test held the workers parked.
    EXPECT_GE(e.at("dur").get<double>(), static_cast<double>(held_for.count()) * 1000.0);
    const json& args = e.at("args");
    EXPECT_EQ(args.at("wait_kind"), "channel_recv");
    EXPECT_EQ(args.at("resource_kind"), "channel");
    EXPECT_EQ(args.at("resource_name"), "processed");
    EXPECT_EQ(args.at("side"), "recv");
    EXPECT_EQ(args.at("timed"), false);
    EXPECT_EQ(args.at("stage"), "consume");
    EXPECT_FALSE(args.at("resource_id").get<std::string>().empty());
    EXPECT_FALSE(args.contains("unfinished"));
  }
  EXPECT_EQ(on, std::set<std::int64_t>(tids.begin(), tids.end()));

  // The workers' tracks carry their names.
  const auto names = thread_names(trace);
  for (std::int64_t tid : tids) {
    ASSERT_EQ(names.count(tid), 1u) << tid;
    EXPECT_EQ(names.at(tid).rfind("tracepool-", 0), 0u) << names.at(tid);
  }
  bool has_process_name = false;
  for (const json& e : trace.at("traceEvents"))
    has_process_name |= e.at("ph") == "M" && e.at("name") == "process_name";
  EXPECT_TRUE(has_process_name);

  // Occupancy: some sample saw all three parked; none saw more workers
  // than the pool has; and the pool's counters end at zero once it ended.
  std::size_t max_parked = 0;
  std::size_t num_samples = 0;
  json last;
  for (const json& e : trace.at("traceEvents")) {
    if (e.at("ph") != "C" || e.at("name") != "pool 'tracepool' workers")
      continue;
    ++num_samples;
    const json& a = e.at("args");
    const std::size_t total =
        a.at("running").get<std::size_t>() + a.at("searching").get<std::size_t>() +
        a.at("sleeping").get<std::size_t>() + a.at("parked").get<std::size_t>();
    EXPECT_LE(total, kWorkers) << e.dump();
    max_parked = std::max(max_parked, a.at("parked").get<std::size_t>());
    last = e;
  }
  EXPECT_GE(num_samples, 2u);
  EXPECT_EQ(max_parked, kWorkers);
  ASSERT_FALSE(last.is_null());
  EXPECT_EQ(last.at("args").at("parked"), 0) << last.dump();
  bool has_queued = false;
  for (const json& e : trace.at("traceEvents"))
    has_queued |= e.at("ph") == "C" && e.at("name") == "pool 'tracepool' queued jobs";
  EXPECT_TRUE(has_queued);
  EXPECT_EQ(trace.at("otherData").at("dropped_events"), 0);
  EXPECT_EQ(trace.at("otherData").at("wait_events").get<std::size_t>(), summary->num_wait_events);
}

// Threads outside any pool, each named, waiting on a latch and on a mutex
// that the test holds, then exiting before the trace stops: their events
// are kept, on their tracks, under their names.
TEST_F(TraceTest, LatchAndMutexWaitsOfThreadsThatExitBeforeTheStop) {
  Deadline deadline(60s);
  instr::start_trace(options());
  Latch ready(1, "ready");
  Mutex cache("cache");
  std::atomic<std::int64_t> latch_tid{0};
  std::atomic<std::int64_t> mutex_tid{0};
  cache.lock();
  std::thread latch_waiter([&] {
    this_thread::set_name("latch-waiter");
    latch_tid = this_thread_id();
    ready.wait();
  });
  std::thread mutex_waiter([&] {
    this_thread::set_name("mutex-waiter");
    mutex_tid = this_thread_id();
    cache.lock();
    cache.unlock();
  });
  // Both parked (their waits are in the runtime's records).
  for (std::size_t parked = 0; parked < 2;) {
    parked = 0;
    for (const ThreadView& t : snapshot_threads())
      parked += t.wait && (t.wait->name == "ready" || t.wait->name == "cache") ? 1 : 0;
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(20ms);
  cache.unlock();
  ready.count_down();
  latch_waiter.join();
  mutex_waiter.join();
  const auto summary = instr::stop_trace();
  ASSERT_TRUE(summary.has_value());
  const json trace = read_json(summary->path);
  expect_trace_event_format(trace);

  const auto latch_waits = waits_named(trace, "latch 'ready'");
  ASSERT_EQ(latch_waits.size(), 1u) << trace.dump(1);
  EXPECT_EQ(latch_waits[0].at("tid"), latch_tid.load());
  EXPECT_GE(latch_waits[0].at("dur").get<double>(), 20'000.0);
  EXPECT_EQ(latch_waits[0].at("args").at("resource_kind"), "latch");
  EXPECT_FALSE(latch_waits[0].at("args").contains("side"));

  const auto mutex_waits = waits_named(trace, "mutex 'cache'");
  ASSERT_GE(mutex_waits.size(), 1u) << trace.dump(1);
  EXPECT_EQ(mutex_waits[0].at("tid"), mutex_tid.load());
  EXPECT_GE(mutex_waits[0].at("dur").get<double>(), 20'000.0);
  EXPECT_EQ(mutex_waits[0].at("args").at("side"), "exclusive");

  const auto names = thread_names(trace);
  EXPECT_EQ(names.at(latch_tid.load()), "latch-waiter");
  EXPECT_EQ(names.at(mutex_tid.load()), "mutex-waiter");
}

// A wait still in progress at the stop is written, ending at the stop and
// marked unfinished (a deadlocked program's trace shows its waits).
TEST_F(TraceTest, WaitInProgressAtTheStopIsWrittenUnfinished) {
  Deadline deadline(60s);
  instr::start_trace(options());
  Latch gate(1, "gate");
  std::thread waiter([&] { gate.wait(); });
  while (true) {
    bool parked = false;
    for (const ThreadView& t : snapshot_threads())
      parked |= t.wait && t.wait->name == "gate";
    if (parked)
      break;
    std::this_thread::sleep_for(1ms);
  }
  const auto summary = instr::stop_trace();
  gate.count_down();
  waiter.join();
  ASSERT_TRUE(summary.has_value());
  const json trace = read_json(summary->path);
  expect_trace_event_format(trace);
  const auto waits = waits_named(trace, "latch 'gate'");
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].at("args").at("unfinished"), true);
}

// A fiber task (kFiber) that waits is on a track of its own, not its
// worker's, and its pool's counters show it suspended.
TEST_F(TraceTest, FiberTaskWaitIsOnItsOwnTrack) {
  Deadline deadline(60s);
  instr::start_trace(options());
  std::int64_t worker_tid = 0;
  {
    ThreadPool pool(testing::fiber_pool_options(1, "fibers"));
    auto [tx, rx] = channel<int>(1, "to_fiber");
    Latch done(1, "fiber done");
    pool.spawn([&, rx = std::move(rx)]() mutable {
      worker_tid = this_thread_id();
      (void)rx.recv();
      done.count_down();
    });
    ASSERT_TRUE(testing::wait_for_fiber_wait("to_fiber").has_value());
    std::this_thread::sleep_for(20ms);
    tx.send(1);
    done.wait();
  }
  const auto summary = instr::stop_trace();
  ASSERT_TRUE(summary.has_value());
  const json trace = read_json(summary->path);
  expect_trace_event_format(trace);
  const auto waits = waits_named(trace, "channel_recv 'to_fiber'");
  ASSERT_EQ(waits.size(), 1u) << trace.dump(1);
  const std::int64_t track = waits[0].at("tid");
  EXPECT_NE(track, worker_tid);
  EXPECT_EQ(waits[0].at("args").at("fiber_task"), true);
  EXPECT_EQ(waits[0].at("args").at("suspended_on_tid"), worker_tid);
  EXPECT_GE(waits[0].at("dur").get<double>(), 20'000.0);
  EXPECT_EQ(thread_names(trace).count(track), 1u);
  std::size_t max_suspended = 0;
  for (const json& e : trace.at("traceEvents")) {
    if (e.at("ph") == "C" && e.at("name") == "pool 'fibers' suspended tasks")
      max_suspended = std::max(max_suspended, e.at("args").at("suspended").get<std::size_t>());
  }
  EXPECT_EQ(max_suspended, 1u);
}

// Past max_events, events are counted as dropped, and the file says so.
TEST_F(TraceTest, TheEventCapCountsDrops) {
  Deadline deadline(60s);
  auto o = options();
  o.max_events = 5;
  instr::start_trace(o);
  for (int i = 0; i < 50; ++i) {
    auto region = blocking_region("io");
  }
  const auto summary = instr::stop_trace();
  ASSERT_TRUE(summary.has_value());
  EXPECT_LE(summary->num_wait_events + summary->num_counter_events, 5u);
  EXPECT_GE(summary->num_dropped, 45u);
  const json trace = read_json(summary->path);
  expect_trace_event_format(trace);
  EXPECT_EQ(trace.at("otherData").at("dropped_events").get<std::uint64_t>(), summary->num_dropped);
  EXPECT_TRUE(trace.at("otherData").contains("note"));
  std::size_t kept = 0;
  for (const json& e : trace.at("traceEvents"))
    kept += e.at("ph") != "M" ? 1 : 0;
  EXPECT_LE(kept, 5u);
}

// The file is private (0600) and no temporary file is left beside it; a
// second trace to the same path replaces the first.
TEST_F(TraceTest, TheFileIsPrivateAndReplacedAtomically) {
  Deadline deadline(60s);
  for (int round = 0; round < 2; ++round) {
    instr::start_trace(options());
    { auto region = blocking_region("round " + std::to_string(round)); }
    ASSERT_TRUE(instr::stop_trace().has_value());
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/trace.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  const json trace = read_json(dir_ + "/trace.json");
  EXPECT_EQ(waits_named(trace, "blocking_region 'round 1'").size(), 1u);
  EXPECT_TRUE(waits_named(trace, "blocking_region 'round 0'").empty());
}

// A path in a missing folder: stop_trace() throws an error that names the
// file and the OS's reason, the recorder is stopped, and the recording is
// not lost: write_last_trace() writes it elsewhere.
TEST_F(TraceTest, AnUnwritablePathGivesAClearErrorAndLosesNothing) {
  Deadline deadline(60s);
  instr::TraceOptions o = options();
  o.path = dir_ + "/no/such/folder/trace.json";
  instr::start_trace(o);
  { auto region = blocking_region("kept"); }
  try {
    instr::stop_trace();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code().value(), ENOENT) << e.what();
    EXPECT_NE(std::string(e.what()).find(dir_ + "/no/such/folder"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(instr::trace_running());
  const instr::TraceSummary again = instr::write_last_trace(dir_ + "/rescued.json");
  EXPECT_EQ(again.num_wait_events, 1u);
  const json trace = read_json(dir_ + "/rescued.json");
  EXPECT_EQ(waits_named(trace, "blocking_region 'kept'").size(), 1u);
}

// A name that is not UTF-8 (names are whatever bytes a program gives)
// still gives a valid document: the bad bytes are replaced.
TEST_F(TraceTest, NamesThatAreNotUtf8StillGiveValidJson) {
  instr::start_trace(options());
  { auto region = blocking_region("bad \xff\xfe name"); }
  const auto summary = instr::stop_trace();
  ASSERT_TRUE(summary.has_value());
  const json trace = read_json(summary->path);
  expect_trace_event_format(trace);
  EXPECT_EQ(summary->num_wait_events, 1u);
}

// Misuse: a second start, a stop without a start, bad options.
TEST_F(TraceTest, LifecycleErrors) {
  EXPECT_FALSE(instr::stop_trace().has_value());
  instr::TraceOptions bad = options();
  bad.path.clear();
  EXPECT_THROW(instr::start_trace(bad), Error);
  bad = options();
  bad.sample_period = 0us;
  EXPECT_THROW(instr::start_trace(bad), Error);
  {
    instr::TraceSession session(options());
    EXPECT_TRUE(instr::trace_running());
    EXPECT_THROW(instr::start_trace(options("other.json")), Error);
  }
  EXPECT_FALSE(instr::trace_running());
  EXPECT_TRUE(fs::exists(dir_ + "/trace.json"));
}

// An observer installed before the trace keeps getting every call while
// the trace records, and is installed again after it.
TEST_F(TraceTest, ChainsTheInstalledObserver) {
  struct Counting : Observer {
    std::atomic<int> begins{0};
    std::atomic<int> ends{0};
    void on_wait_begin(const WaitSite&) noexcept override { ++begins; }
    void on_wait_end(const WaitSite&) noexcept override { ++ends; }
  } counting;
  Observer* previous = set_observer(&counting);
  instr::start_trace(options());
  { auto region = blocking_region("seen by both"); }
  const auto summary = instr::stop_trace();
  EXPECT_EQ(observer(), &counting);
  set_observer(previous);
  EXPECT_EQ(counting.begins.load(), 1);
  EXPECT_EQ(counting.ends.load(), 1);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->num_wait_events, 1u);
}

TEST_F(TraceTest, OptionsFromTheEnvironment) {
  ::setenv("KNOT_TRACE", "/some/where/trace.json", 1);
  ::setenv("KNOT_TRACE_PERIOD_US", "250", 1);
  ::setenv("KNOT_TRACE_MAX_EVENTS", "1000", 1);
  instr::TraceOptions o = instr::trace_options_from_environment();
  EXPECT_EQ(o.path, "/some/where/trace.json");
  EXPECT_EQ(o.sample_period, 250us);
  EXPECT_EQ(o.max_events, 1000u);
  ::setenv("KNOT_TRACE_PERIOD_US", "often", 1);
  EXPECT_THROW(instr::trace_options_from_environment(), Error);
  ::setenv("KNOT_TRACE_PERIOD_US", "0", 1);
  EXPECT_THROW(instr::trace_options_from_environment(), Error);
  for (const char* v : {"KNOT_TRACE", "KNOT_TRACE_PERIOD_US", "KNOT_TRACE_MAX_EVENTS"})
    ::unsetenv(v);
}

// KNOT_TRACE=<file> records a program that calls nothing of the trace
// itself, and the file is written when it exits.
TEST_F(TraceTest, EnvironmentRecordsAProgramAndWritesAtExit) {
  Deadline deadline(90s);
  const std::string path = dir_ + "/env.json";
  std::string program = KNOT_TRACE_ENV_PROGRAM;
  std::vector<std::string> env = {"KNOT_TRACE=" + path, "KNOT_TRACE_PERIOD_US=200"};
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string err_path = dir_ + "/stderr.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  char* argv[] = {program.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::ifstream in(err_path);
  std::stringstream err;
  err << in.rdbuf();
  ASSERT_TRUE(WIFEXITED(status)) << err.str();
  EXPECT_EQ(WEXITSTATUS(status), 0) << err.str();
  EXPECT_NE(err.str().find("knot: trace: " + path), std::string::npos) << err.str();
  const json trace = read_json(path);
  expect_trace_event_format(trace);
  EXPECT_EQ(waits_named(trace, "channel_recv 'items'").size(), 1u) << trace.dump(1);
  bool has_counters = false;
  for (const json& e : trace.at("traceEvents"))
    has_counters |= e.at("ph") == "C" && e.at("name") == "pool 'envpool' workers";
  EXPECT_TRUE(has_counters);
}

// Stress: while pool tasks and short-lived threads park and unpark without
// pause (channel ping-pongs with capacity 1, latches), traces start and
// stop over and over. Every trace written parses and keeps the format;
// every wait event has a sane duration; nothing crashes, deadlocks or (under
// ThreadSanitizer) races, whether a wait begins before a start and ends
// after it, or begins in one trace and ends in the next.
TEST_F(TraceTest, StressStartsAndStopsWhileThreadsParkAndExit) {
  Deadline deadline(120s);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> round_trips{0};
  ThreadPool pool(PoolOptions{.num_threads = 4, .name = "stress"});
  Latch pool_done(2, "pool pairs done");
  for (int pair = 0; pair < 2; ++pair) {
    auto [ping_tx, ping_rx] = channel<int>(1, "ping");
    auto [pong_tx, pong_rx] = channel<int>(1, "pong");
    pool.spawn([&, tx = std::move(ping_tx), rx = std::move(pong_rx)]() mutable {
      while (!stop.load(std::memory_order_relaxed)) {
        if (!tx.send(1) || !rx.recv())
          break;
        round_trips.fetch_add(1, std::memory_order_relaxed);
      }
      pool_done.count_down();
    });
    pool.spawn([&, tx = std::move(pong_tx), rx = std::move(ping_rx)]() mutable {
      // Ends when the other side drops its sender (closed channel).
      while (auto v = rx.recv()) {
        if (!tx.send(*v))
          break;
      }
    });
  }
  // Threads that are born, wait a few times and exit, over and over.
  std::thread churn([&] {
    int generation = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      auto [tx, rx] = channel<int>(1, "churn");
      std::thread a([&, tx = std::move(tx)]() mutable {
        this_thread::set_name("churn-" + std::to_string(generation % 7));
        for (int i = 0; i < 20; ++i)
          (void)tx.send(i);
      });
      std::thread b([rx = std::move(rx)]() mutable {
        while (rx.recv()) {
        }
      });
      a.join();
      b.join();
      ++generation;
    }
  });
  std::size_t traces = 0;
  std::size_t waits = 0;
  // At least 2 s of traces, and on until one has caught a wait: a trace
  // lasts a few milliseconds, and on a loaded machine (or under a
  // sanitizer) the threads may get no time in many of them in a row.
  const auto begin = std::chrono::steady_clock::now();
  const auto enough = [&] {
    const auto elapsed = std::chrono::steady_clock::now() - begin;
    return (elapsed >= 2s && waits > 0) || elapsed >= 60s;
  };
  while (!enough()) {
    const std::string file = "stress-" + std::to_string(traces % 3) + ".json";
    instr::start_trace(options(file));
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + traces % 7));
    const std::optional<instr::TraceSummary> summary = instr::stop_trace();
    ASSERT_TRUE(summary.has_value());
    const json trace = read_json(summary->path);
    expect_trace_event_format(trace);
    for (const json& e : trace.at("traceEvents")) {
      if (e.at("ph") == "X") {
        ++waits;
        EXPECT_LE(e.at("dur").get<double>(), 10e6) << e.dump();  // shorter than 10 s
      }
    }
    ++traces;
  }
  stop.store(true);
  churn.join();
  pool_done.wait();
  EXPECT_GE(traces, 20u);
  EXPECT_GT(waits, 0u) << "no wait was recorded in " << traces << " traces";
  EXPECT_GT(round_trips.load(), 0u);
}

}  // namespace
}  // namespace knot
