// Channel stress: many producers and consumers on bounded (capacities 1, 2,
// 64) and unbounded channels, with random schedules, random send/receive
// flavours, drops of either side while the other blocks, pool workers and
// plain threads, and timeouts under contention. Every test checks that each
// message is accounted for exactly once: received, handed back to its
// sender, or destroyed inside a channel nobody drained. Sanitizer builds
// run fewer rounds (stress_scale).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "knot/runtime/channel.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/scope.h"
#include "knot/runtime/thread_pool.h"

namespace knot {
namespace {

using namespace std::chrono_literals;
using testing::Budget;
using testing::Deadline;
using testing::stress_scale;

// A capacity, or nullopt for an unbounded channel.
using Kind = std::optional<std::size_t>;
const Kind kKinds[] = {Kind{1}, Kind{2}, Kind{64}, Kind{}};

template <class T>
std::pair<Sender<T>, Receiver<T>> make_channel(Kind kind) {
  if (kind.has_value())
    return channel<T>(*kind, "stress");
  return unbounded_channel<T>("stress");
}

std::string describe(Kind kind, std::uint64_t seed) {
  return (kind.has_value() ? "capacity " + std::to_string(*kind) : std::string("unbounded")) +
         ", seed " + std::to_string(seed);
}

std::uint64_t fresh_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

// jitter() perturbs the schedule: mostly nothing, sometimes a yield, rarely
// a short sleep.
void jitter(std::mt19937_64& rng) {
  const auto r = rng() % 512;
  if (r == 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(20 + rng() % 200));
  } else if (r < 16) {
    std::this_thread::yield();
  }
}

// ============================================================================
// Exactly-once delivery of numbered messages
// ============================================================================

// A message is (producer << 32) | sequence number.
std::uint64_t message(std::uint32_t producer, std::uint32_t seq) {
  return (std::uint64_t{producer} << 32) | seq;
}

// Tally records what consumers received: each message once, and each
// producer's messages in increasing order as seen by any one consumer.
class Tally {
 public:
  Tally(std::uint32_t producers, std::uint32_t per_producer)
      : producers_(producers),
        per_producer_(per_producer),
        seen_(std::size_t{producers} * per_producer) {}

  // Consumer is one consumer's view: the last sequence number per producer.
  class Consumer {
   public:
    explicit Consumer(Tally& tally) : tally_(tally), last_(tally.producers_, -1) {}
    void take(std::uint64_t v) {
      const auto producer = static_cast<std::uint32_t>(v >> 32);
      const auto seq = static_cast<std::int64_t>(v & 0xffffffffu);
      const std::size_t index = std::size_t{producer} * tally_.per_producer_ + seq;
      if (producer >= tally_.producers_ || index >= tally_.seen_.size()) {
        tally_.errors_.fetch_add(1);  // out of range
        return;
      }
      if (tally_.seen_[index].exchange(1) != 0)
        tally_.errors_.fetch_add(1);  // a duplicate
      if (seq <= last_[producer])
        tally_.errors_.fetch_add(1);  // out of order
      last_[producer] = seq;
    }

   private:
    Tally& tally_;
    std::vector<std::int64_t> last_;
  };

  std::size_t num_missing() const {
    std::size_t n = 0;
    for (const auto& s : seen_)
      n += s.load() == 0 ? 1 : 0;
    return n;
  }
  int num_errors() const { return errors_.load(); }

