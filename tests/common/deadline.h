// Deadline: turns a hung test into a failure with a message.
//
// A Deadline started at the top of a concurrency test aborts the process
// with the test's name if the test is still running after `limit`. ctest's
// TIMEOUT is the outer guard; this one says which test hung (and, once the
// watchdog exists, can dump a report first).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace knot::testing {

class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds limit) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    name_ = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "?";
    thread_ = std::thread([this, limit] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        std::fprintf(stderr, "\n*** Deadline: test %s still running after %lld ms: hung\n",
                     name_.c_str(), static_cast<long long>(limit.count()));
        std::fflush(stderr);
        std::abort();
      }
    });
  }
  ~Deadline() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  std::string name_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Budget: how long a stress loop may go on drawing new random schedules.
// A loop checks spent() between rounds and stops early once it is, so a
// loaded machine runs fewer rounds instead of tripping the Deadline; every
// round that ran was checked in full.
class Budget {
 public:
  explicit Budget(std::chrono::milliseconds limit)
      : end_(std::chrono::steady_clock::now() + limit) {}
  bool spent() const { return std::chrono::steady_clock::now() > end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

// Scale for stress loops: sanitizer builds run fewer iterations.
inline int stress_scale(int normal) {
#if defined(KNOT_TSAN) || defined(KNOT_ASAN)
  return normal / 8 > 0 ? normal / 8 : 1;
#else
  return normal;
#endif
}

}  // namespace knot::testing
