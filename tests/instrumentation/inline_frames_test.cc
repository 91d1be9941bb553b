// Inline expansion: a user lambda inlined into knot templates is a frame
// of its own, between knot's inlined frames, with the line of each call;
// online (ProcessSymbolizer, this process) and offline (FileSymbolizer,
// this executable's file) give the same frames; deep inline chains are
// capped. Built with -O2 -g so that the always_inline calls below are
// inlined and described in DWARF.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "knot/symbolize/file_symbolizer.h"
#include "knot/symbolize/process_symbolizer.h"

// probe_return_address() returns a return address into its caller: with
// the calls below inlined, a pc inside the user's lambda.
[[gnu::noinline]] std::uintptr_t probe_return_address() {
  const auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  asm volatile("" : : "r"(pc) : "memory");
  return pc;
}

// A knot template that calls the user's function, and a public knot
// function over it, both always inlined (as the runtime's small templates
// are at -O2).
namespace knot::detail {
constexpr int kRunCallLine = __LINE__ + 3;
template <class F>
[[gnu::always_inline]] inline std::uintptr_t inline_probe_run(F& f) {
  return f() + 1;
}
}  // namespace knot::detail

namespace knot {
constexpr int kSpawnCallLine = __LINE__ + 3;
template <class F>
[[gnu::always_inline]] inline std::uintptr_t inline_probe_spawn(F f) {
  return detail::inline_probe_run(f) + 1;
}
}  // namespace knot

// The user's code: a lambda handed to knot, its call of
// probe_return_address() on kLambdaCallLine.
namespace app {
constexpr int kSpawnLine = __LINE__ + 3;
constexpr int kLambdaCallLine = __LINE__ + 3;
[[gnu::noinline]] std::uintptr_t run_stage(int n) {
  return knot::inline_probe_spawn([n]() __attribute__((always_inline)) {
    return probe_return_address() + static_cast<std::uintptr_t>(n);
  });
}

// A chain of 24 always-inlined calls, deeper than the cap.
template <int N>
[[gnu::always_inline]] inline std::uintptr_t deep(int n) {
  if constexpr (N == 0) {
    return probe_return_address() + static_cast<std::uintptr_t>(n);
  } else {
    return deep<N - 1>(n + 1) + 1;
  }
}
[[gnu::noinline]] std::uintptr_t run_deep(int n) {
  return deep<24>(n);
}
}  // namespace app

