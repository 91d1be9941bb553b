// StackCapture and capture_current(): busy, parked, exiting and
// signal-blocking threads; the caller itself; options and the signal choice.
//
// Robust on a loaded 2-core machine and under sanitizers: every capture that
// must succeed gets a generous timeout, and no test asserts an upper bound
// on timing. ThreadSanitizer delivers signals only at its own safe points
// (atomic operations, intercepted calls), so a thread parked in an untimed
// futex cannot answer there; the tests accept that case explicitly and
// check the function names wherever a stack was captured.
#include "knot/instrumentation/stack_capture.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/fiber_waits.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/runtime/error.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/thread_pool.h"

namespace knot::testing {
namespace {

using namespace std::chrono_literals;
using instr::CaptureStatus;
using instr::PcKind;
using instr::StackCapture;
using instr::ThreadStack;

#if defined(KNOT_TSAN)
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif

// A timeout for captures that must succeed: answers are usually there
// within milliseconds, but a loaded machine or a sanitizer may take long.
constexpr auto kGenerousTimeout = std::chrono::milliseconds(10'000);

StackCapture::Options generous() {
  StackCapture::Options options;
  options.timeout = kGenerousTimeout;
  return options;
}

// ---------------------------------------------------------------------------
// Functions the captured stacks must show. Not inlined, and each does
// something after its call so that no tail call hides its frame.

[[gnu::noinline]] void knot_test_busy_spin(const std::atomic<bool>& stop) {
  // Each load is also where TSan delivers a pending signal.
  while (!stop.load(std::memory_order_relaxed)) {
  }
  asm volatile("" ::: "memory");
}

[[gnu::noinline]] void knot_test_parked(Latch& latch) {
  latch.wait();
  asm volatile("" ::: "memory");
}

[[gnu::noinline]] void knot_test_parked_timed(Latch& latch) {
  const bool opened = latch.wait_for(std::chrono::minutes(5));
  asm volatile("" ::: "memory");
  EXPECT_TRUE(opened);
}

[[gnu::noinline]] std::size_t knot_test_capture_here(std::uintptr_t* pcs, std::size_t max,
                                                     std::size_t skip) {
  const std::size_t n = instr::capture_current(pcs, max, skip);
  asm volatile("" ::: "memory");
  return n;
}

[[gnu::noinline]] void knot_test_self_capturing(const std::atomic<bool>& stop,
                                                std::atomic<long>& captures) {
  std::uintptr_t pcs[64];
  while (!stop.load(std::memory_order_relaxed)) {
    if (instr::capture_current(pcs, 64) > 0)
      captures.fetch_add(1, std::memory_order_relaxed);
  }
  asm volatile("" ::: "memory");
}

// ---------------------------------------------------------------------------
// Helpers

// Threads runs `body` on n threads and knows their Linux tids.
class Threads {
 public:
  Threads(int n, const std::function<void(int)>& body) : tids_(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, i, body] {
        tids_[static_cast<std::size_t>(i)] = gettid();
        started_.fetch_add(1, std::memory_order_release);
        body(i);
      });
    }
    while (started_.load(std::memory_order_acquire) != n)
      std::this_thread::sleep_for(1ms);
  }
  ~Threads() { join(); }
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;

  void join() {
    for (auto& t : threads_) {
      if (t.joinable())
        t.join();
    }
  }
  const std::vector<std::int64_t>& tids() const { return tids_; }

 private:
  std::vector<std::int64_t> tids_;
  std::atomic<int> started_{0};
  std::vector<std::thread> threads_;
};

// thread_state() is the one-letter state of a thread of this process
// ('R', 'S', ...) from /proc, or '?' if it is gone.
char thread_state(std::int64_t tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  char buffer[512] = {};
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return '?';
  const ssize_t size = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  const std::string_view text(buffer, size > 0 ? static_cast<std::size_t>(size) : 0);
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() ? text[paren + 2] : '?';
}