 private:
  std::uint32_t producers_;
  std::uint32_t per_producer_;
  std::vector<std::atomic<std::uint8_t>> seen_;
  std::atomic<int> errors_{0};
};

// produce() sends `n` messages with a random mix of send, try_send and
// send_for; a failed attempt must hand the same value back.
void produce(Sender<std::uint64_t> tx, std::uint32_t producer, std::uint32_t n,
             std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::uint32_t seq = 0; seq < n; ++seq) {
    jitter(rng);
    std::uint64_t v = message(producer, seq);
    switch (rng() % 4) {
      case 0:
      case 1:
        ASSERT_TRUE(tx.send(v));
        break;
      case 2:
        for (auto r = tx.try_send(v); !r; r = tx.try_send(v)) {
          ASSERT_EQ(r.status, ChannelStatus::kFull);
          ASSERT_EQ(r.value, std::optional<std::uint64_t>(v));
          std::this_thread::yield();
        }
        break;
      default:
        for (auto r = tx.send_for(v, std::chrono::microseconds(rng() % 1000)); !r;
             r = tx.send_for(v, std::chrono::microseconds(rng() % 1000))) {
          ASSERT_EQ(r.status, ChannelStatus::kTimeout);
          ASSERT_EQ(r.value, std::optional<std::uint64_t>(v));
        }
        break;
    }
  }
}

// consume() receives until the end with a random mix of recv, try_recv,
// recv_for, or a range-for over the whole stream.
void consume(Receiver<std::uint64_t> rx, Tally& tally, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tally::Consumer consumer(tally);
  if (rng() % 4 == 0) {
    for (std::uint64_t v : rx)
      consumer.take(v);
    return;
  }
  for (;;) {
    jitter(rng);
    switch (rng() % 3) {
      case 0: {
        auto v = rx.recv();
        if (!v)
          return;
        consumer.take(*v);
        break;
      }
      case 1: {
        auto r = rx.try_recv();
        if (r) {
          consumer.take(*r.value);
        } else if (r.status == ChannelStatus::kClosed) {
          return;
        } else {
          ASSERT_EQ(r.status, ChannelStatus::kEmpty);
          std::this_thread::yield();
        }
        break;
      }
      default: {
        auto r = rx.recv_for(std::chrono::microseconds(rng() % 1000));
        if (r) {
          consumer.take(*r.value);
        } else if (r.status == ChannelStatus::kClosed) {
          return;
        } else {
          ASSERT_EQ(r.status, ChannelStatus::kTimeout);
        }
        break;
      }
    }
  }
}

// Where one round runs its producers and consumers.
enum class Placement { kThreads, kProducersOnPool, kConsumersOnPool, kBothInScope };

