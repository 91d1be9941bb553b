// Channel: FIFO order, full/empty, timeouts, closing by either side, range-for,
// move-only and non-default-constructible messages, throwing moves, counters,
// handles, and what the observer sees when a side parks.
#include "knot/runtime/channel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "common/pool_fixture.h"
#include "knot/runtime/error.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Deadline;

// A capacity, or nullopt for an unbounded channel.
using Kind = std::optional<std::size_t>;

template <class T>
std::pair<Sender<T>, Receiver<T>> make_channel(Kind kind, std::string name = {}) {
  if (kind.has_value())
    return channel<T>(*kind, std::move(name));
  return unbounded_channel<T>(std::move(name));
}

std::string kind_name(const ::testing::TestParamInfo<Kind>& info) {
  return info.param.has_value() ? "Bounded" + std::to_string(*info.param) : "Unbounded";
}

// Counted: counts live instances, to prove that nothing leaks or is
// destroyed twice. Not default-constructible.
struct Counted {
  static inline std::atomic<int> live{0};
  explicit Counted(int v) : value(v) { live.fetch_add(1); }
  Counted(Counted&& other) noexcept : value(other.value) { live.fetch_add(1); }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  ~Counted() { live.fetch_sub(1); }
  int value;
};

// Fragile: its move constructor throws while `fail` is set.
struct Fragile {
  static inline bool fail = false;
  explicit Fragile(int v) : value(v) {}
  Fragile(Fragile&& other) : value(other.value) {
    if (fail)
      throw std::runtime_error("Fragile: move failed");
  }
  int value;
};

// The range-for iterator is a C++20 input iterator, for move-only T too.
static_assert(std::input_iterator<Receiver<int>::Iterator>);
static_assert(std::input_iterator<Receiver<std::unique_ptr<int>>::Iterator>);
static_assert(std::sentinel_for<std::default_sentinel_t, Receiver<int>::Iterator>);

class ChannelKindTest : public ::testing::TestWithParam<Kind> {};

INSTANTIATE_TEST_SUITE_P(Kinds, ChannelKindTest,
                         ::testing::Values(Kind{1}, Kind{2}, Kind{3}, Kind{64}, Kind{}), kind_name);

// Messages come out in the order they went in, across many ring laps and
// list blocks.
TEST_P(ChannelKindTest, FifoSingleThreaded) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<int>(GetParam());
  const int batch = GetParam().has_value() ? static_cast<int>(*GetParam()) : 100;
  int next_sent = 0, next_received = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < batch; ++i)
      ASSERT_TRUE(tx.try_send(next_sent++));
    EXPECT_EQ(rx.size(), static_cast<std::size_t>(batch));
    for (int i = 0; i < batch; ++i) {
      auto r = rx.try_recv();
      ASSERT_TRUE(r);
      EXPECT_EQ(*r.value, next_received++);
    }
    EXPECT_EQ(rx.try_recv().status, ChannelStatus::kEmpty);
  }
  EXPECT_EQ(tx.size(), 0u);
}

// try_send reports kFull with the value handed back; try_recv reports kEmpty.
TEST(ChannelTest, TrySendFullAndTryRecvEmpty) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<int>(2, "small");
  auto empty = rx.try_recv();
  EXPECT_EQ(empty.status, ChannelStatus::kEmpty);
  EXPECT_FALSE(empty);
  EXPECT_FALSE(empty.value.has_value());
  EXPECT_TRUE(tx.try_send(1));
  EXPECT_TRUE(tx.try_send(2));
  auto full = tx.try_send(3);
  EXPECT_EQ(full.status, ChannelStatus::kFull);
  EXPECT_FALSE(full);
  ASSERT_TRUE(full.value.has_value());
  EXPECT_EQ(*full.value, 3);
  EXPECT_EQ(*rx.recv(), 1);
  EXPECT_TRUE(tx.try_send(3));
  EXPECT_EQ(*rx.recv(), 2);
  EXPECT_EQ(*rx.recv(), 3);
  EXPECT_EQ(tx.capacity(), std::optional<std::size_t>(2));
  EXPECT_EQ(tx.name(), "small");
  EXPECT_EQ(rx.name(), "small");
}

// An unbounded channel never reports kFull.
TEST(ChannelTest, UnboundedNeverFull) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = unbounded_channel<int>();
  for (int i = 0; i < 10000; ++i)
    ASSERT_TRUE(tx.try_send(i));
  EXPECT_EQ(rx.size(), 10000u);
  EXPECT_FALSE(rx.capacity().has_value());
  for (int i = 0; i < 10000; ++i)
    ASSERT_EQ(*rx.recv(), i);
}

