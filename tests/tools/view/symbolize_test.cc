// knot::view::symbolize: frames that carry only a module and an offset get
// their function, file and line back from the binary, found at its path,
// by build-id or by name in a --binaries folder; a binary with another
// build-id is refused. The frames come from this test executable itself
// (built with -g). The last test runs the same through knot-view.
#include "knot/view/symbolize.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "knot/report/report_json.h"
#include "knot/symbolize/file_symbolizer.h"

// Two functions whose addresses the frames are made of. The call in
// symbolize_probe() is on kProbeCallLine; nothing is inlined.
namespace viewtest {

__attribute__((noinline)) void* return_address_probe() {
  void* ra = __builtin_return_address(0);
  asm volatile("" : : "r"(ra) : "memory");
  return ra;
}

constexpr int kProbeCallLine = __LINE__ + 3;
__attribute__((noinline)) void* symbolize_probe(int n) {
  asm volatile("" : : "r"(n) : "memory");
  void* ra = return_address_probe();
  asm volatile("" : : "r"(ra) : "memory");
  return ra;
}

}  // namespace viewtest

// A function of knot's internal namespace: resolved frames in it are
// marked is_knot (knot/symbolize/knot_frames.h).
namespace knot::detail {
__attribute__((noinline)) void* knot_probe() {
  void* ra = viewtest::return_address_probe();
  asm volatile("" : : "r"(ra) : "memory");
  return ra;
}
// A knot template that calls the user's function, always inlined.
template <class F>
[[gnu::always_inline]] inline void* view_inline_run(F& f) {
  return f();
}
}  // namespace knot::detail

namespace viewtest {
// inlined_probe() hands a lambda to the knot template above; both are
// inlined into it, so its call of return_address_probe() is inside the
// lambda inside knot::detail::view_inline_run().
constexpr int kInlinedCallLine = __LINE__ + 3;
__attribute__((noinline)) void* inlined_probe() {
  auto user = [&]() __attribute__((always_inline)) {
    return return_address_probe();
  };
  void* ra = knot::detail::view_inline_run(user);
  asm volatile("" : : "r"(ra) : "memory");
  return ra;
}
}  // namespace viewtest

namespace knot::view {
namespace {

namespace fs = std::filesystem;
using knot::report::Frame;
using knot::report::Report;
using knot::symbolize::read_build_id;

std::string self_path() {
  return fs::read_symlink("/proc/self/exe").string();
}

std::uint64_t offset_of(const void* address) {
  Dl_info info{};
  EXPECT_NE(dladdr(address, &info), 0);
  return reinterpret_cast<std::uintptr_t>(address) -
         reinterpret_cast<std::uintptr_t>(info.dli_fbase);
}

// probe_report() is a report of one thread whose three frames are this
// executable's return_address_probe() (innermost, an exact address, as a
// signal's capture has it), the call in symbolize_probe() and the call in
// knot_probe() (return addresses), as a stripped production run records
// them: module and offset only.
Report probe_report(const std::string& module, const std::string& build_id) {
  Frame top;
  top.module = module;
  top.build_id = build_id;
  top.offset = offset_of(reinterpret_cast<const void*>(&viewtest::return_address_probe));
  Frame caller = top;
  caller.offset = offset_of(viewtest::symbolize_probe(1));
  Frame knot_caller = top;
  knot_caller.offset = offset_of(knot::detail::knot_probe());
  Report report;
  report.threads.resize(1);
  report.threads[0].tid = 7;
  report.threads[0].stack_source = "signal";
  report.threads[0].stack = {top, caller, knot_caller};
  return report;
}

void expect_resolved(const Report& report) {
  const auto& stack = report.threads[0].stack;
  EXPECT_EQ(stack[0].function, "viewtest::return_address_probe()");
  EXPECT_EQ(stack[1].function, "viewtest::symbolize_probe(int)");
  EXPECT_TRUE(stack[1].file.ends_with("symbolize_test.cc")) << stack[1].file;
  EXPECT_EQ(stack[1].line, viewtest::kProbeCallLine);
  EXPECT_FALSE(stack[1].is_knot);
  EXPECT_EQ(stack[2].function, "knot::detail::knot_probe()");
  EXPECT_TRUE(stack[2].is_knot);
}

class SymbolizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("knot-view-symbolize-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

// The module's own path, no build-id recorded: resolved from there.
TEST_F(SymbolizeTest, FromModulePath) {
  Report report = probe_report(self_path(), "");
  const SymbolizeResult result = symbolize(report, {});
  EXPECT_EQ(result.num_resolved, 3u);
  EXPECT_EQ(result.num_unresolved, 0u);
  EXPECT_TRUE(result.warnings.empty());
  expect_resolved(report);
}

// The production path does not exist here; a renamed copy in --binaries
// is found by its build-id.
TEST_F(SymbolizeTest, ByBuildIdInBinariesFolder) {
  const std::string build_id = read_build_id(self_path());
  ASSERT_FALSE(build_id.empty());
  fs::create_directories(dir_ / "sub");
  fs::copy_file(self_path(), dir_ / "sub" / "renamed.bin");
  Report report = probe_report("/nonexistent/prod/bin/app", build_id);
  const SymbolizeResult result = symbolize(report, {.binaries_dir = dir_.string()});
  EXPECT_EQ(result.num_resolved, 3u);
  expect_resolved(report);
}

// The debuginfod-style layout .build-id/xx/rest.debug is found directly.
TEST_F(SymbolizeTest, ByBuildIdDebugLayout) {
  const std::string build_id = read_build_id(self_path());
  ASSERT_GT(build_id.size(), 2u);
  fs::create_directories(dir_ / ".build-id" / build_id.substr(0, 2));
  fs::copy_file(self_path(),
                dir_ / ".build-id" / build_id.substr(0, 2) / (build_id.substr(2) + ".debug"));
  Report report = probe_report("/nonexistent/prod/bin/app", build_id);
  EXPECT_EQ(symbolize(report, {.binaries_dir = dir_.string()}).num_resolved, 3u);
  expect_resolved(report);
}

// Without a build-id, a file of the module's base name in --binaries is used.
TEST_F(SymbolizeTest, ByNameInBinariesFolder) {
  fs::copy_file(self_path(), dir_ / "app");
  Report report = probe_report("/nonexistent/prod/bin/app", "");
  EXPECT_EQ(symbolize(report, {.binaries_dir = dir_.string()}).num_resolved, 3u);
  expect_resolved(report);
}

// A binary whose build-id is not the frame's is never used, at the path or
// by name: its symbols would be wrong.
TEST_F(SymbolizeTest, RefusesOtherBuildId) {
  fs::copy_file(self_path(), dir_ / "app");
  Report report = probe_report(self_path(), "00112233445566778899aabbccddeeff00112233");
  const SymbolizeResult result = symbolize(report, {.binaries_dir = dir_.string()});
  EXPECT_EQ(result.num_resolved, 0u);
  EXPECT_EQ(result.num_unresolved, 3u);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("3 frames left unresolved: " + self_path() + " has build-id"),
            std::string::npos)
      << result.warnings[0];
  EXPECT_TRUE(report.threads[0].stack[1].function.empty());
}

// No binary anywhere: frames stay as they were, one warning names the module.
TEST_F(SymbolizeTest, MissingBinary) {
  Report report = probe_report("/nonexistent/lib/libgone.so", "");
  const SymbolizeResult result = symbolize(report, {});
  EXPECT_EQ(result.num_unresolved, 3u);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("no binary found for /nonexistent/lib/libgone.so; name a "
                                    "folder of binaries with --binaries"),
            std::string::npos)
      << result.warnings[0];
}

// A file that is not ELF is a warning, never a crash.
TEST_F(SymbolizeTest, NotElf) {
  std::ofstream(dir_ / "app") << "not an ELF file";
  Report report = probe_report((dir_ / "app").string(), "");
  const SymbolizeResult result = symbolize(report, {});
  EXPECT_EQ(result.num_resolved, 0u);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("cannot read symbols"), std::string::npos)
      << result.warnings[0];
  EXPECT_EQ(read_build_id((dir_ / "app").string()), "");
  EXPECT_EQ(read_build_id("/nonexistent"), "");
}