// wait_until_sleeping() waits until every thread sleeps in the kernel.
void wait_until_sleeping(const std::vector<std::int64_t>& tids) {
  for (std::int64_t tid : tids) {
    while (thread_state(tid) != 'S')
      std::this_thread::sleep_for(1ms);
  }
}

std::string describe(const std::vector<instr::Frame>& frames) {
  std::ostringstream out;
  for (const auto& f : frames) {
    out << "  " << std::hex << f.pc << std::dec << " " << f.function << " (" << f.module << ")"
        << (f.is_knot ? " [knot]" : "") << "\n";
  }
  return out.str();
}

// has_function() is true if a symbolized frame's function contains `name`.
bool has_function(const std::vector<instr::Frame>& frames, std::string_view name) {
  for (const auto& f : frames) {
    if (f.function.find(name) != std::string::npos)
      return true;
  }
  return false;
}

std::vector<instr::Frame> symbolize(instr::Symbolizer& symbolizer, const ThreadStack& stack) {
  return symbolizer.symbolize(stack.pcs, stack.first_pc);
}

// ---------------------------------------------------------------------------
// capture_current()

// capture_current() from a function starts at that function; skip drops it.
TEST(CaptureCurrentTest, ContainsTheCallingFunction) {
  std::uintptr_t pcs[64];
  instr::Symbolizer symbolizer;

  std::size_t n = knot_test_capture_here(pcs, 64, 0);
  ASSERT_GT(n, 2u);
  auto frames = symbolizer.symbolize(std::span(pcs, n));
  EXPECT_NE(frames[0].function.find("knot_test_capture_here"), std::string::npos)
      << describe(frames);
  EXPECT_TRUE(has_function(frames, "CaptureCurrentTest_ContainsTheCallingFunction_Test::TestBody"))
      << describe(frames);

  n = knot_test_capture_here(pcs, 64, 1);
  ASSERT_GT(n, 1u);
  frames = symbolizer.symbolize(std::span(pcs, n));
  EXPECT_FALSE(has_function(frames, "knot_test_capture_here")) << describe(frames);
  EXPECT_NE(frames[0].function.find("CaptureCurrentTest_ContainsTheCallingFunction_Test::TestBody"),
            std::string::npos)
      << describe(frames);
}

// capture_current() honours max and rejects empty buffers.
TEST(CaptureCurrentTest, HonoursMax) {
  std::uintptr_t pcs[64] = {};
  EXPECT_EQ(knot_test_capture_here(pcs, 2, 0), 2u);
  EXPECT_NE(pcs[0], 0u);
  EXPECT_EQ(pcs[2], 0u);
  EXPECT_EQ(instr::capture_current(pcs, 0), 0u);
  EXPECT_EQ(instr::capture_current(nullptr, 8), 0u);
  EXPECT_EQ(instr::capture_current(pcs, 8, instr::kMaxStackFrames), 0u);
}

// ---------------------------------------------------------------------------
// Signal capture

// Busy threads answer and their stacks show the function they spin in.
TEST(StackCaptureTest, BusyThreadsShowTheirFunction) {
  Deadline d(std::chrono::seconds(60));
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  Threads busy(kThreads, [&](int) { knot_test_busy_spin(stop); });
  StackCapture capture(generous());
  instr::Symbolizer symbolizer;

  const auto stacks = capture.capture(busy.tids());
  ASSERT_EQ(stacks.size(), static_cast<std::size_t>(kThreads));
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    const ThreadStack& s = stacks[i];
    EXPECT_EQ(s.tid, busy.tids()[i]);
    ASSERT_EQ(s.status, CaptureStatus::kCaptured) << to_string(s.status);
    ASSERT_FALSE(s.pcs.empty());
    const auto frames = symbolize(symbolizer, s);
    EXPECT_TRUE(has_function(frames, "knot_test_busy_spin")) << describe(frames);
    if (!kTsan) {
      // The kernel ran the handler on the spinning thread: the first pc is
      // the interrupted instruction, inside the spin loop (or, unoptimised,
      // inside the std::atomic helpers it calls).
      EXPECT_EQ(s.first_pc, PcKind::kExact);
      const std::size_t near = std::min<std::size_t>(4, frames.size());
      const std::vector<instr::Frame> innermost(frames.begin(), frames.begin() + near);
      EXPECT_TRUE(has_function(innermost, "knot_test_busy_spin")) << describe(frames);
    }
  }
  stop = true;
}

