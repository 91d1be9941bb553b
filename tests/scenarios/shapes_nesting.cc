// Shapes of waits that help (rayon #446, #819, #1174): a worker of pool
// 'outer' holds a lock and waits in install on pool 'inner', whose task
// wants the lock; in the buried variant the waiting worker first takes
// another task of 'outer', which waits in install on 'inner' in turn, on
// top of the first wait. Proven under every policy.
#include <mutex>

#include "knot/runtime.h"
#include "shape_support.h"
#include "shapes.h"

namespace knot::scenarios {

namespace {

void nested_install() {
  knot::ThreadPool outer = make_pool("outer", 1);
  knot::ThreadPool inner = make_pool("inner", 1);
  knot::Mutex driver("driver");
  outer.install([&] {
    std::lock_guard<knot::Mutex> lock(driver);
    inner.install([&] { std::lock_guard<knot::Mutex> again(driver); });
  });
}

void nested_install_buried() {
  knot::ThreadPool outer = make_pool("outer", 1);
  knot::ThreadPool inner = make_pool("inner", 1);
  knot::Mutex driver("driver");
  outer.install([&] {
    // A second task of 'outer', queued on this worker: it runs while the
    // install below waits, on top of it.
    knot::spawn([&] { inner.install([] {}); });
    std::lock_guard<knot::Mutex> lock(driver);
    inner.install([&] { std::lock_guard<knot::Mutex> again(driver); });
  });
}

}  // namespace

void add_nesting_shapes(Shapes& shapes) {
  shapes["nested_install"] = nested_install;
  shapes["nested_install_buried"] = nested_install_buried;
}

}  // namespace knot::scenarios
