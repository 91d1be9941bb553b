// The collector: installs the capture handler for its users, arms slots,
// signals threads and waits for their answers with a deadline. Read
// README.md ("The capture protocol") first; the [Sn] tags point there.
#include "capture_collector.h"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "knot/base/check.h"
#include "knot/base/internal_mutex.h"
#include "knot/runtime/error.h"
#include "signal_unwinder.h"

namespace knot::instr::detail {
namespace {

using Clock = std::chrono::steady_clock;

// futex_wait_for() sleeps while `word` holds `expected`, for at most
// `timeout`; it may return early (callers look again).
void futex_wait_for(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                    std::chrono::nanoseconds timeout) noexcept {
  const auto ns = std::max<std::int64_t>(timeout.count(), 0);
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  // EINTR, EAGAIN (the word changed) and ETIMEDOUT all mean: look again.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &ts,
          nullptr, 0);
}

// ---------------------------------------------------------------------------
// Collector state (capture lock only)

struct Collector {
  // Serializes captures, installation and removal of the handler.
  knot::base::InternalMutex lock;
  // The signal of the live StackCaptures, and how many there are.
  int active_signal KNOT_GUARDED_BY(lock) = 0;
  int users KNOT_GUARDED_BY(lock) = 0;
  // Whether our handler is installed on a signal, and the action it replaced.
  bool installed[kNumSignals] KNOT_GUARDED_BY(lock) = {};
  struct sigaction saved[kNumSignals] KNOT_GUARDED_BY(lock) = {};
  // The next capture's generation; never 0, never reused [S1].
  std::uint64_t next_generation KNOT_GUARDED_BY(lock) = 1;
  // Where the search for a free slot starts.
  std::size_t next_slot KNOT_GUARDED_BY(lock) = 0;
};

// collector() lives for the whole process: a StackCapture destroyed during
// static destruction still finds it.
Collector& collector() {
  static Collector* const c = new Collector;
  return *c;
}

bool thread_exists(pid_t pid, std::int64_t tid) noexcept {
  // Signal 0 checks existence (and membership of our thread group) only.
  return syscall(SYS_tgkill, pid, static_cast<pid_t>(tid), 0) == 0 || errno != ESRCH;
}

// send() queues `sig` with `value` to thread `tid`; returns 0 or an errno.
int send(pid_t pid, std::int64_t tid, int sig, std::uintptr_t value) noexcept {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_code = SI_QUEUE;
  info.si_pid = pid;
  info.si_uid = getuid();
  info.si_value.sival_ptr = reinterpret_cast<void*>(value);
  if (syscall(SYS_rt_tgsigqueueinfo, pid, static_cast<pid_t>(tid), sig, &info) == 0)
    return 0;
  return errno;
}

// sweep() ends the quarantine of cancelled slots whose thread is gone [S3],
// and says whether any slot is still cancelled or being written.
bool sweep(Arena& arena, pid_t pid) {
  bool outstanding = false;
  for (Slot& slot : arena.slots) {
    std::uint64_t state = slot.state.load(std::memory_order_acquire);
    if (phase_of(state) == Phase::kCancelled && !thread_exists(pid, slot.tid))
      slot.state.compare_exchange_strong(state, pack(0, Phase::kFree), std::memory_order_relaxed);
    const Phase phase = phase_of(slot.state.load(std::memory_order_acquire));
    outstanding = outstanding || phase == Phase::kCancelled || phase == Phase::kWriting;
  }
  return outstanding;
}

// One signalled thread of a capture.
struct Pending {
  std::size_t out;   // index into the result
  std::size_t slot;  // index into the arena
  bool resolved = false;
};

void take_frames(Arena& arena, std::size_t index, std::uint64_t generation, ThreadStack& out) {
  Slot& slot = arena.slots[index];
  void** frames = arena.frames_of(index);
  out.pcs.resize(slot.num_pcs);
  for (std::size_t i = 0; i < out.pcs.size(); ++i)
    out.pcs[i] = reinterpret_cast<std::uintptr_t>(frames[i]);
  out.first_pc = slot.first_exact ? PcKind::kExact : PcKind::kReturnAddress;
  out.status = CaptureStatus::kCaptured;
  slot.state.store(pack(generation, Phase::kFree), std::memory_order_relaxed);
}

// How often a waiting collector checks whether silent threads still exist
// [S3], and how long it waits past the deadline for handlers that already
// claimed their slot [S2].
constexpr auto kExitPollInterval = std::chrono::milliseconds(5);
constexpr auto kWritingGrace = std::chrono::milliseconds(100);

}  // namespace

// ---------------------------------------------------------------------------
// Installation