// Capacity 1: one message fits, the second blocks until a receive.
TEST(ChannelTest, CapacityOne) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<int>(1);
  EXPECT_TRUE(tx.send(1));
  EXPECT_EQ(tx.try_send(2).status, ChannelStatus::kFull);
  std::atomic<bool> sent{false};
  std::thread sender([&, tx = tx] {
    auto local = tx;
    EXPECT_TRUE(local.send(2));
    sent = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(sent.load());  // still blocked: the channel is full
  EXPECT_EQ(*rx.recv(), 1);
  EXPECT_EQ(*rx.recv(), 2);
  sender.join();
  EXPECT_TRUE(sent.load());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(tx.try_send(i));
    ASSERT_EQ(*rx.try_recv().value, i);
  }
}

// send_for times out on a full channel (value handed back), succeeds once a
// receiver makes room, and tries once with a zero timeout.
TEST(ChannelTest, SendForTimesOutThenSucceeds) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<std::string>(1);
  ASSERT_TRUE(tx.send("first"));
  auto start = std::chrono::steady_clock::now();
  auto r = tx.send_for("second", 30ms);
  EXPECT_EQ(r.status, ChannelStatus::kTimeout);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(*r.value, "second");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(tx.send_for("zero", 0ms).status, ChannelStatus::kTimeout);
  EXPECT_EQ(tx.send_for("negative", -5ms).status, ChannelStatus::kTimeout);

  std::thread receiver([rx = rx]() mutable {
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(*rx.recv(), "first");
  });
  EXPECT_TRUE(tx.send_for("second", 30s));
  receiver.join();
  EXPECT_EQ(*rx.recv(), "second");
  EXPECT_TRUE(tx.send_for("huge", std::chrono::hours::max()));  // no overflow
}

// recv_for times out on an empty channel and succeeds when a message comes.
TEST_P(ChannelKindTest, RecvForTimesOutThenSucceeds) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<int>(GetParam());
  auto start = std::chrono::steady_clock::now();
  auto r = rx.recv_for(30ms);
  EXPECT_EQ(r.status, ChannelStatus::kTimeout);
  EXPECT_FALSE(r.value.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(rx.recv_for(0s).status, ChannelStatus::kTimeout);

  std::thread sender([tx = tx]() mutable {
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(tx.send(7));
  });
  start = std::chrono::steady_clock::now();
  auto got = rx.recv_for(30s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);  // woken, not timed out
  ASSERT_TRUE(got);
  EXPECT_EQ(*got.value, 7);
  sender.join();
  EXPECT_TRUE(tx.send(8));
  EXPECT_EQ(*rx.recv_for(std::chrono::hours::max()).value, 8);
}

// Dropping the last receiver closes the channel for senders: every send
// fails with kClosed and hands the value back.
TEST_P(ChannelKindTest, LastReceiverDropHandsValueBack) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<std::unique_ptr<int>>(GetParam());
  { auto gone = std::move(rx); }
  EXPECT_TRUE(tx.is_closed());
  auto r = tx.send(std::make_unique<int>(5));
  EXPECT_EQ(r.status, ChannelStatus::kClosed);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(**r.value, 5);
  EXPECT_EQ(tx.try_send(std::make_unique<int>(6)).status, ChannelStatus::kClosed);
  auto timed = tx.send_for(std::make_unique<int>(7), 10s);
  EXPECT_EQ(timed.status, ChannelStatus::kClosed);
  EXPECT_EQ(**timed.value, 7);
}

// A sender blocked on a full channel wakes with kClosed and its value when
// the last receiver is dropped.
TEST(ChannelTest, BlockedSenderWokenByReceiverDrop) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<int>(1);
  ASSERT_TRUE(tx.send(1));
  std::optional<Receiver<int>> receiver(std::move(rx));
  std::thread sender([tx = tx]() mutable {
    auto r = tx.send(2);
    EXPECT_EQ(r.status, ChannelStatus::kClosed);
    EXPECT_EQ(r.value, std::optional<int>(2));
  });
  while (!tx.stats().has_parked_senders)  // parked, not just about to send
    std::this_thread::yield();
  receiver.reset();
  sender.join();
}