// run_round() runs P producers and C consumers of `kind` and checks that
// every message arrived exactly once and in per-producer order.
void run_round(Kind kind, std::uint32_t producers, std::uint32_t consumers, std::uint32_t per,
               std::uint64_t seed, Placement placement, ThreadPool* pool) {
  SCOPED_TRACE(describe(kind, seed) + ", " + std::to_string(producers) + "x" +
               std::to_string(consumers) + ", placement " +
               std::to_string(static_cast<int>(placement)));
  Tally tally(producers, per);
  std::optional<ChannelStats> final_stats;
  {
    // Plain references, not structured bindings: lambdas capture them.
    auto ends = make_channel<std::uint64_t>(kind);
    Sender<std::uint64_t>& tx = ends.first;
    Receiver<std::uint64_t>& rx = ends.second;
    std::vector<std::thread> threads;
    Latch pool_done(placement == Placement::kProducersOnPool   ? producers
                    : placement == Placement::kConsumersOnPool ? consumers
                                                               : 0);
    auto start_producer = [&](std::uint32_t p, bool on_pool) {
      auto body = [tx = tx, p, per, seed, &pool_done, on_pool]() mutable {
        produce(std::move(tx), p, per, seed + p);
        if (on_pool)
          pool_done.count_down();
      };
      if (on_pool) {
        pool->spawn(std::move(body));
      } else {
        threads.emplace_back(std::move(body));
      }
    };
    auto start_consumer = [&](std::uint32_t c, bool on_pool) {
      auto body = [rx = rx, c, seed, &tally, &pool_done, on_pool]() mutable {
        consume(std::move(rx), tally, seed + 1000 + c);
        if (on_pool)
          pool_done.count_down();
      };
      if (on_pool) {
        pool->spawn(std::move(body));
      } else {
        threads.emplace_back(std::move(body));
      }
    };
    Receiver<std::uint64_t> observer = rx;  // keeps stats readable after the consumers end
    if (placement == Placement::kBothInScope) {
      pool->install([&] {
        scope([&](Scope& s) {
          for (std::uint32_t p = 0; p < producers; ++p) {
            s.spawn(
                [tx = tx, p, per, seed]() mutable { produce(std::move(tx), p, per, seed + p); });
          }
          for (std::uint32_t c = 0; c < consumers; ++c) {
            s.spawn([rx = rx, c, seed, &tally]() mutable {
              consume(std::move(rx), tally, seed + 1000 + c);
            });
          }
          // Drop the originals inside the scope, or the consumers never end.
          auto gone_tx = std::move(tx);
          auto gone_rx = std::move(rx);
        });
      });
    } else {
      for (std::uint32_t p = 0; p < producers; ++p) {
        start_producer(p, placement == Placement::kProducersOnPool);
      }
      for (std::uint32_t c = 0; c < consumers; ++c) {
        start_consumer(c, placement == Placement::kConsumersOnPool);
      }
      {
        auto gone_tx = std::move(tx);
        auto gone_rx = std::move(rx);
      }
      for (auto& t : threads)
        t.join();
      pool_done.wait();
    }
    final_stats = observer.stats();
    // `observer` is the last receiver: the channel is closed for senders.
    EXPECT_TRUE(final_stats->is_closed);
  }
  const std::uint64_t total = std::uint64_t{producers} * per;
  EXPECT_EQ(tally.num_errors(), 0);
  EXPECT_EQ(tally.num_missing(), 0u);
  EXPECT_EQ(final_stats->num_sent, total);
  EXPECT_EQ(final_stats->num_received, total);
  EXPECT_EQ(final_stats->size, 0u);
  EXPECT_EQ(final_stats->num_senders, 0u);
}

// N producers x M consumers on plain threads: exactly once, in order.
TEST(ChannelStress, MpmcExactlyOnceOnThreads) {
  Deadline d(std::chrono::seconds(60));
  const Budget time_budget(std::chrono::seconds(20));
  const std::uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  const int rounds = stress_scale(80);
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && time_budget.spent())
      break;
    for (Kind kind : kKinds) {
      const auto producers = static_cast<std::uint32_t>(1 + rng() % 4);
      const auto consumers = static_cast<std::uint32_t>(1 + rng() % 4);
      run_round(kind, producers, consumers, 1500, rng(), Placement::kThreads, nullptr);
      if (::testing::Test::HasFailure())
        return;
    }
  }
}

// The same, with producers or consumers (or both) running as pool tasks.
// Blocking tasks never outnumber the workers, so the pool cannot starve.
TEST(ChannelStress, MpmcExactlyOnceOnPoolWorkers) {
  Deadline d(std::chrono::seconds(60));
  const Budget time_budget(std::chrono::seconds(20));
  ThreadPool pool(PoolOptions{.num_threads = 4, .name = "chan-stress"});
  const std::uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  const int rounds = stress_scale(24);
  const Placement placements[] = {Placement::kProducersOnPool, Placement::kConsumersOnPool,
                                  Placement::kBothInScope};
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && time_budget.spent())
      break;
    for (Kind kind : kKinds) {
      for (Placement placement : placements) {
        const auto producers = static_cast<std::uint32_t>(1 + rng() % 2);
        const auto consumers = static_cast<std::uint32_t>(1 + rng() % 2);
        run_round(kind, producers, consumers, 1000, rng(), placement, &pool);
        if (::testing::Test::HasFailure())
          return;
      }
    }
  }
}