void acquire_signal(int signal) {
  Collector& c = collector();
  knot::base::InternalLock guard(c.lock);
  if (signal <= 0 || signal >= kNumSignals)
    throw Error(Errc::kInvalidOption, "stack capture: signal " + std::to_string(signal) +
                                          " is not a valid signal number");
  if (c.users > 0 && c.active_signal != signal) {
    throw Error(Errc::kInvalidOption, "stack capture: signal " + std::to_string(signal) +
                                          " requested while signal " +
                                          std::to_string(c.active_signal) + " is in use");
  }
  if (g_arena.load(std::memory_order_acquire) == nullptr)
    g_arena.store(new Arena, std::memory_order_release);
  // [S8] libunwind's one-time initialisation (a pthread_once, its key)
  // happens here rather than in the first handler.
  std::uintptr_t warm[4];
  capture_current(warm, 4);

  if (!c.installed[signal]) {
    c.saved[signal] = install_handler(signal);
    c.installed[signal] = true;
  }
  c.active_signal = signal;
  ++c.users;
}

void release_signal() noexcept {
  Collector& c = collector();
  knot::base::InternalLock guard(c.lock);
  KNOT_CHECK(c.users > 0, "stack capture: release without acquire");
  if (--c.users > 0)
    return;
  const int signal = c.active_signal;
  c.active_signal = 0;
  Arena* arena = g_arena.load(std::memory_order_acquire);
  // [S6] A thread that still holds one of our signals must find our handler
  // (the default action of a real-time signal kills the process).
  if (arena != nullptr && sweep(*arena, getpid()))
    return;
  if (c.installed[signal]) {
    sigaction(signal, &c.saved[signal], nullptr);
    c.installed[signal] = false;
  }
}

// ---------------------------------------------------------------------------
// The collector

