// Helpers for tests of fiber tasks (BlockingPolicy::kFiber):
//
//   fiber_pool_options()   a kFiber pool of `threads` workers named `name`
//   wait_for_fiber_wait()  the suspended fiber task waiting on the resource
//                          named `name`, as snapshot_threads() lists it,
//                          polled until it appears or `limit` passes (then
//                          nullopt)
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "knot/runtime/options.h"
#include "knot/runtime/snapshot.h"

namespace knot::testing {

inline PoolOptions fiber_pool_options(std::size_t threads, std::string name) {
  PoolOptions o;
  o.num_threads = threads;
  o.name = std::move(name);
  o.policy = BlockingPolicy::kFiber;
  return o;
}

inline std::optional<ThreadView> wait_for_fiber_wait(
    const std::string& name, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    for (const ThreadView& t : snapshot_threads()) {
      if (t.is_fiber && t.wait && t.wait->name == name)
        return t;
    }
    if (std::chrono::steady_clock::now() >= until)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace knot::testing
