// The per-worker job slab (knot/runtime/detail/job_alloc.h): blocks are
// distinct and aligned, survive a burst past the heap's bound, go back to
// their owner when another pool's worker or a plain thread frees them, and
// outlive the pool that cut them (a heap whose thread ended is freed by
// the last block's free).
#include "knot/runtime/detail/job_alloc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/base/sanitizers.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/scope.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/thread_pool.h"

namespace knot::detail {
namespace {

using knot::testing::Deadline;
using namespace std::chrono_literals;

struct Block {
  void* p = nullptr;
  std::size_t size = 0;
  unsigned char tag = 0;
};

Block make_block(std::size_t size, unsigned char tag) {
  Block b{allocate_job(size), size, tag};
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.p) % 16, 0u);
  std::memset(b.p, tag, size);
  return b;
}

void check_and_free(const Block& b) {
  const auto* bytes = static_cast<const unsigned char*>(b.p);
  for (std::size_t i = 0; i < b.size; ++i) {
    if (bytes[i] != b.tag) {
      ADD_FAILURE() << "block " << b.p << " overwritten at byte " << i;
      break;
    }
  }
  free_job(b.p);
}

// Past the bound (32 MiB of 64-byte blocks is 512k), blocks come from
// malloc: all distinct, all usable, all freed.
TEST(JobAllocTest, ABurstPastTheBoundFallsBackToMalloc) {
  Deadline deadline(120s);
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "slab"});
  pool.install([] {
    const std::size_t n = kMaxHeapBytes / 64 + 100'000;
    std::vector<void*> blocks(n);
    for (std::size_t i = 0; i < n; ++i) {
      blocks[i] = allocate_job(32);
      std::memcpy(blocks[i], &i, sizeof i);
    }
    std::set<void*> distinct(blocks.begin(), blocks.end());
    EXPECT_EQ(distinct.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t got = 0;
      std::memcpy(&got, blocks[i], sizeof got);
      ASSERT_EQ(got, i);
      free_job(blocks[i]);
    }
  });
}

// Blocks cut by one pool's workers, freed by another pool's workers and by
// a plain thread, in random sizes across the classes and past them, while
// the owners keep cutting: no block is handed out twice.
TEST(JobAllocTest, BlocksFreedByOtherThreadsGoBackToTheirOwner) {
  Deadline deadline(120s);
  ThreadPool cutters(PoolOptions{.num_threads = 2, .name = "cut"});
  ThreadPool freers(PoolOptions{.num_threads = 2, .name = "free"});
  for (int round = 0; round < 30; ++round) {
    std::vector<Block> blocks(20'000);
    cutters.install([&] {
      parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t i) {
        std::minstd_rand rng(static_cast<unsigned>(i * 7919 + round));
        const std::size_t size = 1 + rng() % 300;
        blocks[i] = make_block(size, static_cast<unsigned char>(i * 31 + round));
      });
    });
    const std::size_t half = blocks.size() / 2;
    std::thread plain([&] {
      for (std::size_t i = half; i < blocks.size(); ++i)
        check_and_free(blocks[i]);
    });
    freers.install([&] {
      parallel_for(std::size_t{0}, half, [&](std::size_t i) { check_and_free(blocks[i]); });
    });
    plain.join();
  }
}

// A pool's workers end while blocks they cut are still in use elsewhere:
// the blocks stay valid, and freeing them later (the last one frees the
// heap) is safe.
TEST(JobAllocTest, BlocksOutliveThePoolThatCutThem) {
  Deadline deadline(60s);
  for (int round = 0; round < 20; ++round) {
    std::vector<Block> blocks(5'000);
    {
      ThreadPool pool(PoolOptions{.num_threads = 2, .name = "gone"});
      pool.install([&] {
        parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t i) {
          blocks[i] = make_block(24 + i % 200, static_cast<unsigned char>(i));
        });
        // Some are freed by their owners before the end.
        for (std::size_t i = 0; i < blocks.size(); i += 7) {
          check_and_free(blocks[i]);
          blocks[i].p = nullptr;
        }
      });
    }
    ThreadPool other(PoolOptions{.num_threads = 2, .name = "after"});
    other.install([&] {
      parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t i) {
        if (blocks[i].p != nullptr)
          check_and_free(blocks[i]);
      });
    });
  }
}

// live_objects() counts the blocks of ended workers that nobody freed (the
// teardown check's "orphaned jobs"), and stops counting each as it is
// freed, by any thread. AddressSanitizer builds take every job from malloc,
// which the count leaves to the leak checker: there it stays unchanged.
TEST(JobAllocTest, BlocksOfEndedWorkersCountAsOrphanedUntilFreed) {
  Deadline deadline(60s);
  // What one orphaned slab block adds to the count in this build.
  const std::size_t one = base::kUnderAddressSanitizer ? 0 : 1;
  const std::size_t before = live_objects().orphaned_jobs;
  std::vector<Block> blocks(300);
  {
    ThreadPool pool(PoolOptions{.num_threads = 2, .name = "orphans"});
    pool.install([&] {
      parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t i) {
        blocks[i] = make_block(40, static_cast<unsigned char>(i));
      });
      // Those its owners free before the end are not orphaned.
      for (std::size_t i = 0; i < 100; ++i)
        check_and_free(blocks[i]);
    });
    EXPECT_EQ(live_objects().orphaned_jobs, before) << "the workers still run";
  }
  EXPECT_EQ(live_objects().orphaned_jobs, before + 200 * one);
  for (std::size_t i = 100; i < 250; ++i)
    check_and_free(blocks[i]);
  EXPECT_EQ(live_objects().orphaned_jobs, before + 50 * one);
  std::thread other([&] {
    for (std::size_t i = 250; i < blocks.size(); ++i)
      check_and_free(blocks[i]);
  });
  other.join();
  EXPECT_EQ(live_objects().orphaned_jobs, before);
}

// Spawns across pools: a scope's tasks spawned from another pool's worker
// are cut there and freed where they ran.
TEST(JobAllocTest, SpawnsFromAnotherPoolRunAndFree) {
  Deadline deadline(60s);
  ThreadPool a(PoolOptions{.num_threads = 2, .name = "a"});
  ThreadPool b(PoolOptions{.num_threads = 2, .name = "b"});
  std::atomic<int> ran{0};
  a.install([&] {
    scope([&](Scope& s) {
      for (int i = 0; i < 1000; ++i) {
        s.spawn([&] {
          b.install([&] {
            scope([&](Scope& inner) {
              for (int k = 0; k < 10; ++k)
                inner.spawn([&] { ran.fetch_add(1); });
            });
          });
        });
      }
    });
  });
  EXPECT_EQ(ran.load(), 10'000);
}

}  // namespace
}  // namespace knot::detail
