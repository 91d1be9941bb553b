// The capture signal's handler and capture_current(): everything that runs
// unw_backtrace. Read README.md ("The capture protocol") first; the [Sn]
// tags point there.
#include "signal_unwinder.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <system_error>

namespace knot::instr::detail {

constinit std::atomic<Arena*> g_arena{nullptr};
constinit std::atomic<pid_t> g_pid{0};
constinit std::atomic<std::uint32_t> g_answers{0};

namespace {

// The action that was installed before ours, per signal, for chaining
// signals that are not ours [S7]. Stored (release) before our handler is
// installed, loaded (acquire) by the handler.
using SigactionFn = void (*)(int, siginfo_t*, void*);
using HandlerFn = void (*)(int);
std::atomic<SigactionFn> g_previous_sigaction[kNumSignals];
std::atomic<HandlerFn> g_previous_handler[kNumSignals];

// ---------------------------------------------------------------------------
// Small system wrappers (all async-signal-safe).

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

std::uintptr_t interrupted_pc(void* context) noexcept {
  if (context == nullptr)
    return 0;
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return 0;  // no exact first frame: every capture is kReturnAddress
#endif
}

// ---------------------------------------------------------------------------
// Unwinding

// t_in_fast_trace: set while this thread runs unw_backtrace in
// capture_current(). libunwind's fast trace keeps a per-thread cache that is
// not reentrant (it may even unmap and replace it), so a handler that
// interrupts it walks the slow way instead [S9]. Initial-exec TLS: reading
// it never allocates, so the handler may.
[[gnu::tls_model("initial-exec")]] thread_local volatile sig_atomic_t t_in_fast_trace = 0;

// slow_trace() is unw_backtrace without the fast-trace cache: a plain
// unw_step() walk (libunwind's other caches take their locks with all
// signals blocked, so they are safe to re-enter). Its first frame is its own.
[[gnu::noinline]] int slow_trace(void** buffer, int size) noexcept {
  unw_context_t context;
  unw_cursor_t cursor;
  if (size <= 0 || unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0)
    return 0;
  int n = 0;
  do {
    unw_word_t ip = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0)
      break;
    buffer[n++] = reinterpret_cast<void*>(ip);
  } while (n < size && unw_step(&cursor) > 0);
  return n;
}

// ---------------------------------------------------------------------------
// The handler

// capture_into() runs in the signalled thread. It returns false if the
// signal is not one of ours, so that the caller can chain it. Not inlined
// into on_signal(): the number of our own frames must be known [S5].
[[gnu::noinline]] bool capture_into(siginfo_t* info, void* context) noexcept {
  // [S7] Ours: queued by this process (SI_QUEUE from our pid).
  if (info == nullptr || info->si_code != SI_QUEUE ||
      info->si_pid != g_pid.load(std::memory_order_relaxed))
    return false;
  Arena* arena = g_arena.load(std::memory_order_acquire);
  if (arena == nullptr)
    return false;
  const auto value = reinterpret_cast<std::uintptr_t>(info->si_value.sival_ptr);
  const std::size_t index = value & ((std::uintptr_t{1} << kSlotBits) - 1);
  const std::uint64_t generation = value >> kSlotBits;
  if (index >= kMaxCaptureThreads)
    return true;
  Slot& slot = arena->slots[index];

  // [S1] Claim the slot only if it is still armed for this very signal.
  std::uint64_t expected = pack(generation, Phase::kArmed);
  if (!slot.state.compare_exchange_strong(expected, pack(generation, Phase::kWriting),
                                          std::memory_order_acquire, std::memory_order_relaxed)) {
    // [S4] A late answer to a capture that gave up on us: end the quarantine.
    if (expected == pack(generation, Phase::kCancelled)) {
      slot.state.compare_exchange_strong(expected, pack(generation, Phase::kFree),
                                         std::memory_order_relaxed);
    }
    return true;
  }

  void** frames = arena->frames_of(index);
  const std::size_t limit = std::min<std::size_t>(slot.max_frames + kSlack, kSlotFrames);
  // [S9] Our own frames: capture_into() and on_signal(), and slow_trace().
  const bool slow = t_in_fast_trace != 0;
  const int walked = slow ? slow_trace(frames, static_cast<int>(limit))
                          : unw_backtrace(frames, static_cast<int>(limit));
  const std::size_t n = walked > 0 ? static_cast<std::size_t>(walked) : 0;
  const std::size_t own_frames = slow ? 3 : 2;

  // [S5] Drop our own frames: everything above the interrupted instruction
  // when it is on the walked stack (the kernel delivered the signal
  // directly), else just our own frames (TSan called us later, from its own
  // frames, which stay in the stack).
  const std::uintptr_t pc = interrupted_pc(context);
  std::size_t first = std::min(n, own_frames);
  bool exact = false;
  for (std::size_t i = 0; i < std::min(n, kSlack); ++i) {
    if (pc != 0 && reinterpret_cast<std::uintptr_t>(frames[i]) == pc) {
      first = i;
      exact = true;
      break;
    }
  }
  const std::size_t count = std::min<std::size_t>(n - first, slot.max_frames);
  for (std::size_t i = 0; i < count; ++i)
    frames[i] = frames[first + i];

  slot.num_pcs = static_cast<std::uint32_t>(count);
  slot.first_exact = exact;
  slot.state.store(pack(generation, Phase::kDone), std::memory_order_release);
  g_answers.fetch_add(1, std::memory_order_release);
  futex_wake_all(g_answers);
  return true;
}

void chain(int sig, siginfo_t* info, void* context) noexcept {
  if (sig <= 0 || sig >= kNumSignals)
    return;
  if (SigactionFn fn = g_previous_sigaction[sig].load(std::memory_order_acquire)) {
    fn(sig, info, context);
  } else if (HandlerFn fn2 = g_previous_handler[sig].load(std::memory_order_acquire)) {
    fn2(sig);
  }
  // The previous action was SIG_DFL or SIG_IGN: a stray signal is ignored.
}

// [S8] Async-signal-safe: no allocation, no lock, errno preserved.
[[gnu::noinline]] void on_signal(int sig, siginfo_t* info, void* context) noexcept {
  const int saved_errno = errno;
  if (!capture_into(info, context))
    chain(sig, info, context);
  errno = saved_errno;
}

}  // namespace