namespace knot::testing {
namespace {

using symbolize::FileSymbolizer;
using symbolize::Frame;
using symbolize::PcKind;
using symbolize::ProcessSymbolizer;

std::string describe(const std::vector<Frame>& frames) {
  std::ostringstream out;
  for (const auto& f : frames) {
    out << "  " << f.function << "  " << f.file << ":" << f.line
        << (f.is_inlined ? " [inlined]" : "") << (f.is_knot ? " [knot]" : "") << "\n";
  }
  return out.str();
}

// The pc inside the lambda: probe_return_address()'s return address,
// minus the values the callers add.
std::uintptr_t lambda_pc() {
  return app::run_stage(0) - 2;
}

// expect_expanded() checks the four frames of lambda_pc(): the lambda
// (user, inlined), knot's run and spawn (knot, inlined), run_stage (user,
// real), each at the line where it calls the one before.
void expect_expanded(const std::vector<Frame>& frames) {
  ASSERT_EQ(frames.size(), 4u) << describe(frames);
  EXPECT_NE(frames[0].function.find("run_stage"), std::string::npos) << describe(frames);
  // The closure's call operator: "app::run_stage::{lambda}::operator()" from
  // GCC's DWARF, "app::run_stage(int)::$_0::operator()() const" from clang's.
  EXPECT_NE(frames[0].function.find("::operator()"), std::string::npos) << describe(frames);
  EXPECT_EQ(frames[0].line, app::kLambdaCallLine) << describe(frames);
  EXPECT_TRUE(frames[0].is_inlined);
  EXPECT_FALSE(frames[0].is_knot) << describe(frames);

  EXPECT_NE(frames[1].function.find("knot::detail::inline_probe_run"), std::string::npos)
      << describe(frames);
  EXPECT_EQ(frames[1].line, knot::detail::kRunCallLine) << describe(frames);
  EXPECT_TRUE(frames[1].is_inlined);
  EXPECT_TRUE(frames[1].is_knot) << describe(frames);

  EXPECT_NE(frames[2].function.find("knot::inline_probe_spawn"), std::string::npos)
      << describe(frames);
  EXPECT_EQ(frames[2].line, knot::kSpawnCallLine) << describe(frames);
  EXPECT_TRUE(frames[2].is_inlined);
  EXPECT_TRUE(frames[2].is_knot) << describe(frames);

  EXPECT_EQ(frames[3].function, "app::run_stage(int)") << describe(frames);
  EXPECT_EQ(frames[3].line, app::kSpawnLine) << describe(frames);
  EXPECT_FALSE(frames[3].is_inlined);
  EXPECT_FALSE(frames[3].is_knot);
  for (const Frame& f : frames) {
    EXPECT_TRUE(f.file.ends_with("tests/instrumentation/inline_frames_test.cc")) << f.file;
  }
}

std::uint64_t file_offset(std::uintptr_t pc) {
  Dl_info info{};
  EXPECT_NE(dladdr(reinterpret_cast<void*>(pc - 1), &info), 0);
  return pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
}

// One pc of the user's lambda, inlined into two knot templates, gives four
// frames in this process, all with that pc, module and offset.
TEST(InlineFramesTest, ProcessExpandsInlinedCalls) {
  const std::uintptr_t pc = lambda_pc();
  ProcessSymbolizer symbolizer;
  const std::vector<Frame> frames = symbolizer.symbolize(pc, PcKind::kReturnAddress);
  expect_expanded(frames);
  for (const Frame& f : frames) {
    EXPECT_EQ(f.pc, pc);
    EXPECT_EQ(f.offset, frames.back().offset);
    EXPECT_EQ(f.module, frames.back().module);
    EXPECT_EQ(f.build_id, frames.back().build_id);
  }
  // The cache gives the same frames again.
  EXPECT_EQ(describe(symbolizer.symbolize(pc, PcKind::kReturnAddress)), describe(frames));
}

// The same pc read offline from this executable's file gives the same
// frames: one symbolizer for the watchdog and knot-view.
TEST(InlineFramesTest, FileGivesTheSameFrames) {
  const std::uintptr_t pc = lambda_pc();
  std::string error;
  const auto file = FileSymbolizer::open(std::filesystem::read_symlink("/proc/self/exe"), error);
  ASSERT_NE(file, nullptr) << error;
  const std::vector<Frame> frames = file->symbolize(file_offset(pc), PcKind::kReturnAddress);
  expect_expanded(frames);
  ProcessSymbolizer process;
  EXPECT_EQ(describe(frames), describe(process.symbolize(pc, PcKind::kReturnAddress)));
}

// A chain deeper than the cap keeps its innermost inlined frames and its
// real function.
TEST(InlineFramesTest, DeepChainIsCapped) {
  const std::uintptr_t pc = app::run_deep(0) - 24 - 24;
  ProcessSymbolizer symbolizer;
  const std::vector<Frame> frames = symbolizer.symbolize(pc, PcKind::kReturnAddress);
  ASSERT_EQ(frames.size(), 17u) << describe(frames);
  EXPECT_NE(frames.front().function.find("deep<0>"), std::string::npos) << describe(frames);
  EXPECT_TRUE(frames.front().is_inlined);
  EXPECT_EQ(frames.back().function, "app::run_deep(int)") << describe(frames);
  EXPECT_FALSE(frames.back().is_inlined);
}

}  // namespace
}  // namespace knot::testing