void capture_threads(const CaptureParams& params, std::span<const std::int64_t> tids,
                     std::span<ThreadStack> out) {
  KNOT_CHECK(out.size() == tids.size(), "capture_threads: %zu results for %zu tids", out.size(),
             tids.size());
  Collector& c = collector();
  knot::base::InternalLock guard(c.lock);
  Arena* arena = g_arena.load(std::memory_order_acquire);
  KNOT_CHECK(arena != nullptr && c.users > 0, "capture_threads without a StackCapture");

  const pid_t pid = getpid();
  const auto self = static_cast<std::int64_t>(gettid());
  g_pid.store(pid, std::memory_order_relaxed);
  const std::uint64_t generation = c.next_generation++;
  const auto max_threads = std::min(params.max_threads, kMaxCaptureThreads);
  const auto max_frames = std::min(params.max_frames, kMaxStackFrames);

  // [S4] Threads that still hold an earlier signal of ours.
  std::vector<std::int64_t> quarantined;
  if (sweep(*arena, pid)) {
    for (Slot& slot : arena->slots) {
      if (phase_of(slot.state.load(std::memory_order_acquire)) == Phase::kCancelled &&
          slot.signal == params.signal)
        quarantined.push_back(slot.tid);
    }
  }

  // Everything the capture allocates is allocated here, before the first
  // signal: an exception between arming a slot and settling it would leave
  // the slot armed for good [S12]. A tid listed twice is signalled once and
  // its result copied at the end [S5]: first_of[i] is its first position.
  std::vector<std::size_t> first_of(tids.size());
  {
    std::vector<std::size_t> order(tids.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return tids[a] < tids[b]; });
    for (std::size_t k = 0; k < order.size(); ++k) {
      const bool repeat = k > 0 && tids[order[k]] == tids[order[k - 1]];
      first_of[order[k]] = repeat ? first_of[order[k - 1]] : order[k];
    }
  }
  for (ThreadStack& result : out)
    result.pcs.reserve(max_frames);
  std::vector<Pending> pending;
  pending.reserve(tids.size());
  std::vector<Pending*> writing;
  writing.reserve(tids.size());

  // Arm a slot and send the signal, thread by thread.
  std::size_t attempted = 0;
  for (std::size_t i = 0; i < tids.size(); ++i) {
    ThreadStack& result = out[i];
    result.tid = tids[i];
    if (first_of[i] != i)
      continue;
    if (tids[i] <= 0 || attempted >= max_threads) {
      result.status = CaptureStatus::kSkipped;
      continue;
    }
    ++attempted;
    if (tids[i] == self) {
      // [S10] The caller unwinds itself; pcs[0] is in StackCapture::capture.
      result.pcs.resize(max_frames);
      result.pcs.resize(capture_current(result.pcs.data(), max_frames, 1));
      result.first_pc = PcKind::kReturnAddress;
      result.status = CaptureStatus::kCaptured;
      continue;
    }
    if (std::find(quarantined.begin(), quarantined.end(), tids[i]) != quarantined.end()) {
      result.status = CaptureStatus::kUnresponsive;
      continue;
    }
    std::size_t index = kMaxCaptureThreads;
    for (std::size_t k = 0; k < kMaxCaptureThreads; ++k) {
      const std::size_t candidate = (c.next_slot + k) % kMaxCaptureThreads;
      const std::uint64_t state = arena->slots[candidate].state.load(std::memory_order_acquire);
      // A kDone slot of an earlier generation is a stale answer nobody
      // waits for [S2]; one of ours holds an answer not yet taken.
      if (phase_of(state) == Phase::kFree ||
          (phase_of(state) == Phase::kDone && state >> kPhaseBits != generation)) {
        index = candidate;
        break;
      }
    }
    if (index == kMaxCaptureThreads) {
      result.status = CaptureStatus::kSkipped;
      continue;
    }
    c.next_slot = (index + 1) % kMaxCaptureThreads;
    Slot& slot = arena->slots[index];
    slot.tid = tids[i];
    slot.signal = params.signal;
    slot.max_frames = static_cast<std::uint32_t>(max_frames);
    slot.num_pcs = 0;
    slot.state.store(pack(generation, Phase::kArmed), std::memory_order_release);
    const std::uintptr_t value = static_cast<std::uintptr_t>(generation << kSlotBits | index);
    const int error = send(pid, tids[i], params.signal, value);
    if (error == 0) {
      pending.push_back(Pending{i, index});
      continue;
    }
    // Not sent, so no handler can claim the slot.
    slot.state.store(pack(generation, Phase::kFree), std::memory_order_relaxed);
    if (error == ESRCH) {
      result.status = CaptureStatus::kExited;  // [S3]
    } else {
      result.status = CaptureStatus::kFailed;
      result.error = error;
    }
  }

  // Wait for the answers, checking now and then for threads that exited.
  const auto start = Clock::now();
  const auto deadline = start + params.timeout;
  auto next_poll = start + kExitPollInterval;
  std::size_t remaining = pending.size();
  while (remaining > 0) {
    const std::uint32_t seen = g_answers.load(std::memory_order_acquire);
    for (Pending& p : pending) {
      if (!p.resolved && arena->slots[p.slot].state.load(std::memory_order_acquire) ==
                             pack(generation, Phase::kDone)) {
        take_frames(*arena, p.slot, generation, out[p.out]);
        p.resolved = true;
        --remaining;
      }
    }
    const auto now = Clock::now();
    if (remaining == 0 || now >= deadline)
      break;
    if (now >= next_poll) {
      // [S3] A thread that exited with our signal pending never answers.
      for (Pending& p : pending) {
        if (p.resolved || thread_exists(pid, out[p.out].tid))
          continue;
        std::uint64_t expected = pack(generation, Phase::kArmed);
        if (arena->slots[p.slot].state.compare_exchange_strong(
                expected, pack(generation, Phase::kFree), std::memory_order_relaxed)) {
          out[p.out].status = CaptureStatus::kExited;
          p.resolved = true;
          --remaining;
        }
      }
      next_poll = now + kExitPollInterval;
      if (remaining == 0)
        break;
    }
    futex_wait_for(g_answers, seen, std::min(deadline, next_poll) - now);
  }

  // The deadline passed: cancel what was never claimed [S4]; give threads
  // that are unwinding right now a short grace [S2].
  for (Pending& p : pending) {
    if (p.resolved)
      continue;
    Slot& slot = arena->slots[p.slot];
    std::uint64_t expected = pack(generation, Phase::kArmed);
    if (slot.state.compare_exchange_strong(expected, pack(generation, Phase::kCancelled),
                                           std::memory_order_acquire)) {
      if (thread_exists(pid, out[p.out].tid)) {
        out[p.out].status = CaptureStatus::kUnresponsive;
      } else {
        expected = pack(generation, Phase::kCancelled);
        slot.state.compare_exchange_strong(expected, pack(generation, Phase::kFree),
                                           std::memory_order_relaxed);
        out[p.out].status = CaptureStatus::kExited;
      }
      p.resolved = true;
    } else if (expected == pack(generation, Phase::kDone)) {
      take_frames(*arena, p.slot, generation, out[p.out]);
      p.resolved = true;
    } else {
      writing.push_back(&p);
    }
  }
  const auto grace_end = Clock::now() + std::min<Clock::duration>(kWritingGrace, params.timeout);
  while (!writing.empty()) {
    const std::uint32_t seen = g_answers.load(std::memory_order_acquire);
    std::erase_if(writing, [&](Pending* p) {
      if (arena->slots[p->slot].state.load(std::memory_order_acquire) !=
          pack(generation, Phase::kDone))
        return false;
      take_frames(*arena, p->slot, generation, out[p->out]);
      p->resolved = true;
      return true;
    });
    const auto now = Clock::now();
    if (writing.empty() || now >= grace_end)
      break;
    futex_wait_for(g_answers, seen, grace_end - now);
  }
  // Still unwinding: the slot stays kWriting until its handler finishes, and
  // is free for later captures from then on [S2].
  for (Pending* p : writing)
    out[p->out].status = CaptureStatus::kUnresponsive;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (first_of[i] != i)
      out[i] = out[first_of[i]];
  }
}

}  // namespace knot::instr::detail