// A worker of a kFiber pool runs its task on a fiber: the signal handler
// runs on the fiber's stack, and the walk shows the task's function and
// ends at the fiber's entry, without running into the worker's own stack.
TEST(StackCaptureTest, BusyFiberTaskShowsItsFunctionAndEndsAtTheFiberEntry) {
  Deadline d(std::chrono::seconds(60));
  knot::ThreadPool pool(knot::testing::fiber_pool_options(1, "fcap"));
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> tid{0};
  Latch done(1, "done");
  pool.spawn([&] {
    tid = gettid();
    knot_test_busy_spin(stop);
    done.count_down();
  });
  while (tid.load() == 0)
    std::this_thread::yield();
  StackCapture capture(generous());
  instr::Symbolizer symbolizer;
  const std::int64_t target = tid.load();
  const auto stacks = capture.capture(std::span(&target, 1));
  ASSERT_EQ(stacks.size(), 1u);
  ASSERT_EQ(stacks[0].status, CaptureStatus::kCaptured) << to_string(stacks[0].status);
  const auto frames = symbolize(symbolizer, stacks[0]);
  EXPECT_TRUE(has_function(frames, "knot_test_busy_spin")) << describe(frames);
  EXPECT_TRUE(has_function(frames, "Fiber::entry")) << describe(frames);
  EXPECT_FALSE(has_function(frames, "Worker::main")) << describe(frames);
  stop = true;
  done.wait();
}

// Threads parked in Latch::wait() show it, and their own function, in their
// stacks. Under TSan a thread parked in an untimed futex may not answer.
TEST(StackCaptureTest, ParkedThreadsShowLatchWait) {
  Deadline d(std::chrono::seconds(60));
  constexpr int kThreads = 4;
  Latch latch(1, "parked-test");
  Threads parked(kThreads, [&](int) { knot_test_parked(latch); });
  wait_until_sleeping(parked.tids());
  StackCapture::Options options = generous();
  if (kTsan)
    options.timeout = 500ms;  // TSan cannot deliver while the futex sleeps
  StackCapture capture(options);
  instr::Symbolizer symbolizer;

  const auto stacks = capture.capture(parked.tids());
  int captured = 0;
  for (const ThreadStack& s : stacks) {
    if (kTsan && s.status == CaptureStatus::kUnresponsive)
      continue;
    ASSERT_EQ(s.status, CaptureStatus::kCaptured) << to_string(s.status);
    ++captured;
    const auto frames = symbolize(symbolizer, s);
    EXPECT_TRUE(has_function(frames, "knot::Latch::wait")) << describe(frames);
    EXPECT_TRUE(has_function(frames, "knot_test_parked")) << describe(frames);
  }
  if (!kTsan) {
    EXPECT_EQ(captured, kThreads);
  }
  latch.count_down();
}

// Threads in a timed Latch wait answer in every build (TSan included: the
// timed futex returns EINTR and the wait loop's next atomic operation runs
// the handler), and their stacks show the wait.
TEST(StackCaptureTest, TimedWaitersAnswerEverywhere) {
  Deadline d(std::chrono::seconds(60));
  constexpr int kThreads = 4;
  Latch latch(1, "timed-test");
  Threads parked(kThreads, [&](int) { knot_test_parked_timed(latch); });
  wait_until_sleeping(parked.tids());
  StackCapture capture(generous());
  instr::Symbolizer symbolizer;

  const auto stacks = capture.capture(parked.tids());
  for (const ThreadStack& s : stacks) {
    ASSERT_EQ(s.status, CaptureStatus::kCaptured) << to_string(s.status);
    const auto frames = symbolize(symbolizer, s);
    EXPECT_TRUE(has_function(frames, "knot::Latch::wait")) << describe(frames);
    EXPECT_TRUE(has_function(frames, "knot_test_parked_timed")) << describe(frames);
    bool any_knot = false;
    for (const auto& f : frames)
      any_knot = any_knot || f.is_knot;
    EXPECT_TRUE(any_knot) << describe(frames);
  }
  latch.count_down();
}