// A blocked sender of a full ring and a blocked receiver of an empty one
// park, once spinning ran its course, though their retries never read the
// other side's position; each is woken by the other side's next operation.
TEST(ChannelTest, BlockedSidesOfARingPark) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<int>(4);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(tx.try_send(i));
  std::thread sender([tx = tx]() mutable { EXPECT_TRUE(tx.send(4)); });
  while (!tx.stats().has_parked_senders)
    std::this_thread::sleep_for(1ms);
  for (int i = 0; i <= 4; ++i)
    EXPECT_EQ(rx.recv(), std::optional<int>(i));
  sender.join();

  std::thread receiver([rx = rx]() mutable { EXPECT_EQ(rx.recv(), std::optional<int>(5)); });
  while (!rx.stats().has_parked_receivers)
    std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(tx.send(5));
  receiver.join();
  EXPECT_EQ(tx.stats().num_sent, 6u);
}

// Dropping the last sender lets receivers drain what remains, then ends.
TEST_P(ChannelKindTest, LastSenderDropDrainsThenEnds) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<int>(GetParam());
  const int n = GetParam().has_value() ? static_cast<int>(*GetParam()) : 100;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(tx.send(i));
  { auto gone = std::move(tx); }
  EXPECT_TRUE(rx.is_closed());
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(rx.recv(), std::optional<int>(i));
  EXPECT_EQ(rx.recv(), std::nullopt);
  EXPECT_EQ(rx.try_recv().status, ChannelStatus::kClosed);
  EXPECT_EQ(rx.recv_for(10s).status, ChannelStatus::kClosed);
}

// A receiver blocked on an empty channel wakes with the end when the last
// sender is dropped.
TEST_P(ChannelKindTest, BlockedReceiverWokenBySenderDrop) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<int>(GetParam());
  std::optional<Sender<int>> sender(std::move(tx));
  std::thread receiver([rx = rx]() mutable { EXPECT_EQ(rx.recv(), std::nullopt); });
  while (!sender->stats().has_parked_receivers)  // parked, not just about to receive
    std::this_thread::yield();
  sender.reset();
  receiver.join();
}

// Range-for receives everything, then stops at the end.
TEST_P(ChannelKindTest, RangeFor) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<int>(GetParam());
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 0; i < 200; ++i)
      EXPECT_TRUE(tx.send(i));
  });
  int expected = 0;
  for (int v : rx)
    EXPECT_EQ(v, expected++);
  EXPECT_EQ(expected, 200);
  producer.join();
}

// Move-only messages go through send, recv, try_recv and range-for.
TEST_P(ChannelKindTest, MoveOnlyMessages) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<std::unique_ptr<int>>(GetParam());
  ASSERT_TRUE(tx.send(std::make_unique<int>(1)));
  auto a = rx.recv();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(**a, 1);
  ASSERT_TRUE(tx.try_send(std::make_unique<int>(2)));
  EXPECT_EQ(*rx.try_recv().value.value(), 2);
  ASSERT_TRUE(tx.send(std::make_unique<int>(3)));
  { auto gone = std::move(tx); }
  int seen = 0;
  for (std::unique_ptr<int> p : rx) {
    EXPECT_EQ(*p, 3);
    ++seen;
  }
  EXPECT_EQ(seen, 1);
}

// Messages without a default constructor work, and every instance is
// destroyed exactly once, including those never received.
TEST_P(ChannelKindTest, NoDefaultConstructorAndNoLeak) {
  Deadline d(std::chrono::seconds(60));
  Counted::live = 0;
  {
    auto [tx, rx] = make_channel<Counted>(GetParam());
    const int n = GetParam().has_value() ? static_cast<int>(*GetParam()) : 75;
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(tx.send(Counted(i)));
    EXPECT_EQ(Counted::live.load(), n);
    auto first = rx.recv();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->value, 0);
    EXPECT_EQ(Counted::live.load(), n);
  }
  EXPECT_EQ(Counted::live.load(), 0);
}

// If T's move constructor throws during a send, the exception propagates,
// nothing is delivered and the channel stays usable; a throwing move during
// a receive drops that message only.
TEST_P(ChannelKindTest, ThrowingMoveConstructor) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = make_channel<Fragile>(GetParam());
  Fragile::fail = true;
  EXPECT_THROW(tx.send(Fragile(1)), std::runtime_error);
  Fragile::fail = false;
  EXPECT_EQ(rx.try_recv().status, ChannelStatus::kEmpty);  // the hole is skipped
  ASSERT_TRUE(tx.send(Fragile(2)));
  EXPECT_EQ(rx.recv()->value, 2);

  ASSERT_TRUE(tx.send(Fragile(3)));
  Fragile::fail = true;
  EXPECT_THROW(rx.try_recv(), std::runtime_error);
  Fragile::fail = false;
  EXPECT_EQ(rx.try_recv().status, ChannelStatus::kEmpty);  // message 3 was dropped
  ASSERT_TRUE(tx.send(Fragile(4)));
  EXPECT_EQ(rx.recv()->value, 4);
  EXPECT_EQ(rx.size(), 0u);
}

