// Marking blocking code that knot cannot see.
//
//   BlockingRegion    RAII: the calling thread blocks outside knot meanwhile
//   blocking_region() makes one, named
//   blocking_call()   runs a callable inside a BlockingRegion
//
// A worker that blocks in a read(), a sleep or a foreign mutex holds its
// thread without knot knowing. Wrapping such code in a BlockingRegion makes
// the wait visible: the observer sees it (kind kBlockingRegion), the pool
// counts the worker as parked, and the watchdog treats it as a wait that
// will end by itself. Under BlockingPolicy::kCompensate a spare thread runs
// in the worker's place meanwhile.
#pragma once

#include "knot/runtime/detail/cxx_standard.h"

#include <string_view>
#include <type_traits>
#include <utility>

#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/observer.h"

namespace knot {

// BlockingRegion marks the calling thread as blocked outside knot from its
// construction to its destruction. `name` must outlive the region (a string
// literal is typical). Any thread may use it; regions may nest. On a worker
// of a kCompensate pool a spare runs in its place meanwhile; the constructor
// throws Error(Errc::kSpareLimit) only under AtSpareLimit::kFail with every
// spare in use.
class [[nodiscard]] BlockingRegion {
 public:
  explicit BlockingRegion(std::string_view name)
      : site_{this, WaitKind::kBlockingRegion, name, /*is_timed=*/false},
        scope_((detail::before_blocking(), site_)) {}
  BlockingRegion(const BlockingRegion&) = delete;
  BlockingRegion& operator=(const BlockingRegion&) = delete;

 private:
  WaitSite site_;
  detail::WaitScope scope_;
};

// blocking_region() is a named BlockingRegion:
//   { auto region = knot::blocking_region("read socket"); n = read(fd, ...); }
// (Guaranteed copy elision makes the returned region the caller's object.)
inline BlockingRegion blocking_region(std::string_view name) {
  return BlockingRegion(name);
}

// blocking_call() runs `f` inside a BlockingRegion named `name` and returns
// its value (exceptions pass through).
template <class F>
std::invoke_result_t<F&> blocking_call(std::string_view name, F&& f) {
  BlockingRegion region(name);
  return f();
}

}  // namespace knot
