// Symbolizer (knot::symbolize's ProcessSymbolizer, as the watchdog uses
// it): function names, file:line, module and build-id for code in this
// test binary, in libc and in knot; the knot-frame marking; caching;
// addresses that belong to nothing. The rule itself and inline expansion
// have their own tests (knot_frames_test, inline_frames_test).
#include "knot/instrumentation/symbolizer.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/runtime/thread_pool.h"

namespace knot::testing {
namespace {

using instr::Frame;
using instr::PcKind;
using instr::Symbolizer;

std::string describe(const std::vector<Frame>& frames) {
  std::ostringstream out;
  for (const auto& f : frames) {
    out << "  " << std::hex << f.pc << std::dec << " " << f.function << " " << f.file << ":"
        << f.line << " (" << f.module << " +0x" << std::hex << f.offset << std::dec << ")"
        << (f.is_knot ? " [knot]" : "") << "\n";
  }
  return out.str();
}

bool is_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

int g_probe_line = 0;

// The probe records the line of its capture_current() call.
[[gnu::noinline]] std::size_t knot_test_symbolizer_probe(std::uintptr_t* pcs, std::size_t max) {
  g_probe_line = __LINE__ + 1;
  const std::size_t n = instr::capture_current(pcs, max);
  asm volatile("" ::: "memory");
  return n;
}

// A function in this binary gets its name, file:line, module and build-id,
// and is not a knot frame (it lives in knot::testing).
TEST(SymbolizerTest, FileAndLineForATestFunction) {
  std::uintptr_t pcs[32];
  const std::size_t n = knot_test_symbolizer_probe(pcs, 32);
  ASSERT_GT(n, 1u);
  Symbolizer symbolizer;
  const std::vector<Frame> frames = symbolizer.symbolize(pcs[0]);
  ASSERT_EQ(frames.size(), 1u) << describe(frames);  // nothing is inlined in the probe
  const Frame& f = frames[0];
  EXPECT_FALSE(f.is_inlined);
  EXPECT_EQ(f.pc, pcs[0]);
  EXPECT_NE(f.function.find("knot_test_symbolizer_probe"), std::string::npos) << f.function;
  EXPECT_TRUE(f.file.ends_with("tests/instrumentation/symbolizer_test.cc")) << f.file;
  EXPECT_EQ(f.line, g_probe_line);
  EXPECT_NE(f.module.find("symbolizer_test"), std::string::npos) << f.module;
  EXPECT_TRUE(is_hex(f.build_id)) << f.build_id;
  EXPECT_GE(f.build_id.size(), 16u);
  EXPECT_NE(f.offset, 0u);
  EXPECT_LT(f.offset, f.pc);  // a PIE: the load bias is not 0
  EXPECT_FALSE(f.is_knot);
}

// A whole stack: the Frames of each pc in order (one per pc, more where
// code was inlined), the test body among them.
TEST(SymbolizerTest, StackOfFrames) {
  std::uintptr_t pcs[64];
  const std::size_t n = knot_test_symbolizer_probe(pcs, 64);
  Symbolizer symbolizer;
  const auto frames = symbolizer.symbolize(std::span(pcs, n));
  ASSERT_GE(frames.size(), n);
  bool body = false;
  std::size_t pc_index = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_LT(pc_index, n) << describe(frames);
    EXPECT_EQ(frames[i].pc, pcs[pc_index]) << i;
    // Each pc's Frames end with its real function.
    if (!frames[i].is_inlined)
      ++pc_index;
    body = body || frames[i].function.find("SymbolizerTest_StackOfFrames_Test::TestBody") !=
                       std::string::npos;
  }
  EXPECT_EQ(pc_index, n) << describe(frames);
  EXPECT_TRUE(body) << describe(frames);
}

// Frames of the runtime are marked as knot's; the test's own (namespace
// knot::testing, a user of the runtime) are not.
TEST(SymbolizerTest, MarksKnotFrames) {
  Deadline d(std::chrono::seconds(60));
  std::vector<std::uintptr_t> pcs(64);
  std::size_t n = 0;
  ThreadPool pool(PoolOptions{.num_threads = 1, .name = "symbolize"});
  pool.install([&] { n = knot_test_symbolizer_probe(pcs.data(), pcs.size()); });
  ASSERT_GT(n, 0u);
  Symbolizer symbolizer;
  const auto frames = symbolizer.symbolize(std::span(pcs.data(), n));
  int knot_frames = 0;
  for (const Frame& f : frames) {
    if (f.function.find("knot_test_symbolizer_probe") != std::string::npos) {
      EXPECT_FALSE(f.is_knot) << f.function;
    }
    if (f.function.starts_with("knot::") && !f.function.starts_with("knot::testing::")) {
      EXPECT_TRUE(f.is_knot) << f.function;
      ++knot_frames;
    }
  }
  EXPECT_GT(knot_frames, 0) << describe(frames);
}

// A libc function: its module, a build-id, a name; not knot.
TEST(SymbolizerTest, LibcFunction) {
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  void* getpid_address = dlsym(libc, "getpid");
  ASSERT_NE(getpid_address, nullptr);
  Symbolizer symbolizer;
  const std::vector<Frame> frames =
      symbolizer.symbolize(reinterpret_cast<std::uintptr_t>(getpid_address), PcKind::kExact);
  ASSERT_FALSE(frames.empty());
  const Frame& f = frames.back();
  EXPECT_NE(f.module.find("libc.so"), std::string::npos) << f.module;
  EXPECT_TRUE(is_hex(f.build_id)) << f.build_id;
  EXPECT_NE(f.function.find("getpid"), std::string::npos) << f.function;
  EXPECT_FALSE(f.is_knot);
  dlclose(libc);
}

// kExact looks the pc itself up: a function's first instruction names it.
TEST(SymbolizerTest, ExactPcIsNotAdjusted) {
  Symbolizer symbolizer;
  const auto entry = reinterpret_cast<std::uintptr_t>(&knot_test_symbolizer_probe);
  const std::vector<Frame> frames = symbolizer.symbolize(entry, PcKind::kExact);
  ASSERT_EQ(frames.size(), 1u) << describe(frames);
  const Frame& f = frames[0];
  EXPECT_NE(f.function.find("knot_test_symbolizer_probe"), std::string::npos) << f.function;
  EXPECT_GT(f.line, 0);
}

// A second lookup of a pc gives the same Frames (from the cache).
TEST(SymbolizerTest, CachedLookupIsIdentical) {
  std::uintptr_t pcs[8];
  const std::size_t n = knot_test_symbolizer_probe(pcs, 8);
  ASSERT_GT(n, 0u);
  Symbolizer symbolizer;
  const std::vector<Frame> first = symbolizer.symbolize(pcs[0]);
  const std::vector<Frame> second = symbolizer.symbolize(pcs[0]);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  const Frame& a = first[0];
  const Frame& b = second[0];
  EXPECT_EQ(a.pc, b.pc);
  EXPECT_EQ(a.module, b.module);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.build_id, b.build_id);
  EXPECT_EQ(a.function, b.function);
  EXPECT_EQ(a.file, b.file);
  EXPECT_EQ(a.line, b.line);
  EXPECT_EQ(a.is_knot, b.is_knot);
  EXPECT_EQ(a.is_inlined, b.is_inlined);
}

// An address in no module yields one empty Frame, not a crash.
TEST(SymbolizerTest, UnknownAddressIsEmpty) {
  Symbolizer symbolizer;
  for (std::uintptr_t pc : {std::uintptr_t{0}, std::uintptr_t{0x10}}) {
    for (PcKind kind : {PcKind::kExact, PcKind::kReturnAddress}) {
      const std::vector<Frame> frames = symbolizer.symbolize(pc, kind);
      ASSERT_EQ(frames.size(), 1u);
      const Frame& f = frames[0];
      EXPECT_EQ(f.pc, pc);
      EXPECT_TRUE(f.module.empty()) << f.module;
      EXPECT_TRUE(f.function.empty()) << f.function;
      EXPECT_EQ(f.line, 0);
      EXPECT_FALSE(f.is_knot);
    }
  }
}

}  // namespace
}  // namespace knot::testing