// A hole left by a throwing move can be what keeps a ring full: the
// receiver that skips it must wake the sender parked on it.
TEST(ChannelTest, SkippedHoleWakesParkedSender) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<Fragile>(1);
  Fragile::fail = true;
  EXPECT_THROW(tx.send(Fragile(1)), std::runtime_error);
  Fragile::fail = false;
  EXPECT_EQ(tx.try_send(Fragile(2)).status, ChannelStatus::kFull);  // the hole fills it
  std::thread sender([tx = tx]() mutable { EXPECT_TRUE(tx.send(Fragile(2))); });
  while (!tx.stats().has_parked_senders)  // parked on the filled hole
    std::this_thread::yield();
  auto got = rx.recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, 2);
  sender.join();
}

// stats() reports sent and received totals, size, capacity, handle counts
// and closing.
TEST(ChannelTest, Stats) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<int>(8, "stats");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(tx.send(i));
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(rx.recv());
  auto tx2 = tx;
  auto tx3 = tx2;
  auto rx2 = rx;
  ChannelStats s = tx.stats();
  EXPECT_EQ(s.num_sent, 5u);
  EXPECT_EQ(s.num_received, 2u);
  EXPECT_EQ(s.size, 3u);
  EXPECT_EQ(s.capacity, std::optional<std::size_t>(8));
  EXPECT_EQ(s.num_senders, 3u);
  EXPECT_EQ(s.num_receivers, 2u);
  EXPECT_FALSE(s.is_closed);
  EXPECT_FALSE(s.has_parked_senders);
  EXPECT_FALSE(s.has_parked_receivers);
  EXPECT_EQ(s.id, rx.stats().id);
  EXPECT_NE(s.id, nullptr);

  auto [utx, urx] = unbounded_channel<int>("u");
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(utx.send(i));
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(urx.recv());
  ChannelStats u = urx.stats();
  EXPECT_EQ(u.num_sent, 100u);
  EXPECT_EQ(u.num_received, 40u);
  EXPECT_EQ(u.size, 60u);
  EXPECT_FALSE(u.capacity.has_value());
  { auto gone = std::move(utx); }
  EXPECT_TRUE(urx.stats().is_closed);
  EXPECT_EQ(urx.stats().num_senders, 0u);
}

// Copies of a handle keep the channel open until the last copy goes; copy
// and move assignment keep the counts right.
TEST(ChannelTest, CopiedHandlesKeepChannelOpen) {
  Deadline d(std::chrono::seconds(60));
  auto [tx, rx] = channel<int>(4);
  std::optional<Sender<int>> copy(tx);
  { auto gone = std::move(tx); }
  EXPECT_FALSE(rx.is_closed());
  ASSERT_TRUE(copy->send(1));
  EXPECT_EQ(rx.stats().num_senders, 1u);

  std::optional<Receiver<int>> rcopy(rx);
  Receiver<int> assigned = *rcopy;
  assigned = rx;                 // copy assignment
  assigned = Receiver<int>(rx);  // move assignment
  EXPECT_EQ(rx.stats().num_receivers, 3u);
  rcopy.reset();
  EXPECT_EQ(rx.stats().num_receivers, 2u);
  EXPECT_EQ(*assigned.recv(), 1);

  copy.reset();
  EXPECT_TRUE(rx.is_closed());
  EXPECT_EQ(rx.recv(), std::nullopt);
}

// A capacity of 0 is an invalid option.
TEST(ChannelTest, CapacityZeroThrows) {
  Deadline d(std::chrono::seconds(60));
  try {
    auto pair = channel<int>(0, "zero");
    FAIL() << "channel(0) did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), make_error_code(Errc::kInvalidOption));
    EXPECT_NE(std::string(e.what()).find("zero"), std::string::npos);
  }
  EXPECT_THROW(channel<int>(kMaxChannelCapacity + 1), Error);
}

// A pool worker can send and receive; a worker blocked in recv is woken.
TEST(ChannelTest, WorksFromPoolWorkers) {
  Deadline d(std::chrono::seconds(60));
  ThreadPool pool(PoolOptions{.num_threads = 2, .name = "chan"});
  auto [tx, rx] = channel<int>(1);
  auto [done_tx, done_rx] = unbounded_channel<int>();
  pool.spawn([rx = rx, done_tx = done_tx]() mutable {
    int sum = 0;
    while (auto v = rx.recv())
      sum += *v;
    EXPECT_TRUE(done_tx.send(sum));
  });
  {
    auto gone = std::move(rx);
    auto gone_done = std::move(done_tx);
  }
  for (int i = 1; i <= 100; ++i)
    ASSERT_TRUE(tx.send(i));
  { auto gone = std::move(tx); }
  EXPECT_EQ(done_rx.recv(), std::optional<int>(5050));
  EXPECT_EQ(done_rx.recv(), std::nullopt);
}

