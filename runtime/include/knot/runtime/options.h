// PoolOptions: how a ThreadPool is built.
//
//   BlockingPolicy  what a worker does when a task blocks (kBlock, kCompensate,
//                   kFiber)
//   AtSpareLimit    what kCompensate does when every spare thread is in use
//   PoolOptions     thread count, name, stack size, policy and its limits,
//                   exception handler
//
// A plain struct with defaults, like marl's Scheduler::Config: set the fields
// you care about and pass it to ThreadPool's constructor.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>

namespace knot {

// BlockingPolicy says what happens to a pool's capacity when one of its
// workers blocks in a knot primitive (a channel, a latch, a mutex, an
// install on another pool) or in a blocking_region().
enum class BlockingPolicy : std::uint8_t {
  // kBlock: the worker's thread blocks; the pool runs one worker short until
  // it resumes (Rayon's and oneTBB's behaviour). Diagnosis reports the stalls
  // this can cause.
  kBlock,
  // kCompensate: a spare thread takes the blocked worker's place, so that
  // num_threads workers stay runnable, up to max_spares spares (Java
  // ForkJoinPool's managed blocking). Spares retire when the blocked workers
  // are back. See docs/policies.md.
  kCompensate,
  // kFiber: tasks run on fibers (Boost.Context) and a task that waits in a
  // knot primitive, join or scope suspends and gives its worker back, to
  // resume later on any worker (Go's scheduler). Blocking knot cannot see
  // still blocks the thread; blocking_region() and timed waits then get a
  // spare as under kCompensate. See docs/policies.md.
  kFiber,
};

// AtSpareLimit says what a worker of a kCompensate pool does when it is
// about to block and max_spares spares are already in use.
enum class AtSpareLimit : std::uint8_t {
  // kWait: it blocks anyway and the pool runs one worker short, as under
  // kBlock (diagnosis reports the stall if it lasts).
  kWait,
  // kFail: the blocking call throws Error(Errc::kSpareLimit) instead, where
  // it can throw: Channel send/recv, Latch::wait, BlockingRegion. A Mutex
  // wait, being short by contract, waits.
  kFail,
};

// PoolOptions configures a ThreadPool. Every field has a usable default.
struct PoolOptions {
  // Number of worker threads. 0 means: the KNOT_NUM_THREADS environment
  // variable if set to a positive number, else std::thread::hardware_concurrency().
  std::size_t num_threads = 0;
  // The pool's name. Worker threads are named "<name>-<index>" (cut to the 15
  // characters Linux keeps), visible in `ps -L`, gdb and knot's reports.
  std::string name = "knot";
  // Stack size of each worker thread in bytes; 0 keeps the system default.
  std::size_t stack_size = 0;
  BlockingPolicy policy = BlockingPolicy::kBlock;
  // kCompensate and kFiber: at most this many spare threads at once (ForkJoinPool's
  // default limit is also 256 beyond its parallelism).
  std::size_t max_spares = 256;
  // kCompensate and kFiber: what a worker about to block does when every
  // spare is in use.
  AtSpareLimit at_spare_limit = AtSpareLimit::kWait;
  // kCompensate: a spare that is no longer needed waits this long to be
  // needed again before its thread exits.
  std::chrono::milliseconds spare_keep_alive{5000};
  // kFiber: the usable stack of each fiber in bytes (rounded up to pages; a
  // guard page below it makes an overflow fault instead of corrupting).
  std::size_t fiber_stack_size = 256 * 1024;
  // Called on the worker when a fire-and-forget task (ThreadPool::spawn)
  // throws, since nobody joins it. The default prints the exception and
  // calls std::abort(), like Rayon's default panic handler.
  std::function<void(std::exception_ptr)> on_uncaught_exception{};
};

// default_num_threads() is what num_threads = 0 resolves to.
std::size_t default_num_threads() noexcept;

}  // namespace knot
