// Potential deadlocks (knot/instrumentation/hazards.h, docs/hazards.md):
// programs that complete, whose waits form a cycle that another timing
// closes, yield exactly that cycle; programs without one yield nothing.
//
// Channels are opened as pairs, then split (clang does not capture
// structured bindings in lambdas before C++20's last revisions).
//
// Each test runs its program on fresh threads and pools after forgetting
// what earlier tests recorded (hazards::reset_for_testing, a whitebox
// hook), so the tests do not see each other's classes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hazards/hazard_tracker.h"
#include "knot/instrumentation/hazards.h"
#include "knot/instrumentation/watchdog.h"
#include "knot/report/report_json.h"
#include "knot/runtime.h"

namespace {

using knot::report::Report;

knot::ThreadPool make_pool(std::string name, std::size_t n,
                           knot::BlockingPolicy policy = knot::BlockingPolicy::kBlock) {
  knot::PoolOptions o;
  o.name = std::move(name);
  o.num_threads = n;
  o.policy = policy;
  return knot::ThreadPool(o);
}

// run() forgets what was recorded, runs `program` on a fresh thread with
// hazard tracking on, and returns the potential deadlocks found.
std::vector<Report> run(const std::function<void()>& program) {
  knot::instr::hazards::reset_for_testing();
  knot::instr::HazardOptions options;
  options.report_at_exit = false;
  knot::instr::enable_hazards(options);
  std::thread t(program);
  t.join();
  knot::instr::disable_hazards();
  return knot::instr::potential_deadlocks();
}

std::string all_text(const Report& r) {
  std::string s = r.summary + "\n" + r.narrative + "\n" + (r.hazard ? r.hazard->condition : "");
  for (const std::string& a : r.advice)
    s += "\n" + a;
  return s;
}

// describe() lists the reports and, for a failure's message, what the
// tracker recorded.
std::string describe(const std::vector<Report>& reports) {
  std::string s;
  for (const Report& r : reports)
    s += "- " + r.summary + "\n  " + (r.hazard ? r.hazard->condition : "") + "\n";
  const auto rec = knot::instr::hazards::recorded();
  auto name = [&](knot::instr::hazards::EventKey e) {
    const auto c = rec.classes.find(e.cls);
    return (c != rec.classes.end() ? c->second.name : std::string("?")) + "/" +
           std::to_string(static_cast<int>(e.event));
  };
  for (const auto& [key, e] : rec.edges) {
    s += "  edge " + name(e.blocked) + " <- " + name(e.awaited) + " basis " +
         std::to_string(static_cast<int>(e.basis)) + " by " + e.context + "\n";
  }
  for (const auto& [event, users] : rec.users) {
    s += "  users of " + name(event) + ": " + std::to_string(users.pools.size()) + " pools;";
    for (const std::string& t : users.threads)
      s += " " + t;
    s += "\n";
  }
  return s;
}

// parked_on() is true while some thread is parked on a primitive named `name`.
bool parked_on(const std::string& name) {
  for (const knot::ThreadView& t : knot::snapshot_threads()) {
    if (t.wait && t.wait->name == name)
      return true;
  }
  return false;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The report's general form: its verdict, certainty, one edge per cycle
// member, stacks on both sides, and that it round-trips through JSON.
void expect_well_formed(const Report& r) {
  ASSERT_TRUE(r.verdict.has_value());
  EXPECT_EQ(r.verdict->kind, "potential_deadlock");
  EXPECT_EQ(r.verdict->certainty, "potential");
  EXPECT_FALSE(r.verdict->is_proven);
  ASSERT_TRUE(r.hazard.has_value());
  EXPECT_EQ(r.hazard->edges.size(), r.cycle.size());
  EXPECT_EQ(r.verdict->assumptions.size(), r.cycle.size());
  for (const auto& e : r.hazard->edges) {
    EXPECT_FALSE(e.text.empty());
    EXPECT_FALSE(e.context.empty());
    EXPECT_FALSE(e.wait_stack.empty() && e.basis != "pool_stage") << e.text;
  }
  const auto parsed = knot::report::parse(knot::report::to_json(r));
  ASSERT_TRUE(parsed.report.has_value());
  ASSERT_TRUE(parsed.report->hazard.has_value());
  EXPECT_EQ(parsed.report->hazard->edges.size(), r.hazard->edges.size());
}

// ---------------------------------------------------------------------------
// The seed: the story's pipeline with a channel that never fills.
// ---------------------------------------------------------------------------

void seed_program(bool shared_pool) {
  knot::ThreadPool global = make_pool("global", 2);
  knot::ThreadPool embed_pool = make_pool("embed", 2);
  knot::ThreadPool& reprocess = global;
  knot::ThreadPool& tokenize = shared_pool ? global : embed_pool;
  auto tx_and_rx = knot::channel<int>(4096, "processed");
  auto tx = std::move(tx_and_rx.first);
  auto rx = std::move(tx_and_rx.second);
  std::thread embed([&tokenize, rx = std::move(rx)]() mutable {
    knot::this_thread::set_name("embed");
    while (auto item = rx.recv()) {
      tokenize.install([&] {
        knot::parallel_for(std::size_t{0}, std::size_t{8}, [&](std::size_t) {
          volatile int tokens = *item;
          (void)tokens;
        });
      });
    }
  });
  // One task per batch of pages: each sends what it extracted.
  reprocess.install([&] {
    knot::scope([&](knot::Scope& s) {
      for (int batch = 0; batch < 40; ++batch) {
        s.spawn([&tx, batch] {
          for (int page = 0; page < 10; ++page)
            tx.send(batch * 10 + page);
        });
      }
    });
  });
  { auto drop = std::move(tx); }
  embed.join();
}

TEST(HazardsTest, TheSeedsCycleFromARunThatCompletes) {
  const std::vector<Report> reports = run([] { seed_program(/*shared_pool=*/true); });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const Report& r = reports[0];
  expect_well_formed(r);
  const std::string text = all_text(r);
  EXPECT_TRUE(contains(text, "thread 'embed'")) << text;
  EXPECT_TRUE(contains(text, "pool 'global'")) << text;
  EXPECT_TRUE(contains(text, "channel 'processed'")) << text;
  EXPECT_TRUE(contains(r.hazard->condition, "channel 'processed' is full (holds 4096 items)"))
      << r.hazard->condition;
  EXPECT_TRUE(contains(r.hazard->condition, "all 2 workers of pool 'global'"))
      << r.hazard->condition;
  EXPECT_TRUE(std::any_of(r.hazard->prevented_by.begin(), r.hazard->prevented_by.end(),
                          [](const std::string& p) { return contains(p, "kFiber"); }));
}

TEST(HazardsTest, TheSeedWithSeparatePoolsHasNone) {
  const std::vector<Report> reports = run([] { seed_program(/*shared_pool=*/false); });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// ---------------------------------------------------------------------------
// Locks
// ---------------------------------------------------------------------------

TEST(HazardsTest, ALockOrderInversionBetweenTwoMutexes) {
  const std::vector<Report> reports = run([] {
    knot::Mutex accounts("accounts");
    knot::Mutex ledger("ledger");
    std::thread first([&] {
      knot::this_thread::set_name("transfer");
      std::lock_guard<knot::Mutex> a(accounts);
      std::lock_guard<knot::Mutex> b(ledger);
    });
    first.join();
    std::thread second([&] {
      knot::this_thread::set_name("audit");
      std::lock_guard<knot::Mutex> b(ledger);
      std::lock_guard<knot::Mutex> a(accounts);
    });
    second.join();
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  expect_well_formed(reports[0]);
  const std::string text = all_text(reports[0]);
  EXPECT_TRUE(contains(text, "mutex 'accounts'")) << text;
  EXPECT_TRUE(contains(text, "mutex 'ledger'")) << text;
  EXPECT_TRUE(contains(text, "thread 'transfer'")) << text;
  EXPECT_TRUE(contains(text, "thread 'audit'")) << text;
  EXPECT_TRUE(reports[0].hazard->prevented_by.empty());
}

TEST(HazardsTest, LocksTakenInOneOrderHaveNone) {
  const std::vector<Report> reports = run([] {
    knot::Mutex a("a");
    knot::Mutex b("b");
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) {
          std::lock_guard<knot::Mutex> la(a);
          std::lock_guard<knot::Mutex> lb(b);
        }
      });
    }
    for (auto& t : threads)
      t.join();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

TEST(HazardsTest, UnnamedMutexesAreKnownByWhereTheyWereMade) {
  struct Account {
    knot::Mutex lock;
  };
  const std::vector<Report> reports = run([] {
    auto from = std::make_unique<Account>();
    auto to = std::make_unique<knot::Mutex>();
    {
      std::lock_guard<knot::Mutex> a(from->lock);
      std::lock_guard<knot::Mutex> b(*to);
    }
    std::thread other([&] {
      std::lock_guard<knot::Mutex> b(*to);
      std::lock_guard<knot::Mutex> a(from->lock);
    });
    other.join();
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  EXPECT_TRUE(contains(all_text(reports[0]), "unnamed mutex")) << all_text(reports[0]);
}

TEST(HazardsTest, AnExemptedClassIsSilenced) {
  const std::vector<Report> reports = run([] {
    knot::Mutex accounts("accounts");
    knot::Mutex ledger("ledger");
    ledger.exempt_from_hazards("audit runs only before transfers start");
    {
      std::lock_guard<knot::Mutex> a(accounts);
      std::lock_guard<knot::Mutex> b(ledger);
    }
    std::thread audit([&] {
      std::lock_guard<knot::Mutex> b(ledger);
      std::lock_guard<knot::Mutex> a(accounts);
    });
    audit.join();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// rayon #1205's shape from a run that completes: a read lock taken again
// while held for reading, in a program where writers exist; without
// writers, nothing.
TEST(HazardsTest, AReadLockTakenAgainWhereWritersExist) {
  for (const bool with_writer : {true, false}) {
    const std::vector<Report> reports = run([with_writer] {
      knot::SharedMutex table("table");
      {
        std::shared_lock<knot::SharedMutex> outer(table);
        std::shared_lock<knot::SharedMutex> inner(table);
      }
      if (with_writer) {
        std::thread writer([&] { std::lock_guard<knot::SharedMutex> w(table); });
        writer.join();
      }
    });
    if (with_writer) {
      ASSERT_EQ(reports.size(), 1u) << describe(reports);
      EXPECT_TRUE(contains(reports[0].hazard->condition, "writers go first"))
          << reports[0].hazard->condition;
    } else {
      EXPECT_TRUE(reports.empty()) << describe(reports);
    }
  }
}

// The silenced cycle is written for the record, with the reason, and is
// neither printed nor returned; a second write writes nothing new.
TEST(HazardsTest, ASilencedCycleIsWrittenWithItsReasonOnly) {
  knot::instr::hazards::reset_for_testing();
  char dir_template[] = "/tmp/knot-hazards-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  knot::instr::HazardOptions options;
  options.report_dir = dir;
  options.report_at_exit = false;
  knot::instr::enable_hazards(options);
  std::thread program([] {
    knot::Mutex first("first");
    knot::Mutex second("second");
    second.exempt_from_hazards("second is taken first only during start-up");
    {
      std::lock_guard<knot::Mutex> a(first);
      std::lock_guard<knot::Mutex> b(second);
    }
    std::thread other([&] {
      std::lock_guard<knot::Mutex> b(second);
      std::lock_guard<knot::Mutex> a(first);
    });
    other.join();
  });
  program.join();
  knot::instr::disable_hazards();
  EXPECT_TRUE(knot::instr::write_hazard_reports().empty());
  EXPECT_TRUE(knot::instr::write_hazard_reports().empty());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  std::string text;
  if (std::FILE* f = std::fopen(files[0].c_str(), "rb")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;)
      text.append(buffer, n);
    std::fclose(f);
  }
  const auto parsed = knot::report::parse(text);
  ASSERT_TRUE(parsed.report.has_value());
  ASSERT_TRUE(parsed.report->hazard.has_value());
  EXPECT_EQ(parsed.report->hazard->silenced, "second is taken first only during start-up");
  std::filesystem::remove_all(dir);
}

// With the watchdog (WatchdogOptions::hazards), an on-demand report
// (request_report, or knot-dump's signal) writes the potential deadlocks
// found so far into the watchdog's folder.
TEST(HazardsTest, AnOnDemandReportWritesThePotentialDeadlocks) {
  knot::instr::hazards::reset_for_testing();
  char dir_template[] = "/tmp/knot-hazards-dump-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  knot::instr::WatchdogOptions options;
  options.report_dir = dir;
  options.answer_dump_signal = false;
  options.hazards = true;
  knot::instr::start_watchdog(options);
  std::thread program([] {
    knot::Mutex a("queue");
    knot::Mutex b("index");
    {
      std::lock_guard<knot::Mutex> la(a);
      std::lock_guard<knot::Mutex> lb(b);
    }
    std::thread other([&] {
      std::lock_guard<knot::Mutex> lb(b);
      std::lock_guard<knot::Mutex> la(a);
    });
    other.join();
  });
  program.join();
  ASSERT_TRUE(knot::instr::request_report("test").has_value());
  knot::instr::stop_watchdog();
  knot::instr::disable_hazards();
  std::size_t potential = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    potential += entry.path().filename().string().find("potential_deadlock") != std::string::npos;
  EXPECT_EQ(potential, 1u);
  std::filesystem::remove_all(dir);
}

// A thread holds a mutex across an install whose tasks take it.
TEST(HazardsTest, ALockHeldAcrossAnInstallWhoseTasksTakeIt) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    knot::Mutex state("state");
    // The tasks take it first, while nobody holds it...
    pool.install([&] {
      knot::parallel_for(std::size_t{0}, std::size_t{16},
                         [&](std::size_t) { std::lock_guard<knot::Mutex> inner(state); });
    });
    // ...then a thread installs while it holds it: the tasks find it free
    // only because the install's tasks do not run yet.
    std::lock_guard<knot::Mutex> lock(state);
    pool.install([] {});
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const std::string text = all_text(reports[0]);
  EXPECT_TRUE(contains(text, "mutex 'state'")) << text;
  EXPECT_TRUE(contains(text, "pool 'p'")) << text;
}

// ---------------------------------------------------------------------------
// Pools and channels
// ---------------------------------------------------------------------------

// Tasks send into a bounded channel whose only receiver is a task of the
// same pool (scenario queued_receiver, with room enough).
TEST(HazardsTest, AReceiverTaskInThePoolOfItsSenders) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    auto tx_and_rx = knot::channel<int>(1000, "c");
    auto tx = std::move(tx_and_rx.first);
    auto rx = std::move(tx_and_rx.second);
    knot::Latch done(1, "done");
    for (int s = 0; s < 4; ++s) {
      pool.spawn([tx]() mutable {
        for (int i = 0; i < 10; ++i)
          tx.send(i);
      });
    }
    pool.spawn([rx = std::move(rx), &done]() mutable {
      for (int i = 0; i < 40; ++i)
        rx.recv();
      done.count_down();
    });
    { auto drop = std::move(tx); }
    done.wait();
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  EXPECT_TRUE(contains(reports[0].hazard->condition, "channel 'c' is full"))
      << reports[0].hazard->condition;
}

// Scenario received_then_installs with room enough: the thread that
// receives the tasks' results waits for the pool between two receives.
TEST(HazardsTest, AReceiverThatInstallsOnThePoolOfItsSenders) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    auto results = knot::channel<int>(1000, "results");
    auto tx = std::move(results.first);
    auto rx = std::move(results.second);
    for (int t = 0; t < 4; ++t) {
      pool.spawn([tx]() mutable {
        for (int i = 0; i < 10; ++i)
          tx.send(i);
      });
    }
    { auto drop = std::move(tx); }
    rx.recv();
    pool.install([] {});
    while (rx.recv()) {
    }
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  EXPECT_TRUE(contains(reports[0].hazard->condition, "channel 'results' is full"))
      << reports[0].hazard->condition;
}

// Scenario nested_install with the two halves apart in time: the inner
// pool's task took 'driver' once; later a task of the outer pool holds it
// across an install on the inner pool.
TEST(HazardsTest, ALockHeldAcrossAnInstallOnAnotherPool) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool outer = make_pool("outer", 1);
    knot::ThreadPool inner = make_pool("inner", 1);
    knot::Mutex driver("driver");
    inner.install([&] { std::lock_guard<knot::Mutex> again(driver); });
    outer.install([&] {
      std::lock_guard<knot::Mutex> lock(driver);
      inner.install([] {});
    });
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const std::string text = all_text(reports[0]);
  EXPECT_TRUE(contains(text, "mutex 'driver'")) << text;
  EXPECT_TRUE(contains(text, "pool 'inner'")) << text;
}

// Tasks wait on a latch that tasks queued behind them count down
// (scenario nested_latches, with enough workers this time).
TEST(HazardsTest, TasksWaitingOnALatchThatLaterTasksCountDown) {
  const std::vector<Report> reports = run([] {
    // One waiter at a time: the other worker runs the count-down.
    knot::ThreadPool pool = make_pool("p", 2);
    for (int t = 0; t < 2; ++t) {
      std::latch finished(1);
      pool.spawn([&pool, &finished] {
        auto step = std::make_shared<knot::Latch>(1, "step");
        pool.spawn([step] { step->count_down(); });
        step->wait();
        finished.count_down();
      });
      finished.wait();
    }
  });
  ASSERT_GE(reports.size(), 1u) << describe(reports);
  bool found = false;
  for (const Report& r : reports)
    found = found || (contains(all_text(r), "latch 'step'") && contains(all_text(r), "pool 'p'"));
  EXPECT_TRUE(found) << describe(reports);
}

// Two pools whose tasks feed each other through channels that never fill
// (scenario two_pools, with room enough).
TEST(HazardsTest, TwoPoolsFeedingEachOtherThroughChannels) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool a = make_pool("A", 2);
    knot::ThreadPool b = make_pool("B", 2);
    auto a_tx_and_a_rx = knot::channel<int>(1000, "a_to_b");
    auto a_tx = std::move(a_tx_and_a_rx.first);
    auto a_rx = std::move(a_tx_and_a_rx.second);
    auto b_tx_and_b_rx = knot::channel<int>(1000, "b_to_a");
    auto b_tx = std::move(b_tx_and_b_rx.first);
    auto b_rx = std::move(b_tx_and_b_rx.second);
    a_tx.send(0);
    a_tx.send(0);
    b_tx.send(0);
    b_tx.send(0);
    knot::Latch done(4, "done");
    for (int t = 0; t < 2; ++t) {
      a.spawn([tx = a_tx, rx = b_rx, &done]() mutable {
        rx.recv();
        for (int i = 0; i < 100; ++i)
          tx.send(i);
        done.count_down();
      });
      b.spawn([tx = b_tx, rx = a_rx, &done]() mutable {
        rx.recv();
        for (int i = 0; i < 100; ++i)
          tx.send(i);
        done.count_down();
      });
    }
    done.wait();
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const std::string& condition = reports[0].hazard->condition;
  EXPECT_TRUE(contains(condition, "channel 'a_to_b' is full")) << condition;
  EXPECT_TRUE(contains(condition, "channel 'b_to_a' is full")) << condition;
  EXPECT_TRUE(contains(condition, "pool 'A'")) << condition;
  EXPECT_TRUE(contains(condition, "pool 'B'")) << condition;
}

// Two stage threads, each receiving from the other's channel before
// sending into its own (scenario channel_cycle, with room enough).
TEST(HazardsTest, TwoStageThreadsInAChannelCycle) {
  const std::vector<Report> reports = run([] {
    auto l2r_tx_and_l2r_rx = knot::channel<int>(100, "left_to_right");
    auto l2r_tx = std::move(l2r_tx_and_l2r_rx.first);
    auto l2r_rx = std::move(l2r_tx_and_l2r_rx.second);
    auto r2l_tx_and_r2l_rx = knot::channel<int>(100, "right_to_left");
    auto r2l_tx = std::move(r2l_tx_and_r2l_rx.first);
    auto r2l_rx = std::move(r2l_tx_and_r2l_rx.second);
    l2r_tx.send(0);
    r2l_tx.send(0);
    // Both keep their receivers until both sent everything (a std::latch:
    // knot's would be a wait of its own), so no send finds a closed channel.
    std::latch sent(2);
    std::thread left([tx = std::move(l2r_tx), rx = std::move(r2l_rx), &sent]() mutable {
      knot::this_thread::set_name("left");
      rx.recv();
      for (int i = 0; i < 10; ++i)
        EXPECT_EQ(tx.send(i).status, knot::ChannelStatus::kOk);
      sent.arrive_and_wait();
    });
    std::thread right([tx = std::move(r2l_tx), rx = std::move(l2r_rx), &sent]() mutable {
      knot::this_thread::set_name("right");
      rx.recv();
      for (int i = 0; i < 10; ++i)
        EXPECT_EQ(tx.send(i).status, knot::ChannelStatus::kOk);
      sent.arrive_and_wait();
    });
    left.join();
    right.join();
  });
  // The main thread sent into both channels first: it is a sender too, but
  // only receivers matter for room.
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const std::string text = all_text(reports[0]);
  EXPECT_TRUE(contains(text, "thread 'left'")) << text;
  EXPECT_TRUE(contains(text, "thread 'right'")) << text;
}

// The seed's mirror: a thread that feeds pool tasks through a channel and
// installs on the same pool between its sends. Each consumer here is
// spawned alone, so the install always finds a worker; two consumers of
// a pool of two could fill it.
TEST(HazardsTest, AFeederThatInstallsBetweenItsSends) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    auto items_pair = knot::channel<int>(16, "items");
    auto tx = std::move(items_pair.first);
    auto rx = std::move(items_pair.second);
    knot::this_thread::set_name("feeder");
    for (int phase = 0; phase < 2; ++phase) {
      std::latch done(1);
      pool.spawn([rx, &done]() mutable {
        rx.recv();
        rx.recv();
        done.count_down();
      });
      tx.send(1);
      pool.install([] {});
      tx.send(2);
      done.wait();
    }
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const std::string text = all_text(reports[0]);
  EXPECT_TRUE(contains(text, "thread 'feeder'")) << text;
  EXPECT_TRUE(contains(reports[0].hazard->condition, "channel 'items' is empty"))
      << reports[0].hazard->condition;
}

// ---------------------------------------------------------------------------
// Negatives: programs with no cycle
// ---------------------------------------------------------------------------

// A thread that installs once at start, then feeds consumer tasks: the
// install is not in the loop that sends, so no cycle.
TEST(HazardsTest, AnInstallOnceBeforeFeedingHasNone) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    auto items_pair = knot::channel<int>(16, "items");
    auto tx = std::move(items_pair.first);
    auto rx = std::move(items_pair.second);
    pool.install([] {});
    std::latch done(2);
    for (int c = 0; c < 2; ++c) {
      pool.spawn([rx, &done]() mutable {
        for (int i = 0; i < 5; ++i)
          rx.recv();
        done.count_down();
      });
    }
    for (int i = 0; i < 10; ++i)
      tx.send(i);
    done.wait();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// The same with a latch (lockdep's cross-release problem): a thread that
// installs once at start, then starts tasks that wait for its latch and
// opens it. The install cannot meet the waiting tasks: no cycle.
TEST(HazardsTest, AnInstallOnceBeforeOpeningALatchHasNone) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    pool.install([] {});
    knot::Latch ready(1, "ready");
    std::latch done(4);
    for (int t = 0; t < 4; ++t) {
      pool.spawn([&ready, &done] {
        ready.wait();
        done.count_down();
      });
    }
    ready.count_down();
    done.wait();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// A thread that opens a latch after an install on the pool whose tasks
// wait for that latch, while they wait (lockdep's cross-release case that
// is a hazard): with every worker in such a wait, the install hangs.
TEST(HazardsTest, AnInstallWhileTasksWaitForTheLatchItOpensAfter) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool pool = make_pool("p", 2);
    for (int round = 0; round < 3; ++round) {
      knot::Latch ready(1, "ready");
      std::latch done(1);
      pool.spawn([&ready, &done] {
        ready.wait();
        done.count_down();
      });
      while (!parked_on("ready"))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      pool.install([] {});
      ready.count_down();
      done.wait();
    }
  });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const std::string text = all_text(reports[0]);
  EXPECT_TRUE(contains(text, "latch 'ready'")) << text;
  EXPECT_TRUE(contains(text, "pool 'p'")) << text;
}

