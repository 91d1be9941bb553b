// scope: every spawned task finishes before scope returns; exceptions.
#include "knot/runtime/scope.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "common/pool_fixture.h"

namespace knot {
namespace {

using ScopeTest = testing::PoolTest;

// All spawned tasks ran when scope returns, and scope returns the body's value.
TEST_P(ScopeTest, WaitsForAllSpawns) {
  std::vector<int> out(1000, 0);
  int r = pool().install([&] {
    return scope([&](Scope& s) {
      for (int i = 0; i < 1000; ++i)
        s.spawn([&out, i] { out[i] = i + 1; });
      return 7;
    });
  });
  EXPECT_EQ(r, 7);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(out[i], i + 1);
}

// Spawned tasks can spawn into the same scope (recursive fan-out).
TEST_P(ScopeTest, NestedSpawns) {
  std::atomic<int> count{0};
  pool().install([&] {
    scope([&](Scope& s) {
      for (int i = 0; i < 10; ++i) {
        s.spawn([&](Scope& inner) {
          for (int j = 0; j < 10; ++j) {
            inner.spawn([&](Scope& innermost) {
              for (int k = 0; k < 10; ++k)
                innermost.spawn([&] { count++; });
            });
          }
        });
      }
    });
  });
  EXPECT_EQ(count.load(), 1000);
}

// A throwing task: the others still finish, scope rethrows.
TEST_P(ScopeTest, ExceptionFromTaskIsRethrownAfterAllFinish) {
  std::atomic<int> finished{0};
  EXPECT_THROW(pool().install([&] {
    scope([&](Scope& s) {
      for (int i = 0; i < 100; ++i) {
        s.spawn([&, i] {
          if (i == 50)
            throw std::runtime_error("task 50");
          finished++;
        });
      }
    });
  }),
               std::runtime_error);
  EXPECT_EQ(finished.load(), 99);
}

// A throwing body: spawned tasks still finish before the rethrow.
TEST_P(ScopeTest, ExceptionFromBody) {
  std::atomic<int> finished{0};
  EXPECT_THROW(pool().install([&] {
    scope([&](Scope& s) {
      for (int i = 0; i < 10; ++i)
        s.spawn([&] { finished++; });
      throw std::logic_error("body");
    });
  }),
               std::logic_error);
  EXPECT_EQ(finished.load(), 10);
}

// scope from outside any pool uses the global pool.
TEST(ScopeOutsideTest, UsesGlobalPool) {
  std::atomic<int> on_global{0};
  scope([&](Scope& s) {
    for (int i = 0; i < 10; ++i) {
      s.spawn([&] {
        if (current_pool() == &global_pool())
          on_global++;
      });
    }
  });
  EXPECT_EQ(on_global.load(), 10);
}

KNOT_INSTANTIATE_POOL_TEST(ScopeTest);

}  // namespace
}  // namespace knot
