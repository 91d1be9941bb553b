// PoolTest: a test fixture parameterized over worker counts; PolicyPoolTest
// over worker counts and blocking policies.
//
// Each test gets a fresh ThreadPool of GetParam() workers and a Deadline.
// Instantiate it once per test file with KNOT_INSTANTIATE_POOL_TEST(Suite).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

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

// PolicyPoolTest: a fixture parameterized over (workers, blocking policy).
// make_pool() builds a pool of the test's policy; spares of kCompensate
// leave after 100 ms unneeded, so that a test's threads do not pile up.
// Instantiate it with KNOT_INSTANTIATE_POLICY_POOL_TEST(Suite): 1, 2 and 4
// workers under kBlock, kCompensate and kFiber.
class PolicyPoolTest : public ::testing::TestWithParam<std::tuple<std::size_t, BlockingPolicy>> {
 protected:
  ThreadPool make_pool(std::size_t threads, std::string name = "test") const {
    return ThreadPool(PoolOptions{.num_threads = threads,
                                  .name = std::move(name),
                                  .policy = std::get<1>(GetParam()),
                                  .spare_keep_alive = std::chrono::milliseconds(100)});
  }
  std::size_t workers() const { return std::get<0>(GetParam()); }
};

inline std::string policy_pool_param_name(
    const ::testing::TestParamInfo<PolicyPoolTest::ParamType>& info) {
  const char* policy = "block";
  switch (std::get<1>(info.param)) {
    case BlockingPolicy::kBlock:
      break;
    case BlockingPolicy::kCompensate:
      policy = "compensate";
      break;
    case BlockingPolicy::kFiber:
      policy = "fiber";
      break;
  }
  return std::to_string(std::get<0>(info.param)) + "_" + policy;
}

inline std::size_t hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

}  // namespace knot::testing

#define KNOT_INSTANTIATE_POLICY_POOL_TEST(Suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Pools, Suite,                                                                              \
      ::testing::Combine(                                                                        \
          ::testing::Values(std::size_t{1}, std::size_t{2}, std::size_t{4}),                     \
          ::testing::Values(::knot::BlockingPolicy::kBlock, ::knot::BlockingPolicy::kCompensate, \
                            ::knot::BlockingPolicy::kFiber)),                                    \
      ::knot::testing::policy_pool_param_name)

#define KNOT_INSTANTIATE_POOL_TEST(Suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(Threads, Suite,                                                         \
                           ::testing::Values(std::size_t{1}, std::size_t{2}, std::size_t{4},       \
                                             std::size_t{8}, ::knot::testing::hardware_threads()), \
                           [](const auto& param_info) {                                            \
                             return std::to_string(param_info.index) + "_" +                       \
                                    std::to_string(param_info.param);                              \
                           })