// The calling thread captures itself directly.
TEST(StackCaptureTest, CallerCapturesItself) {
  StackCapture capture;
  instr::Symbolizer symbolizer;
  const std::int64_t self = gettid();
  const auto stacks = capture.capture(std::span(&self, 1));
  ASSERT_EQ(stacks.size(), 1u);
  ASSERT_EQ(stacks[0].status, CaptureStatus::kCaptured);
  EXPECT_EQ(stacks[0].first_pc, PcKind::kReturnAddress);
  const auto frames = symbolize(symbolizer, stacks[0]);
  EXPECT_TRUE(has_function(frames, "StackCaptureTest_CallerCapturesItself_Test::TestBody"))
      << describe(frames);
}

// A thread that blocks the signal is reported unresponsive after the
// timeout, without holding up the others; it is not signalled again while
// it holds the first signal; once it unblocks, the late answer is dropped
// and later captures see it again.
TEST(StackCaptureTest, SignalBlockingThreadIsUnresponsive) {
  Deadline d(std::chrono::seconds(60));
  StackCapture::Options options;
  options.timeout = 300ms;
  StackCapture capture(options);
  const int sig = capture.options().signal;
  instr::Symbolizer symbolizer;

  std::atomic<bool> blocked{false};
  std::atomic<bool> unblock{false};
  std::atomic<bool> stop{false};
  Threads blocker(1, [&](int) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    blocked = true;
    while (!unblock.load())
      std::this_thread::sleep_for(1ms);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    knot_test_busy_spin(stop);
  });
  Threads busy(1, [&](int) { knot_test_busy_spin(stop); });
  while (!blocked.load())
    std::this_thread::sleep_for(1ms);

  const std::vector<std::int64_t> tids = {blocker.tids()[0], busy.tids()[0]};
  const auto start = std::chrono::steady_clock::now();
  auto stacks = capture.capture(tids);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(stacks[0].status, CaptureStatus::kUnresponsive) << to_string(stacks[0].status);
  EXPECT_TRUE(stacks[0].pcs.empty());
  EXPECT_GE(elapsed, options.timeout);
  // The busy thread answered despite the silent one (300 ms is plenty for
  // it almost always; accept a miss on a badly overloaded machine).
  if (stacks[1].status == CaptureStatus::kCaptured) {
    EXPECT_TRUE(has_function(symbolize(symbolizer, stacks[1]), "knot_test_busy_spin"));
  }

  // Still holding the first signal: reported at once, not signalled again.
  stacks = capture.capture(std::span(tids.data(), 1));
  EXPECT_EQ(stacks[0].status, CaptureStatus::kUnresponsive);

  // Unblocked, it takes the stale signal (ignored) and answers new ones.
  unblock = true;
  StackCapture patient(generous());
  bool seen = false;
  while (!seen) {
    stacks = patient.capture(tids);
    ASSERT_NE(stacks[0].status, CaptureStatus::kExited);
    ASSERT_NE(stacks[1].status, CaptureStatus::kExited);
    if (stacks[0].status == CaptureStatus::kCaptured) {
      const auto frames = symbolize(symbolizer, stacks[0]);
      // Before it reaches the spin it may still be in pthread_sigmask.
      seen = has_function(frames, "knot_test_busy_spin");
    }
    if (stacks[1].status == CaptureStatus::kCaptured) {
      EXPECT_TRUE(has_function(symbolize(symbolizer, stacks[1]), "knot_test_busy_spin"));
    }
    if (!seen)
      std::this_thread::sleep_for(5ms);
  }
  stop = true;
}