TEST(HazardsTest, AOneWayPipelineOfThreadsHasNone) {
  const std::vector<Report> reports = run([] {
    auto c1_tx_and_c1_rx = knot::channel<int>(4, "parsed");
    auto c1_tx = std::move(c1_tx_and_c1_rx.first);
    auto c1_rx = std::move(c1_tx_and_c1_rx.second);
    auto c2_tx_and_c2_rx = knot::channel<int>(4, "scored");
    auto c2_tx = std::move(c2_tx_and_c2_rx.first);
    auto c2_rx = std::move(c2_tx_and_c2_rx.second);
    std::thread source([tx = std::move(c1_tx)]() mutable {
      for (int i = 0; i < 200; ++i)
        tx.send(i);
    });
    std::thread middle([rx = std::move(c1_rx), tx = std::move(c2_tx)]() mutable {
      while (auto v = rx.recv())
        tx.send(*v * 2);
    });
    std::thread sink([rx = std::move(c2_rx)]() mutable {
      while (rx.recv()) {
      }
    });
    source.join();
    middle.join();
    sink.join();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// One pool per stage, each stage's tasks feeding the next stage's channel.
TEST(HazardsTest, AOneWayPipelineOfPoolsHasNone) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool parse = make_pool("parse", 2);
    knot::ThreadPool score = make_pool("score", 2);
    auto c1_tx_and_c1_rx = knot::channel<int>(8, "parsed");
    auto c1_tx = std::move(c1_tx_and_c1_rx.first);
    auto c1_rx = std::move(c1_tx_and_c1_rx.second);
    auto c2_tx_and_c2_rx = knot::channel<int>(8, "scored");
    auto c2_tx = std::move(c2_tx_and_c2_rx.first);
    auto c2_rx = std::move(c2_tx_and_c2_rx.second);
    std::thread sink([rx = std::move(c2_rx)]() mutable {
      while (rx.recv()) {
      }
    });
    std::thread middle([&score, rx = std::move(c1_rx), tx = std::move(c2_tx)]() mutable {
      while (auto v = rx.recv())
        score.install([&] { tx.send(*v); });
    });
    parse.install([&] {
      knot::parallel_for(std::size_t{0}, std::size_t{200},
                         [&](std::size_t i) { c1_tx.send(static_cast<int>(i)); });
    });
    { auto drop = std::move(c1_tx); }
    middle.join();
    sink.join();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// A client and a server thread exchanging requests and replies: the
// messages circulate, one is always on its way, so no cycle of messages
// can hang.
TEST(HazardsTest, RequestsAndRepliesBetweenTwoThreadsHaveNone) {
  const std::vector<Report> reports = run([] {
    auto req_tx_and_req_rx = knot::channel<int>(1, "requests");
    auto req_tx = std::move(req_tx_and_req_rx.first);
    auto req_rx = std::move(req_tx_and_req_rx.second);
    auto rep_tx_and_rep_rx = knot::channel<int>(1, "replies");
    auto rep_tx = std::move(rep_tx_and_rep_rx.first);
    auto rep_rx = std::move(rep_tx_and_rep_rx.second);
    std::thread server([rx = std::move(req_rx), tx = std::move(rep_tx)]() mutable {
      while (auto v = rx.recv())
        tx.send(*v + 1);
    });
    for (int i = 0; i < 100; ++i) {
      req_tx.send(i);
      rep_rx.recv();
    }
    { auto drop = std::move(req_tx); }
    server.join();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// Tasks of one pool send requests to another pool's tasks and wait for
// each reply: every task waits for a reply to the request it sent.
TEST(HazardsTest, RequestsAndRepliesBetweenTwoPoolsHaveNone) {
  const std::vector<Report> reports = run([] {
    knot::ThreadPool clients = make_pool("clients", 2);
    knot::ThreadPool servers = make_pool("servers", 2);
    auto req_tx_and_req_rx = knot::unbounded_channel<int>("requests");
    auto req_tx = std::move(req_tx_and_req_rx.first);
    auto req_rx = std::move(req_tx_and_req_rx.second);
    auto rep_tx_and_rep_rx = knot::unbounded_channel<int>("replies");
    auto rep_tx = std::move(rep_tx_and_rep_rx.first);
    auto rep_rx = std::move(rep_tx_and_rep_rx.second);
    knot::Latch done(16, "done");
    for (int i = 0; i < 8; ++i) {
      servers.spawn([rx = req_rx, tx = rep_tx, &done]() mutable {
        if (auto v = rx.recv())
          tx.send(*v);
        done.count_down();
      });
      clients.spawn([tx = req_tx, rx = rep_rx, &done, i]() mutable {
        tx.send(i);
        rx.recv();
        done.count_down();
      });
    }
    done.wait();
  });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// ---------------------------------------------------------------------------
// Helping: a worker whose join waits for a stolen half runs other tasks of
// its pool meanwhile, on top of the frame that waits (scenario
// self_deadlock). If the frame holds a lock, a task taken up that waits
// for it waits for its own worker.
// ---------------------------------------------------------------------------

// HelpShape: what the joining task does around its join.
struct HelpShape {
  knot::BlockingPolicy policy = knot::BlockingPolicy::kBlock;
  bool isolated = false;  // the join runs inside knot::isolate()
};

// help_seen() is true once the tracker knows that a worker helped while it
// held mutex 'cache' (the edge is recorded after the help is registered).
bool help_seen() {
  for (const auto& [key, e] : knot::instr::hazards::recorded().edges) {
    if (e.awaited.event == knot::instr::hazards::Event::kHelped)
      return true;
  }
  return false;
}

// help_program(): a task of pool 'p' holds mutex 'cache', spawns a task
// that takes it (another worker runs it: it waits for 'cache'), and joins;
// the join's first half is stolen and ends only once the joining worker
// helps and the other task waits for 'cache', both at once. Nothing hangs:
// when the joining worker helps there is no task left to take up. Had the
// other task still been queued, the helper could have taken it up, and
// waited for itself.
void help_program(HelpShape shape) {
  knot::ThreadPool pool = make_pool("p", 3, shape.policy);
  knot::Mutex cache("cache");
  pool.install([&] {
    knot::scope([&](knot::Scope& s) {
      std::unique_lock<knot::Mutex> lock(cache);
      std::atomic<bool> waiter_started{false};
      s.spawn([&](knot::Scope&) {
        waiter_started.store(true);
        std::lock_guard<knot::Mutex> again(cache);
      });
      while (!waiter_started.load())
        std::this_thread::yield();
      std::atomic<bool> stolen{false};
      auto work = [&] {
        knot::join(
            [&] {
              stolen.store(true);
              const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
              while (!(help_seen() && parked_on("cache"))) {
                if (std::chrono::steady_clock::now() > deadline) {
                  ADD_FAILURE() << "the join never helped while the other task waited";
                  return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
              }
            },
            [&] {
              while (!stolen.load())
                std::this_thread::yield();
            });
      };
      if (shape.isolated)
        knot::isolate(work);
      else
        work();
      lock.unlock();
    });
  });
}

TEST(HazardsTest, ALockHeldWhileAJoinHelpsWhereTasksTakeIt) {
  const std::vector<Report> reports = run([] { help_program({}); });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  const Report& r = reports[0];
  expect_well_formed(r);
  ASSERT_EQ(r.hazard->edges.size(), 2u);
  std::set<std::string> bases;
  for (const auto& e : r.hazard->edges)
    bases.insert(e.basis);
  EXPECT_EQ(bases, (std::set<std::string>{"held", "helper"}));
  const std::string text = all_text(r);
  EXPECT_TRUE(contains(text, "mutex 'cache'")) << text;
  EXPECT_TRUE(contains(text, "takes up another task of pool 'p'")) << text;
  EXPECT_TRUE(contains(text, "kFiber on pool 'p'")) << text;
  EXPECT_TRUE(contains(text, "knot::isolate()")) << text;
  // Both sides carry their stacks: where the join helped, where the task
  // waited for the lock.
  for (const auto& e : r.hazard->edges) {
    EXPECT_FALSE(e.wait_stack.empty()) << e.text;
    EXPECT_FALSE(e.responsibility_stack.empty()) << e.text;
  }
}

// kCompensate does not keep a join from helping with tasks of its own root
// task: the same hazard.
TEST(HazardsTest, ALockHeldWhileAJoinHelpsUnderCompensation) {
  const std::vector<Report> reports =
      run([] { help_program({.policy = knot::BlockingPolicy::kCompensate}); });
  ASSERT_EQ(reports.size(), 1u) << describe(reports);
  EXPECT_TRUE(contains(all_text(reports[0]), "takes up another task of pool 'p'"))
      << all_text(reports[0]);
}

// Inside knot::isolate() the helper takes up only the region's own tasks;
// the task that waits for the lock is not one of them.
TEST(HazardsTest, AnIsolatedJoinThatHelpsHasNone) {
  const std::vector<Report> reports = run([] { help_program({.isolated = true}); });
  EXPECT_TRUE(reports.empty()) << describe(reports);
}

// Without the hook nothing is recorded.
TEST(HazardsTest, NothingIsRecordedWhenOff) {
  knot::instr::hazards::reset_for_testing();
  std::thread t([] {
    knot::Mutex a("x");
    knot::Mutex b("y");
    {
      std::lock_guard<knot::Mutex> la(a);
      std::lock_guard<knot::Mutex> lb(b);
    }
    std::lock_guard<knot::Mutex> lb(b);
    std::lock_guard<knot::Mutex> la(a);
  });
  t.join();
  EXPECT_TRUE(knot::instr::potential_deadlocks().empty());
  EXPECT_TRUE(knot::instr::hazards::recorded().edges.empty());
}

}  // namespace
