// The teardown leak check (tests/common/leak_check.cc) must fail a binary
// whose test leaks: this one leaks a job block cut on a worker, and ctest
// passes it only if the check's failure message names it.
#include <gtest/gtest.h>

#include "knot/runtime/detail/job_alloc.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

TEST(LeakCheckSelfTest, LeaksOneJob) {
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "leaky"});
  void* leaked = pool.install([] { return detail::allocate_job(32); });
  EXPECT_NE(leaked, nullptr);  // never freed
}

TEST(LeakCheckSelfTest, LeaksNothing) {
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "tidy"});
  pool.install([] { detail::free_job(detail::allocate_job(32)); });
}

}  // namespace
}  // namespace knot