// Timed operations only, with tiny timeouts, on small channels crowded with
// threads: timeouts hand the value back and nothing is lost or duplicated.
TEST(ChannelStress, TimeoutsUnderContention) {
  Deadline d(std::chrono::seconds(60));
  const Budget time_budget(std::chrono::seconds(20));
  const std::uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  const int rounds = stress_scale(60);
  std::atomic<std::uint64_t> timeouts{0};
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && time_budget.spent())
      break;
    const Kind kind = rng() % 2 == 0 ? Kind{1} : Kind{2};
    const std::uint32_t producers = 4, consumers = 4, per = 500;
    SCOPED_TRACE(describe(kind, seed));
    Tally tally(producers, per);
    std::vector<std::thread> threads;
    {
      auto [tx, rx] = make_channel<std::uint64_t>(kind);
      for (std::uint32_t p = 0; p < producers; ++p) {
        threads.emplace_back([tx = tx, p, s = rng(), &timeouts]() mutable {
          std::mt19937_64 r(s);
          for (std::uint32_t seq = 0; seq < per; ++seq) {
            const std::uint64_t v = message(p, seq);
            for (;;) {
              auto res = tx.send_for(v, std::chrono::microseconds(r() % 300));
              if (res)
                break;
              ASSERT_EQ(res.status, ChannelStatus::kTimeout);
              ASSERT_EQ(res.value, std::optional<std::uint64_t>(v));
              timeouts.fetch_add(1, std::memory_order_relaxed);
            }
          }
        });
      }
      for (std::uint32_t c = 0; c < consumers; ++c) {
        threads.emplace_back([rx = rx, s = rng(), &tally, &timeouts]() mutable {
          std::mt19937_64 r(s);
          Tally::Consumer consumer(tally);
          for (;;) {
            auto res = rx.recv_for(std::chrono::microseconds(r() % 300));
            if (res) {
              consumer.take(*res.value);
            } else if (res.status == ChannelStatus::kClosed) {
              return;
            } else {
              ASSERT_EQ(res.status, ChannelStatus::kTimeout);
              timeouts.fetch_add(1, std::memory_order_relaxed);
            }
            if (r() % 64 == 0)
              std::this_thread::sleep_for(std::chrono::microseconds(r() % 400));
          }
        });
      }
    }
    for (auto& t : threads)
      t.join();
    EXPECT_EQ(tally.num_errors(), 0);
    EXPECT_EQ(tally.num_missing(), 0u);
    if (::testing::Test::HasFailure())
      return;
  }
  std::printf("timeouts seen: %llu\n", static_cast<unsigned long long>(timeouts.load()));
}

// ============================================================================
// Closing races: every value is received, handed back, or destroyed in a
// channel that nobody drained; never lost, never twice
// ============================================================================

enum Fate : std::uint8_t { kUnsettled, kReceived, kHandedBack, kDroppedInChannel };

// Ledger: one fate per token id; settling twice is an error.
struct Ledger {
  explicit Ledger(std::size_t n) : fates(n) {}
  void settle(std::uint32_t id, Fate fate) {
    if (fates[id].exchange(fate) != kUnsettled)
      errors.fetch_add(1);
  }
  std::vector<std::atomic<std::uint8_t>> fates;
  std::atomic<int> errors{0};
};

// Token: a move-only message that settles itself as kDroppedInChannel if it
// is destroyed without having been settled (e.g. by a channel's destructor).
class Token {
 public:
  Token(Ledger* ledger, std::uint32_t id) : ledger_(ledger), id_(id) {}
  Token(Token&& other) noexcept : ledger_(std::exchange(other.ledger_, nullptr)), id_(other.id_) {}
  // Overwriting an unsettled token drops it, as destroying it would.
  Token& operator=(Token&& other) noexcept {
    if (this != &other) {
      if (ledger_ != nullptr)
        ledger_->settle(id_, kDroppedInChannel);
      ledger_ = std::exchange(other.ledger_, nullptr);
      id_ = other.id_;
    }
    return *this;
  }
  ~Token() {
    if (ledger_ != nullptr)
      ledger_->settle(id_, kDroppedInChannel);
  }
  void settle(Fate fate) {
    ledger_->settle(id_, fate);
    ledger_ = nullptr;
  }