// Threads that unwind themselves (capture_current(), as the wait recorder
// does when a thread parks) while they are signalled: the handler must not
// re-enter libunwind's per-thread fast-trace cache, and both captures work.
TEST(StackCaptureTest, SignalledWhileCapturingItself) {
  Deadline d(std::chrono::seconds(60));
  std::atomic<bool> stop{false};
  std::atomic<long> self_captures{0};
  Threads busy(2, [&](int) { knot_test_self_capturing(stop, self_captures); });
  StackCapture capture(generous());
  instr::Symbolizer symbolizer;
  int inside_libunwind = 0;
  const int rounds = stress_scale(200);
  for (int round = 0; round < rounds; ++round) {
    for (const ThreadStack& s : capture.capture(busy.tids())) {
      ASSERT_EQ(s.status, CaptureStatus::kCaptured) << to_string(s.status);
      const auto frames = symbolize(symbolizer, s);
      ASSERT_TRUE(has_function(frames, "knot_test_self_capturing")) << describe(frames);
      inside_libunwind += frames[0].module.find("libunwind") != std::string::npos;
    }
  }
  stop = true;
  busy.join();
  EXPECT_GT(self_captures.load(), 0);
  // Most signals land inside unw_backtrace, which the thread runs nearly all
  // the time (TSan only delivers them at its own safe points, outside it).
  if (!kTsan) {
    EXPECT_GT(inside_libunwind, 0);
  }
}

// Threads that exit before or during a capture are reported exited; threads
// started and joined in a loop while capturing never crash or hang it.
TEST(StackCaptureTest, ThreadsExitingDuringCapture) {
  Deadline d(std::chrono::seconds(60));
  std::atomic<bool> stop{false};
  Threads busy(2, [&](int) { knot_test_busy_spin(stop); });

  std::mutex mutex;
  std::vector<std::int64_t> recent;  // guarded by mutex: the last tids started
  std::vector<std::int64_t> joined;  // guarded by mutex: tids already joined
  std::atomic<bool> stop_churn{false};
  std::thread churn([&] {
    std::minstd_rand random(42);
    while (!stop_churn.load()) {
      std::atomic<std::int64_t> tid{0};
      const auto life = std::chrono::microseconds(random() % 500);
      std::thread t([&] {
        tid = gettid();
        // Live for a short, varying time: some exit while signalled.
        const auto until = std::chrono::steady_clock::now() + life;
        while (std::chrono::steady_clock::now() < until && !stop_churn.load()) {
        }
      });
      while (tid.load() == 0)
        std::this_thread::yield();
      {
        std::lock_guard<std::mutex> lock(mutex);
        recent.push_back(tid.load());
        if (recent.size() > 16)
          recent.erase(recent.begin());
      }
      t.join();
      std::lock_guard<std::mutex> lock(mutex);
      joined.push_back(tid.load());
    }
  });

  StackCapture capture(generous());
  instr::Symbolizer symbolizer;
  const int rounds = stress_scale(400);
  const auto end = std::chrono::steady_clock::now() + 3s;
  int exited = 0;
  for (int round = 0; round < rounds && std::chrono::steady_clock::now() < end; ++round) {
    std::vector<std::int64_t> tids = busy.tids();
    std::vector<std::int64_t> gone;
    {
      std::lock_guard<std::mutex> lock(mutex);
      tids.insert(tids.end(), recent.begin(), recent.end());
      gone = joined;
    }
    const auto stacks = capture.capture(tids);
    ASSERT_EQ(stacks.size(), tids.size());
    for (std::size_t i = 0; i < stacks.size(); ++i) {
      const ThreadStack& s = stacks[i];
      if (i < 2) {
        ASSERT_EQ(s.status, CaptureStatus::kCaptured) << to_string(s.status);
        EXPECT_TRUE(has_function(symbolize(symbolizer, s), "knot_test_busy_spin"));
        continue;
      }
      // A short-lived thread answers or is gone; it never stays silent
      // through a 10 s timeout, and a joined one is always gone.
      ASSERT_TRUE(s.status == CaptureStatus::kCaptured || s.status == CaptureStatus::kExited)
          << to_string(s.status);
      if (std::find(gone.begin(), gone.end(), s.tid) != gone.end()) {
        EXPECT_EQ(s.status, CaptureStatus::kExited);
        EXPECT_TRUE(s.pcs.empty());
      }
      exited += s.status == CaptureStatus::kExited;
    }
  }
  stop_churn = true;
  churn.join();
  stop = true;
  EXPECT_GT(exited, 0);
}

