// PoolTest: a test fixture parameterized over worker counts.
//
// Each test gets a fresh ThreadPool of GetParam() workers and a Deadline.
// Instantiate it once per test file with KNOT_INSTANTIATE_POOL_TEST(Suite).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/deadline.h"
#include "knot/runtime/thread_pool.h"

namespace knot::testing {

class PoolTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    deadline_ = std::make_unique<Deadline>(std::chrono::seconds(60));
    PoolOptions options;
    options.num_threads = GetParam();
    options.name = "test";
    pool_ = std::make_unique<ThreadPool>(options);
  }
  void TearDown() override {
    pool_.reset();
    deadline_.reset();
  }
  ThreadPool& pool() { return *pool_; }

 private:
  std::unique_ptr<Deadline> deadline_;
  std::unique_ptr<ThreadPool> pool_;
};

inline std::size_t hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

}  // namespace knot::testing

#define KNOT_INSTANTIATE_POOL_TEST(Suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(Threads, Suite,                                                         \
                           ::testing::Values(std::size_t{1}, std::size_t{2}, std::size_t{4},       \
                                             std::size_t{8}, ::knot::testing::hardware_threads()), \
                           [](const auto& param_info) {                                            \
                             return std::to_string(param_info.index) + "_" +                       \
                                    std::to_string(param_info.param);                              \
                           })