// ---------------------------------------------------------------------------
// Installation

struct sigaction install_handler(int signal) {
  struct sigaction previous {};
  if (sigaction(signal, nullptr, &previous) != 0)
    throw std::system_error(errno, std::generic_category(), "stack capture: sigaction");
  const bool is_function = (previous.sa_flags & SA_SIGINFO) != 0 ||
                           (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN);
  g_previous_sigaction[signal].store(
      is_function && (previous.sa_flags & SA_SIGINFO) != 0 ? previous.sa_sigaction : nullptr,
      std::memory_order_release);
  g_previous_handler[signal].store(
      is_function && (previous.sa_flags & SA_SIGINFO) == 0 ? previous.sa_handler : nullptr,
      std::memory_order_release);

  struct sigaction ours {};
  ours.sa_sigaction = on_signal;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  if (sigaction(signal, &ours, nullptr) != 0)
    throw std::system_error(errno, std::generic_category(), "stack capture: sigaction");
  return previous;
}

}  // namespace knot::instr::detail

namespace knot::instr {

// ---------------------------------------------------------------------------
// The calling thread

// Not inlined: scratch[0] is this function's own pc, and pcs[0] must be the
// return address into our caller.
[[gnu::noinline]] std::size_t capture_current(std::uintptr_t* pcs, std::size_t max,
                                              std::size_t skip) noexcept {
  constexpr std::size_t kScratch = kMaxStackFrames + 1;
  if (pcs == nullptr || max == 0 || skip >= kMaxStackFrames)
    return 0;
  const std::size_t first = 1 + skip;
  const std::size_t want = first + std::min(max, kScratch - first);
  void* scratch[kScratch];
  // [S9] A capture signal arriving now must not re-enter the fast trace.
  detail::t_in_fast_trace = 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  const int walked = unw_backtrace(scratch, static_cast<int>(want));
  std::atomic_signal_fence(std::memory_order_seq_cst);
  detail::t_in_fast_trace = 0;
  if (walked <= 0 || static_cast<std::size_t>(walked) <= first)
    return 0;
  const std::size_t count = std::min(static_cast<std::size_t>(walked) - first, max);
  for (std::size_t i = 0; i < count; ++i)
    pcs[i] = reinterpret_cast<std::uintptr_t>(scratch[first + i]);
  return count;
}

}  // namespace knot::instr