// Invalid, duplicate and surplus tids, a thread long gone, and a tid that
// is not a thread of this process.
TEST(StackCaptureTest, SkippedDuplicateAndForeignTids) {
  Deadline d(std::chrono::seconds(60));
  std::atomic<bool> stop{false};
  Threads busy(3, [&](int) { knot_test_busy_spin(stop); });
  std::int64_t gone_tid = 0;
  std::thread([&] { gone_tid = gettid(); }).join();

  StackCapture::Options options = generous();
  options.max_threads = 4;
  StackCapture capture(options);
  const std::vector<std::int64_t> tids = {0,
                                          -7,
                                          busy.tids()[0],
                                          busy.tids()[0],
                                          gone_tid,
                                          static_cast<std::int64_t>(getppid()),
                                          busy.tids()[1],
                                          busy.tids()[2]};
  const auto stacks = capture.capture(tids);
  ASSERT_EQ(stacks.size(), tids.size());
  EXPECT_EQ(stacks[0].status, CaptureStatus::kSkipped);
  EXPECT_EQ(stacks[1].status, CaptureStatus::kSkipped);
  EXPECT_EQ(stacks[2].status, CaptureStatus::kCaptured);
  EXPECT_EQ(stacks[3].status, CaptureStatus::kCaptured);  // the duplicate shares the answer
  EXPECT_EQ(stacks[3].pcs, stacks[2].pcs);
  EXPECT_EQ(stacks[4].status, CaptureStatus::kExited);
  EXPECT_EQ(stacks[5].status, CaptureStatus::kExited);  // not in our thread group
  EXPECT_EQ(stacks[6].status, CaptureStatus::kCaptured);
  EXPECT_EQ(stacks[7].status, CaptureStatus::kSkipped);  // past max_threads = 4
  for (std::size_t i = 0; i < stacks.size(); ++i)
    EXPECT_EQ(stacks[i].tid, tids[i]);
  stop = true;
}

// max_frames bounds every stack.
TEST(StackCaptureTest, MaxFramesBoundsTheStack) {
  Deadline d(std::chrono::seconds(60));
  std::atomic<bool> stop{false};
  Threads busy(1, [&](int) { knot_test_busy_spin(stop); });
  StackCapture::Options options = generous();
  options.max_frames = 3;
  StackCapture capture(options);
  const auto stacks = capture.capture(busy.tids());
  ASSERT_EQ(stacks[0].status, CaptureStatus::kCaptured);
  EXPECT_GE(stacks[0].pcs.size(), 1u);
  EXPECT_LE(stacks[0].pcs.size(), 3u);
  stop = true;
}

// The handler preserves errno of the thread it interrupts.
TEST(StackCaptureTest, HandlerPreservesErrno) {
  Deadline d(std::chrono::seconds(60));
  std::atomic<bool> stop{false};
  std::atomic<int> errno_after{0};
  Threads busy(1, [&](int) {
    errno = 4242;
    knot_test_busy_spin(stop);
    errno_after = errno;
  });
  StackCapture capture(generous());
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(capture.capture(busy.tids())[0].status, CaptureStatus::kCaptured);
  stop = true;
  busy.join();
  EXPECT_EQ(errno_after.load(), 4242);
}