// Producers and consumers that are all tasks of one pool, on every pool
// size and blocking policy. Under kBlock a blocked side holds its worker,
// so only as many tasks as workers are started, and on one worker the
// channel has room for every message: the producer (queued first) runs to
// its end, then the consumer. kCompensate (spares) and kFiber (suspended
// tasks) run more sides than workers through a small channel.
class ChannelPoolTest : public testing::PolicyPoolTest {};

TEST_P(ChannelPoolTest, SidesThatAreTasksOfOnePool) {
  Deadline d(std::chrono::seconds(60));
  ThreadPool pool = make_pool(workers());
  const bool blocks = pool.policy() == BlockingPolicy::kBlock;
  const int messages = testing::stress_scale(2000);
  const int per_side =
      blocks ? std::max(1, static_cast<int>(workers()) / 2) : 2 * static_cast<int>(workers());
  const std::size_t capacity =
      blocks && workers() < 2 ? static_cast<std::size_t>(messages) : std::size_t{4};
  std::atomic<long> sum{0};
  std::atomic<int> received{0};
  {
    auto [tx, rx] = channel<int>(capacity, "between tasks");
    // Producers first: queued from outside, the pool takes them in order.
    for (int p = 0; p < per_side; ++p) {
      pool.spawn([tx = tx, messages]() mutable {
        for (int i = 1; i <= messages; ++i)
          EXPECT_TRUE(tx.send(i));
      });
    }
    for (int c = 0; c < per_side; ++c) {
      pool.spawn([rx = rx, &sum, &received]() mutable {
        while (auto v = rx.recv()) {
          sum += *v;
          received++;
        }
      });
    }
  }  // the test's own handles go: the channel ends when the producers do
  while (received.load() < per_side * messages)
    std::this_thread::yield();
  EXPECT_EQ(sum.load(), static_cast<long>(per_side) * messages * (messages + 1) / 2);
}

KNOT_INSTANTIATE_POLICY_POOL_TEST(ChannelPoolTest);

// RecordingObserver keeps the channel waits it sees.
class RecordingObserver : public Observer {
 public:
  void on_wait_begin(const WaitSite& site) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (site.kind == WaitKind::kChannelSend || site.kind == WaitKind::kChannelRecv) {
      sites_.push_back(Seen{site.resource, site.kind, std::string(site.name), site.is_timed});
    }
  }
  void on_wait_end(const WaitSite&) noexcept override {}

  struct Seen {
    const void* resource;
    WaitKind kind;
    std::string name;
    bool is_timed;
  };
  std::vector<Seen> sites() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sites_;
  }

 private:
  std::mutex mutex_;
  std::vector<Seen> sites_;
};

// A side that parks reports a WaitSite with the channel's identity, its
// name, the side and whether the wait is timed.
TEST(ChannelTest, ParkedWaitsAreVisibleToTheObserver) {
  Deadline d(std::chrono::seconds(60));
  RecordingObserver recorder;
  Observer* previous = set_observer(&recorder);
  auto [tx, rx] = channel<int>(1, "watched");
  const void* id = tx.stats().id;

  std::thread receiver([rx = rx]() mutable { EXPECT_EQ(rx.recv(), std::optional<int>(1)); });
  while (recorder.sites().empty())
    std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(tx.stats().has_parked_receivers);
  ASSERT_TRUE(tx.send(1));
  receiver.join();

  ASSERT_TRUE(tx.send(2));  // full now
  std::thread sender([tx = tx]() mutable { EXPECT_TRUE(tx.send_for(3, 30s)); });
  while (recorder.sites().size() < 2)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(*rx.recv(), 2);
  sender.join();
  EXPECT_EQ(*rx.recv(), 3);
  set_observer(previous);

  auto sites = recorder.sites();
  ASSERT_GE(sites.size(), 2u);
  EXPECT_EQ(sites[0].resource, id);
  EXPECT_EQ(sites[0].kind, WaitKind::kChannelRecv);
  EXPECT_EQ(sites[0].name, "watched");
  EXPECT_FALSE(sites[0].is_timed);
  EXPECT_EQ(sites.back().resource, id);
  EXPECT_EQ(sites.back().kind, WaitKind::kChannelSend);
  EXPECT_TRUE(sites.back().is_timed);
}

}  // namespace
}  // namespace knot
