// proc_thread(): what Linux says of one thread of this process, from
// /proc/self/task/<tid>/stat and .../wchan: its scheduler state and, when
// it sleeps, the kernel function it sleeps in. For long tasks only (two
// small file reads): never on a fast path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace knot::instr {

struct ProcThread {
  char state = '?';   // R running or runnable, S sleeping, D disk sleep, T stopped, ...
  std::string wchan;  // empty when running, or when the kernel hides it
  bool on_cpu() const noexcept { return state == 'R'; }
};

// proc_thread() reads thread `tid`; nullopt if it is gone (or /proc is not
// mounted).
std::optional<ProcThread> proc_thread(std::int64_t tid);

}  // namespace knot::instr