// Captures from several threads at once serialize and all succeed.
TEST(StackCaptureTest, ConcurrentCapturesSerialize) {
  Deadline d(std::chrono::seconds(60));
  std::atomic<bool> stop{false};
  Threads busy(4, [&](int) { knot_test_busy_spin(stop); });
  StackCapture capture(generous());
  const int rounds = stress_scale(50);
  std::atomic<int> failures{0};
  Threads capturers(2, [&](int) {
    instr::Symbolizer symbolizer;
    for (int i = 0; i < rounds; ++i) {
      for (const ThreadStack& s : capture.capture(busy.tids())) {
        if (s.status != CaptureStatus::kCaptured ||
            !has_function(symbolize(symbolizer, s), "knot_test_busy_spin"))
          failures++;
      }
    }
  });
  capturers.join();
  stop = true;
  EXPECT_EQ(failures.load(), 0);
}

// Mixed busy, timed-parked and short-lived threads, captured over and over:
// every stack that is captured shows its thread's function.
TEST(StackCaptureTest, StressMixedThreads) {
  Deadline d(std::chrono::seconds(60));
  constexpr int kEach = 8;
  std::atomic<bool> stop{false};
  Latch latch(1, "stress");
  Threads busy(kEach, [&](int) { knot_test_busy_spin(stop); });
  Threads parked(kEach, [&](int) { knot_test_parked_timed(latch); });
  wait_until_sleeping(parked.tids());
  std::vector<std::int64_t> tids = busy.tids();
  tids.insert(tids.end(), parked.tids().begin(), parked.tids().end());

  StackCapture capture(generous());
  instr::Symbolizer symbolizer;
  const int rounds = stress_scale(40);
  for (int round = 0; round < rounds; ++round) {
    const auto stacks = capture.capture(tids);
    for (std::size_t i = 0; i < stacks.size(); ++i) {
      ASSERT_EQ(stacks[i].status, CaptureStatus::kCaptured) << to_string(stacks[i].status);
      const auto frames = symbolize(symbolizer, stacks[i]);
      const char* expected = i < kEach ? "knot_test_busy_spin" : "knot_test_parked_timed";
      ASSERT_TRUE(has_function(frames, expected)) << describe(frames);
    }
  }
  stop = true;
  latch.count_down();
}

// ---------------------------------------------------------------------------
// Options, the signal, and the process around it

// Out-of-range options and non-real-time signals are refused.
TEST(StackCaptureOptionsTest, InvalidOptionsThrow) {
  auto make = [](auto edit) {
    StackCapture::Options options;
    edit(options);
    StackCapture capture(options);
  };
  EXPECT_THROW(make([](auto& o) { o.max_frames = 0; }), knot::Error);
  EXPECT_THROW(make([](auto& o) { o.max_frames = instr::kMaxStackFrames + 1; }), knot::Error);
  EXPECT_THROW(make([](auto& o) { o.max_threads = 0; }), knot::Error);
  EXPECT_THROW(make([](auto& o) { o.max_threads = instr::kMaxCaptureThreads + 1; }), knot::Error);
  EXPECT_THROW(make([](auto& o) { o.timeout = std::chrono::milliseconds(-1); }), knot::Error);
  EXPECT_THROW(make([](auto& o) { o.signal = SIGUSR1; }), knot::Error);
}

