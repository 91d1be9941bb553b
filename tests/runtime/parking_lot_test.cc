// The parking lot: validate under the lock, FIFO unpark_one, unpark_all,
// timeouts, and the has_more_waiters callback.
#include "knot/runtime/detail/parking_lot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/deadline.h"

namespace knot::detail {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

const WaitSite kSite{nullptr, WaitKind::kLatch, "test", false};

// validate() returning false means the thread never sleeps.
TEST(ParkingLotTest, InvalidDoesNotSleep) {
  int key = 0;
  EXPECT_EQ(park(&key, kSite, [] { return false; }), ParkResult::kInvalid);
  EXPECT_FALSE(unpark_one(&key));
}

// A deadline in the past or near future times out.
TEST(ParkingLotTest, TimesOut) {
  Deadline deadline(10s);
  int key = 0;
  auto until = Clock::now() + 20ms;
  EXPECT_EQ(park(
                &key, kSite, [] { return true; }, &until),
            ParkResult::kTimedOut);
  EXPECT_GE(Clock::now(), until);
  EXPECT_EQ(unpark_all(&key), 0u);  // the timed-out waiter left the queue
}

// unpark_one wakes threads one at a time, oldest first, and reports whether
// more remain.
TEST(ParkingLotTest, UnparkOneIsFifoAndReportsMore) {
  Deadline deadline(20s);
  int key = 0;
  std::atomic<int> parked{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  std::atomic<int> turn_order[3];
  for (int i = 0; i < 3; ++i) {
    // Start them one after another so that queue order is known.
    threads.emplace_back([&, i] {
      park(&key, kSite, [&] {
        parked++;
        return true;
      });
      turn_order[done.fetch_add(1)] = i;
    });
    while (parked.load() != i + 1)
      std::this_thread::yield();
  }
  std::vector<bool> more;
  for (int i = 0; i < 3; ++i) {
    int before = done.load();
    ASSERT_TRUE(unpark_one(&key, [&](UnparkInfo info) {
      EXPECT_TRUE(info.unparked_one);
      more.push_back(info.has_more_waiters);
    }));
    while (done.load() == before)
      std::this_thread::yield();
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(more, (std::vector<bool>{true, true, false}));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(turn_order[i].load(), i);
}

// unpark_all wakes everyone on the key and nobody on another key.
TEST(ParkingLotTest, UnparkAllWakesOnlyThatKey) {
  Deadline deadline(20s);
  int key = 0, other = 0;
  std::atomic<int> parked{0}, woke{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      park(&key, kSite, [&] {
        parked++;
        return true;
      });
      woke++;
    });
  }
  std::atomic<bool> other_woke{false};
  std::thread bystander([&] {
    auto until = Clock::now() + 200ms;
    park(
        &other, kSite,
        [&] {
          parked++;
          return true;
        },
        &until);
    other_woke = true;
  });
  while (parked.load() != 5)
    std::this_thread::yield();
  EXPECT_EQ(unpark_all(&key), 4u);
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(woke.load(), 4);
  bystander.join();  // it times out on its own
  EXPECT_TRUE(other_woke.load());
}

// Racing unparks against timeouts never loses or doubles a wake.
TEST(ParkingLotTest, UnparkRacesTimeout) {
  Deadline deadline(60s);
  int key = 0;
  for (int round = 0; round < testing::stress_scale(2000); ++round) {
    std::atomic<bool> in{false};
    ParkResult result{};
    std::thread t([&] {
      auto until = Clock::now() + std::chrono::microseconds(round % 50);
      result = park(
          &key, kSite,
          [&] {
            in = true;
            return true;
          },
          &until);
    });
    while (!in.load())
      std::this_thread::yield();
    bool woke = unpark_one(&key);
    t.join();
    EXPECT_EQ(woke, result == ParkResult::kUnparked);
  }
}

}  // namespace
}  // namespace knot::detail
