// Symbolizer: function names, file:line, module and build-id for code in
// this test binary, in libc and in knot; the knot-frame marking; caching;
// addresses that belong to nothing.
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
  const Frame f = symbolizer.symbolize(pcs[0]);
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

// A whole stack: one Frame per pc, in order, the test body among them.
TEST(SymbolizerTest, StackOfFrames) {
  std::uintptr_t pcs[64];
  const std::size_t n = knot_test_symbolizer_probe(pcs, 64);
  Symbolizer symbolizer;
  const auto frames = symbolizer.symbolize(std::span(pcs, n));
  ASSERT_EQ(frames.size(), n);
  bool body = false;
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(frames[i].pc, pcs[i]);
    body = body || frames[i].function.find("SymbolizerTest_StackOfFrames_Test::TestBody") !=
                       std::string::npos;
  }
  EXPECT_TRUE(body) << describe(frames);
}

// Frames of the runtime are marked as knot's; the test's own are not.
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
  const Frame f =
      symbolizer.symbolize(reinterpret_cast<std::uintptr_t>(getpid_address), PcKind::kExact);
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
  const Frame f = symbolizer.symbolize(entry, PcKind::kExact);
  EXPECT_NE(f.function.find("knot_test_symbolizer_probe"), std::string::npos) << f.function;
  EXPECT_GT(f.line, 0);
}

// A second lookup of a pc gives the same Frame (from the cache).
TEST(SymbolizerTest, CachedLookupIsIdentical) {
  std::uintptr_t pcs[8];
  const std::size_t n = knot_test_symbolizer_probe(pcs, 8);
  ASSERT_GT(n, 0u);
  Symbolizer symbolizer;
  const Frame a = symbolizer.symbolize(pcs[0]);
  const Frame b = symbolizer.symbolize(pcs[0]);
  EXPECT_EQ(a.pc, b.pc);
  EXPECT_EQ(a.module, b.module);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.build_id, b.build_id);
  EXPECT_EQ(a.function, b.function);
  EXPECT_EQ(a.file, b.file);
  EXPECT_EQ(a.line, b.line);
  EXPECT_EQ(a.is_knot, b.is_knot);
}

// An address in no module yields an empty Frame, not a crash.
TEST(SymbolizerTest, UnknownAddressIsEmpty) {
  Symbolizer symbolizer;
  for (std::uintptr_t pc : {std::uintptr_t{0}, std::uintptr_t{0x10}}) {
    for (PcKind kind : {PcKind::kExact, PcKind::kReturnAddress}) {
      const Frame f = symbolizer.symbolize(pc, kind);
      EXPECT_EQ(f.pc, pc);
      EXPECT_TRUE(f.module.empty()) << f.module;
      EXPECT_TRUE(f.function.empty()) << f.function;
      EXPECT_EQ(f.line, 0);
      EXPECT_FALSE(f.is_knot);
    }
  }
}

// is_knot_function() on the shapes demangled names take.
TEST(SymbolizerTest, IsKnotFunctionTable) {
  struct Case {
    const char* name;
    std::string_view demangled;
    bool expected;
  };
  const Case cases[] = {
      {"member", "knot::Latch::wait() const", true},
      {"nested namespace", "knot::detail::park(void const*, knot::WaitSite const&)", true},
      {"return type skipped", "void knot::join<A, B>(A&&, B&&)", true},
      {"two-word return type", "unsigned long knot::default_num_threads()", true},
      {"template return type", "std::vector<int, std::allocator<int> > knot::f()", true},
      {"call operator", "knot::ThreadPool::install<F>(F&&)::{lambda()#1}::operator()() const",
       true},
      {"knot operator<", "knot::Version::operator<(knot::Version const&) const", true},
      {"knot anonymous namespace", "knot::detail::(anonymous namespace)::wake(knot::Waiter*)",
       true},
      {"clone suffix", "knot::Worker::run() [clone .cold]", true},
      {"testing excluded", "knot::testing::(anonymous namespace)::Foo_Test::TestBody()", false},
      {"testing deadline", "knot::testing::Deadline::Deadline(std::chrono::duration<long>)", false},
      {"std with knot argument", "std::_Function_handler<void (), knot::Job>::_M_invoke()", false},
      {"std return of knot", "knot::Error std::make_error()", false},
      {"similar prefix", "knotty::f()", false},
      {"anonymous namespace", "(anonymous namespace)::helper(int)", false},
      {"std operator[]", "std::vector<int>::operator[](unsigned long)", false},
      {"C function", "write", false},
      {"empty", "", false},
  };
  for (const Case& c : cases)
    EXPECT_EQ(instr::is_knot_function(c.demangled), c.expected) << c.name << ": " << c.demangled;
}

}  // namespace
}  // namespace knot::testing