// KNOT_STACK_SIGNAL chooses the default signal; an explicit one wins; a
// second signal while another is in use is refused.
TEST(StackCaptureOptionsTest, SignalFromEnvironment) {
  struct EnvGuard {
    ~EnvGuard() { unsetenv("KNOT_STACK_SIGNAL"); }
  } guard;
  unsetenv("KNOT_STACK_SIGNAL");
  EXPECT_EQ(StackCapture().options().signal, SIGRTMIN + 3);
  setenv("KNOT_STACK_SIGNAL", "SIGRTMIN+5", 1);
  EXPECT_EQ(StackCapture().options().signal, SIGRTMIN + 5);
  setenv("KNOT_STACK_SIGNAL", "RTMAX-1", 1);
  EXPECT_EQ(StackCapture().options().signal, SIGRTMAX - 1);
  setenv("KNOT_STACK_SIGNAL", std::to_string(SIGRTMIN + 2).c_str(), 1);
  EXPECT_EQ(StackCapture().options().signal, SIGRTMIN + 2);
  StackCapture::Options explicit_signal;
  explicit_signal.signal = SIGRTMIN + 4;
  EXPECT_EQ(StackCapture(explicit_signal).options().signal, SIGRTMIN + 4);
  setenv("KNOT_STACK_SIGNAL", "SIGUSR1", 1);
  EXPECT_THROW(StackCapture(), knot::Error);
  setenv("KNOT_STACK_SIGNAL", "bogus", 1);
  EXPECT_THROW(StackCapture(), knot::Error);
  unsetenv("KNOT_STACK_SIGNAL");

  StackCapture first(explicit_signal);
  StackCapture::Options other;
  other.signal = SIGRTMIN + 6;
  EXPECT_THROW(StackCapture{other}, knot::Error);
  StackCapture same(explicit_signal);  // the same signal may be shared
  EXPECT_EQ(same.options().signal, first.options().signal);
}

// The last StackCapture restores the previous action, and a foreign signal
// that reaches our handler is passed on to it.
TEST(StackCaptureOptionsTest, RestoresAndChainsThePreviousAction) {
  static std::atomic<int> foreign;
  foreign = 0;
  const int sig = SIGRTMIN + 7;
  struct sigaction mine {};
  mine.sa_handler = [](int) { foreign++; };
  sigemptyset(&mine.sa_mask);
  struct sigaction before {};
  ASSERT_EQ(sigaction(sig, &mine, &before), 0);
  {
    StackCapture::Options options;
    options.signal = sig;
    StackCapture capture(options);
    struct sigaction now {};
    sigaction(sig, nullptr, &now);
    EXPECT_NE(now.sa_handler, mine.sa_handler);
    raise(sig);  // SI_TKILL, not ours: chained
    EXPECT_EQ(foreign.load(), 1);
  }
  struct sigaction after {};
  sigaction(sig, nullptr, &after);
  EXPECT_EQ(after.sa_handler, mine.sa_handler);
  sigaction(sig, &before, nullptr);
}

// Linking libunwind must not move C++ exceptions onto its unwinder: the
// symbol lookup order puts libgcc_s before libunwind.so.8, and the exception
// entry point does not resolve into libunwind (ASan interposes its own, which
// forwards to the next definition in that order).
TEST(StackCaptureOptionsTest, ExceptionsStayOnTheToolchainUnwinder) {
  std::vector<std::string> objects;  // in load order, which is lookup order
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        static_cast<std::vector<std::string>*>(data)->emplace_back(info->dlpi_name);
        return 0;
      },
      &objects);
  auto position = [&](std::string_view name) {
    for (std::size_t i = 0; i < objects.size(); ++i) {
      if (objects[i].find(name) != std::string::npos)
        return i;
    }
    return objects.size();
  };
  ASSERT_LT(position("libunwind.so"), objects.size());
  EXPECT_LT(position("libgcc_s.so"), position("libunwind.so"));

  void* raise_exception = dlsym(RTLD_DEFAULT, "_Unwind_RaiseException");
  ASSERT_NE(raise_exception, nullptr);
  Dl_info info{};
  ASSERT_NE(dladdr(raise_exception, &info), 0);
  EXPECT_EQ(std::string_view(info.dli_fname).find("libunwind"), std::string_view::npos)
      << info.dli_fname;
  EXPECT_THROW(throw std::runtime_error("still works"), std::runtime_error);
}

}  // namespace
}  // namespace knot::testing