 private:
  Ledger* ledger_;
  std::uint32_t id_;
};

// Receivers take a random number of messages, then drop their handles while
// senders are blocked or sending. Senders must all come back with kClosed
// and their value.
TEST(ChannelStress, ReceiversDropWhileSendersBlock) {
  Deadline d(std::chrono::seconds(60));
  const Budget time_budget(std::chrono::seconds(20));
  const std::uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  const int rounds = stress_scale(400);
  constexpr std::uint32_t kPer = 400;
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && time_budget.spent())
      break;
    const Kind kind = kKinds[rng() % 4];
    const auto producers = static_cast<std::uint32_t>(1 + rng() % 4);
    const auto consumers = static_cast<std::uint32_t>(1 + rng() % 3);
    SCOPED_TRACE(describe(kind, seed));
    Ledger ledger(std::size_t{producers} * kPer);
    std::vector<std::uint32_t> made(producers, 0);
    std::vector<std::thread> threads;
    {
      auto [tx, rx] = make_channel<Token>(kind);
      for (std::uint32_t p = 0; p < producers; ++p) {
        threads.emplace_back([tx = tx, p, s = rng(), &ledger, &made]() mutable {
          std::mt19937_64 r(s);
          for (std::uint32_t seq = 0; seq < kPer; ++seq) {
            jitter(r);
            Token token(&ledger, p * kPer + seq);
            made[p] = seq + 1;
            SendResult<Token> res;
            switch (r() % 3) {
              case 0:
                res = tx.send(std::move(token));
                break;
              case 1:
                res = tx.send_for(std::move(token), std::chrono::microseconds(r() % 500));
                while (res.status == ChannelStatus::kTimeout) {
                  res = tx.send_for(std::move(*res.value), std::chrono::microseconds(r() % 500));
                }
                break;
              default:
                res = tx.try_send(std::move(token));
                while (res.status == ChannelStatus::kFull) {
                  std::this_thread::yield();
                  res = tx.try_send(std::move(*res.value));
                }
                break;
            }
            if (res.status == ChannelStatus::kClosed) {
              ASSERT_TRUE(res.value.has_value());
              res.value->settle(kHandedBack);
              return;
            }
            ASSERT_EQ(res.status, ChannelStatus::kOk);
            ASSERT_FALSE(res.value.has_value());
          }
        });
      }
      for (std::uint32_t c = 0; c < consumers; ++c) {
        threads.emplace_back([rx = rx, s = rng()]() mutable {
          std::mt19937_64 r(s);
          const auto budget = r() % 300;
          for (std::uint64_t i = 0; i < budget; ++i) {
            jitter(r);
            auto token = rx.recv();
            if (!token)
              return;
            token->settle(kReceived);
          }
          // Returning drops this receiver, perhaps while senders block.
        });
      }
    }
    for (auto& t : threads)
      t.join();
    // Every handle is gone, so the channel and anything left in it are too.
    EXPECT_EQ(ledger.errors.load(), 0);
    for (std::uint32_t p = 0; p < producers; ++p) {
      for (std::uint32_t seq = 0; seq < made[p]; ++seq) {
        ASSERT_NE(ledger.fates[p * kPer + seq].load(), kUnsettled) << "token " << p << "/" << seq;
      }
    }
    if (::testing::Test::HasFailure())
      return;
  }
}