// Frames that already have a function, or have no module or offset, are left alone.
TEST_F(SymbolizeTest, LeavesOtherFramesAlone) {
  Report report = probe_report(self_path(), "");
  report.threads[0].stack[1].function = "already(known)";
  report.threads[0].stack[2].module.clear();
  const SymbolizeResult result = symbolize(report, {});
  EXPECT_EQ(result.num_resolved, 1u);
  EXPECT_EQ(report.threads[0].stack[1].function, "already(known)");
  EXPECT_TRUE(report.threads[0].stack[1].file.empty());
  EXPECT_TRUE(report.threads[0].stack[2].function.empty());
}

// A frame in code that was inlined becomes one frame per inlined call:
// the user's lambda (the user's frame), knot's template (knot's), then the
// real function, all with the frame's pc and offset.
TEST_F(SymbolizeTest, ExpandsInlinedCalls) {
  Frame frame;
  frame.pc = 0x1234;
  frame.module = self_path();
  frame.offset = offset_of(viewtest::inlined_probe());
  Report report;
  report.threads.resize(1);
  report.threads[0].stack_source = "wait_site";
  report.threads[0].stack = {frame};
  const SymbolizeResult result = symbolize(report, {});
  EXPECT_EQ(result.num_resolved, 1u);
  const auto& stack = report.threads[0].stack;
  ASSERT_EQ(stack.size(), 3u);
  EXPECT_NE(stack[0].function.find("inlined_probe"), std::string::npos) << stack[0].function;
  EXPECT_EQ(stack[0].line, viewtest::kInlinedCallLine);
  EXPECT_TRUE(stack[0].is_inlined);
  EXPECT_FALSE(stack[0].is_knot);
  EXPECT_NE(stack[1].function.find("knot::detail::view_inline_run"), std::string::npos)
      << stack[1].function;
  EXPECT_TRUE(stack[1].is_inlined);
  EXPECT_TRUE(stack[1].is_knot);
  EXPECT_EQ(stack[2].function, "viewtest::inlined_probe()");
  EXPECT_FALSE(stack[2].is_inlined);
  EXPECT_FALSE(stack[2].is_knot);
  for (const Frame& f : stack) {
    EXPECT_EQ(f.pc, 0x1234u);
    EXPECT_EQ(f.offset, frame.offset);
  }
}

// Through the command line: knot-view --symbolize --binaries DIR --json
// prints the frames resolved.
TEST_F(SymbolizeTest, ThroughKnotView) {
  fs::copy_file(self_path(), dir_ / "renamed.bin");
  const Report report = probe_report("/nonexistent/prod/bin/app", read_build_id(self_path()));
  const fs::path report_path = dir_ / "knot-deadlock-test.json";
  std::ofstream(report_path) << knot::report::to_json(report);
  const fs::path out_path = dir_ / "out.json";
  const std::string command = std::string(KNOT_VIEW_EXE) + " --symbolize --binaries " +
                              dir_.string() + " --json " + report_path.string() + " > " +
                              out_path.string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(out_path);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  auto parsed = knot::report::parse(json);
  ASSERT_TRUE(parsed.report) << json;
  expect_resolved(*parsed.report);
}

}  // namespace
}  // namespace knot::view
