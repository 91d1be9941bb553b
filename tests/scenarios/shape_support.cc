// shape_support.h, and the registry of every shape (shapes.h).

#include "shape_support.h"

#include <chrono>
#include <cstdlib>
#include <string>

#include "shapes.h"

namespace knot::scenarios {

// make_pool() builds a pool with the blocking policy named by
// KNOT_SCENARIO_POLICY (block, compensate, fiber; default block).
knot::ThreadPool make_pool(const char* name, std::size_t threads) {
  knot::PoolOptions o;
  o.name = name;
  o.num_threads = threads;
  const char* policy = std::getenv("KNOT_SCENARIO_POLICY");
  if (policy != nullptr && std::string(policy) == "compensate") {
    o.policy = knot::BlockingPolicy::kCompensate;
    // Idle spares stay for the whole scenario: a verdict must not depend
    // on whether one has retired yet (an idle spare is a free worker).
    o.spare_keep_alive = std::chrono::minutes(10);
  }
  if (policy != nullptr && std::string(policy) == "fiber")
    o.policy = knot::BlockingPolicy::kFiber;
  return knot::ThreadPool(o);
}

[[noreturn]] void wait_forever() {
  knot::Latch never(1, "never");
  never.wait();
  std::abort();
}

const Shapes& all() {
  static const Shapes shapes = [] {
    Shapes s;
    add_classic_shapes(s);
    add_lock_shapes(s);
    add_nesting_shapes(s);
    add_long_task_shapes(s);
    add_inferred_shapes(s);
    add_negative_shapes(s);
    return s;
  }();
  return shapes;
}

}  // namespace knot::scenarios
