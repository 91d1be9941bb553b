// knot/base/hash.h: FNV-1a's published test values, and a hash built byte
// by byte equals the one-call hash (the values are stored: they must never
// change).
#include "knot/base/hash.h"

#include <gtest/gtest.h>

namespace knot::base {
namespace {

TEST(HashTest, Fnv1aKnownValues) {
  EXPECT_EQ(fnv1a64(""), 0xCBF29CE484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xAF63DC4C8601EC8CULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171F73967E8ULL);
  static_assert(fnv1a64("a") == 0xAF63DC4C8601EC8CULL);
}

TEST(HashTest, StepByStepEqualsOneCall) {
  const std::string_view s = "knot: the wait-for graph";
  std::uint64_t h = kFnv1aOffsetBasis;
  for (char c : s)
    h = fnv1a_step(h, static_cast<unsigned char>(c));
  EXPECT_EQ(h, fnv1a64(s));
}

TEST(HashTest, Mix64IsABijectionOnSamples) {
  EXPECT_EQ(mix64(0), 0u);
  EXPECT_NE(mix64(1), mix64(2));
  EXPECT_NE(mix64(1), 1u);
}

}  // namespace
}  // namespace knot::base