// Senders send a random number of messages, then drop their handles while
// receivers are blocked. Receivers must all see the end, after draining
// every message.
TEST(ChannelStress, SendersDropWhileReceiversBlock) {
  Deadline d(std::chrono::seconds(60));
  const Budget time_budget(std::chrono::seconds(20));
  const std::uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  const int rounds = stress_scale(400);
  constexpr std::uint32_t kPer = 300;
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && time_budget.spent())
      break;
    const Kind kind = kKinds[rng() % 4];
    const auto producers = static_cast<std::uint32_t>(1 + rng() % 3);
    const auto consumers = static_cast<std::uint32_t>(1 + rng() % 4);
    SCOPED_TRACE(describe(kind, seed));
    Ledger ledger(std::size_t{producers} * kPer);
    std::vector<std::uint32_t> made(producers, 0);
    std::vector<std::thread> threads;
    {
      auto [tx, rx] = make_channel<Token>(kind);
      for (std::uint32_t c = 0; c < consumers; ++c) {
        threads.emplace_back([rx = rx, s = rng()]() mutable {
          std::mt19937_64 r(s);
          if (r() % 2 == 0) {
            for (Token t : rx)
              t.settle(kReceived);
            return;
          }
          for (;;) {
            jitter(r);
            auto res = rx.recv_for(std::chrono::microseconds(r() % 2000));
            if (res.status == ChannelStatus::kClosed)
              return;
            if (res)
              res.value->settle(kReceived);
          }
        });
      }
      for (std::uint32_t p = 0; p < producers; ++p) {
        threads.emplace_back([tx = tx, p, s = rng(), &ledger, &made]() mutable {
          std::mt19937_64 r(s);
          const auto count = static_cast<std::uint32_t>(r() % kPer);
          for (std::uint32_t seq = 0; seq < count; ++seq) {
            jitter(r);
            made[p] = seq + 1;
            ASSERT_TRUE(tx.send(Token(&ledger, p * kPer + seq)));
          }
          if (r() % 4 == 0)
            std::this_thread::sleep_for(std::chrono::microseconds(r() % 300));
        });
      }
    }
    for (auto& t : threads)
      t.join();
    EXPECT_EQ(ledger.errors.load(), 0);
    for (std::uint32_t p = 0; p < producers; ++p) {
      for (std::uint32_t seq = 0; seq < made[p]; ++seq) {
        ASSERT_EQ(ledger.fates[p * kPer + seq].load(), kReceived) << "token " << p << "/" << seq;
      }
    }
    if (::testing::Test::HasFailure())
      return;
  }
}

// Tight races between a blocked side and the other side's last drop, many
// times over: the blocked call always returns ([C2], [C7]).
TEST(ChannelStress, LastDropRacesWithParking) {
  Deadline d(std::chrono::seconds(60));
  const Budget time_budget(std::chrono::seconds(20));
  const std::uint64_t seed = fresh_seed();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int rounds = stress_scale(3000);
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && time_budget.spent())
      break;
    const auto delay = std::chrono::microseconds(rng() % 100);
    const Kind kind = kKinds[rng() % 4];
    if (round % 2 == 0) {
      // A receiver waits on an empty channel; the last sender drops.
      auto [tx, rx] = make_channel<int>(kind);
      std::thread receiver([rx = std::move(rx)]() mutable { EXPECT_EQ(rx.recv(), std::nullopt); });
      std::this_thread::sleep_for(delay);
      { auto gone = std::move(tx); }
      receiver.join();
    } else {
      // A sender waits on a full channel (or sends into an unbounded one);
      // the last receiver drops.
      auto [tx, rx] = make_channel<int>(kind);
      if (kind.has_value()) {
        for (std::size_t i = 0; i < *kind; ++i)
          ASSERT_TRUE(tx.send(0));
      }
      std::thread sender([tx = std::move(tx)]() mutable {
        for (;;) {  // a bounded channel is full: only an unbounded send can succeed
          auto r = tx.send(1);
          if (r)
            continue;
          EXPECT_EQ(r.status, ChannelStatus::kClosed);
          EXPECT_EQ(r.value, std::optional<int>(1));
          return;
        }
      });
      std::this_thread::sleep_for(delay);
      { auto gone = std::move(rx); }
      sender.join();
    }
    if (::testing::Test::HasFailure())
      return;
  }
}

}  // namespace
}  // namespace knot
