// knot::symbolize names and the rule for knot's own frames: demangling,
// qualified names, and which frames are knot's (knot_frames.h), on the
// shapes demangled and DWARF names take.
#include "knot/symbolize/knot_frames.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "knot/symbolize/names.h"

namespace knot::testing {
namespace {

using symbolize::is_knot_by_name;
using symbolize::is_knot_frame;
using symbolize::is_knot_source;

// demangle() turns a mangled symbol into its name and leaves anything else
// as it is.
TEST(KnotFramesTest, Demangle) {
  EXPECT_EQ(symbolize::demangle("_ZN4knot5Latch4waitEv"), "knot::Latch::wait()");
  EXPECT_EQ(symbolize::demangle("_ZZ4mainENKUlvE_clEv"), "main::{lambda()#1}::operator()() const");
  EXPECT_EQ(symbolize::demangle("_ZN4knot6detail6Worker3runEv.cold"),
            "knot::detail::Worker::run() [clone .cold]");
  EXPECT_EQ(symbolize::demangle("write"), "write");
  EXPECT_EQ(symbolize::demangle(""), "");
}

// qualified_name() keeps the function's qualified name only.
TEST(KnotFramesTest, QualifiedNameTable) {
  struct Case {
    const char* name;
    std::string_view demangled;
    std::string_view expected;
  };
  const Case cases[] = {
      {"plain", "knot::Latch::wait() const", "knot::Latch::wait"},
      {"return type", "void knot::join<A, B>(A&&, B&&)", "knot::join<A, B>"},
      {"template return type", "std::vector<int, std::allocator<int> > knot::f()", "knot::f"},
      {"decltype return type", "decltype (({parm#1}.run)()) knot::detail::call<F>(F&)",
       "knot::detail::call<F>"},
      {"clone", "knot::Sender<int>::send(int) [clone .isra.0]", "knot::Sender<int>::send"},
      {"lambda", "main::{lambda()#1}::operator()() const",
       "main::{lambda()#1}::operator()() const"},
      {"anonymous namespace", "(anonymous namespace)::helper(int)",
       "(anonymous namespace)::helper"},
      {"C function", "write", "write"},
      {"DWARF name", "knot::detail::run<main()::<lambda()> >",
       "knot::detail::run<main()::<lambda()> >"},
      {"empty", "", ""},
  };
  for (const Case& c : cases)
    EXPECT_EQ(symbolize::qualified_name(c.demangled), c.expected) << c.name;
}

// leading_scopes() splits at the top-level "::" only.
TEST(KnotFramesTest, LeadingScopes) {
  using Scopes = std::vector<std::string_view>;
  EXPECT_EQ(symbolize::leading_scopes("knot::detail::park(void const*)", 2),
            (Scopes{"knot", "detail"}));
  EXPECT_EQ(symbolize::leading_scopes("void knot::join<a::b, c::d>(a::b&&)", 3),
            (Scopes{"knot", "join<a::b, c::d>"}));
  EXPECT_EQ(symbolize::leading_scopes("knot::(anonymous namespace)::f()", 3),
            (Scopes{"knot", "(anonymous namespace)", "f"}));
  EXPECT_EQ(symbolize::leading_scopes("main::{lambda()#1}::operator()() const", 2),
            (Scopes{"main", "{lambda()#1}"}));
  EXPECT_EQ(symbolize::leading_scopes("write", 2), (Scopes{"write"}));
  EXPECT_EQ(symbolize::leading_scopes("", 2), Scopes{});
}

// The rule (knot_frames.h), case by case: knot's internal namespaces and
// public API are knot's; knot's users (knot::pipeline, knot::text, tests,
// user lambdas) are not, whatever their template arguments mention; names
// without a scope go by their declaring file.
TEST(KnotFramesTest, IsKnotFrameTable) {
  struct Case {
    const char* name;
    std::string_view function;
    std::string_view decl_file;
    bool expected;
  };
  const Case cases[] = {
      // knot's own.
      {"member of a knot type", "knot::Latch::wait() const", "", true},
      {"internal namespace", "knot::detail::park(void const*, knot::WaitSite const&)", "", true},
      {"instrumentation", "knot::instr::Watchdog::run()", "", true},
      {"this_thread", "knot::this_thread::current_pool()", "", true},
      {"function of namespace knot", "void knot::join<A, B>(A&&, B&&)", "", true},
      {"two-word return type", "unsigned long knot::default_num_threads()", "", true},
      {"template return type", "std::vector<int, std::allocator<int> > knot::detail::f()", "",
       true},
      {"decltype return type", "decltype (({parm#1}.run)()) knot::detail::call<F>(F&)", "", true},
      {"conditional return type",
       "std::conditional<(is_void_v<knot::detail::HalfResultOf<true, F> >)&&(is_void_v<G>), "
       "void, std::pair<int, int> >::type knot::join_context<F, G>(F&&, G&&)",
       "", true},
      {"channel of a user type",
       "knot::Channel<knot::pipeline::Item>::send(knot::pipeline::Item&&)", "", true},
      {"clone isra", "knot::Sender<int>::send(int) [clone .isra.0]", "", true},
      {"clone cold", "knot::detail::Worker::run() [clone .cold]", "", true},
      {"knot operator<", "knot::Version::operator<(knot::Version const&) const", "", true},
      {"knot free operator<<", "knot::operator<<(std::ostream&, knot::WaitKind)", "", true},
      {"conversion operator", "knot::Latch::operator bool() const", "", true},
      {"knot detail anonymous", "knot::detail::(anonymous namespace)::thread_entry(void*)", "",
       true},
      {"knot anonymous", "knot::(anonymous namespace)::helper()", "", true},
      {"lambda of a knot template",
       "knot::ThreadPool::spawn<main::{lambda()#1}>(main::{lambda()#1}&&)::{lambda()#1}::"
       "operator()() const",
       "", true},
      {"knot template of a user lambda",
       "void knot::detail::for_split<unsigned long, main::{lambda(unsigned long)#1}>(unsigned "
       "long, unsigned long, main::{lambda(unsigned long)#1}&)",
       "", true},
      {"DWARF name of a knot template", "knot::detail::run_job<main()::<lambda()> >", "", true},
      {"thunk into knot", "non-virtual thunk to knot::instr::WaitRecorder::on_park()", "", true},
      // Users of the runtime, in namespace knot or not.
      {"pipeline",
       "knot::pipeline::detail::(anonymous namespace)::extract_batch(knot::pipeline::detail::"
       "StageContext&)",
       "", false},
      {"text", "knot::text::Tokenizer::encode(std::basic_string_view<char>) const", "", false},
      {"pipeline lambda",
       "knot::pipeline::reprocess(std::filesystem::__cxx11::path const&)::{lambda()#3}::"
       "operator()() const",
       "", false},
      {"testing", "knot::testing::(anonymous namespace)::Foo_Test::TestBody()", "", false},
      {"scenario lambda in a lambda",
       "knot::scenarios::(anonymous namespace)::seed()::{lambda()#2}::operator()() const::"
       "{lambda(unsigned long)#1}::operator()(unsigned long) const",
       "", false},
      {"user lambda", "main::{lambda()#1}::operator()() const", "", false},
      {"DWARF user lambda", "main::{lambda}::operator()", "", false},
      {"user namespace", "app::stage_reprocess(app::Batch&)", "", false},
      {"std with knot argument", "std::_Function_handler<void (), knot::Job>::_M_invoke()", "",
       false},
      {"std thread of a knot lambda",
       "std::thread::_State_impl<std::thread::_Invoker<std::tuple<knot::ThreadPool::ThreadPool("
       "knot::PoolOptions)::{lambda()#1}> > >::_M_run()",
       "", false},
      {"std return of knot", "knot::Error std::make_error()", "", false},
      {"similar prefix", "knotty::f()", "", false},
      {"std operator[]", "std::vector<int>::operator[](unsigned long)", "", false},
      {"qualified user name in a knot file", "app::f()", "/src/knot/runtime/src/worker.cc", false},
      // No scope: the declaring file decides.
      {"C function in a knot source", "knot_watchdog_anchor",
       "/src/knot/instrumentation/src/watchdog.cc", true},
      {"relative knot source", "(anonymous namespace)::helper(int)", "../runtime/src/worker.cc",
       true},
      {"installed knot header", "operator()", "/usr/include/knot/runtime/detail/job.h", true},
      {"C function in libc", "write", "../sysdeps/unix/sysv/linux/write.c", false},
      {"user anonymous namespace", "(anonymous namespace)::helper(int)", "/home/u/app/main.cc",
       false},
      {"only a similar folder", "main", "/home/u/myruntime/src/main.cc", false},
      {"no debug information", "helper", "", false},
      {"empty", "", "", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(is_knot_frame(c.function, c.decl_file), c.expected)
        << c.name << ": " << c.function << " in '" << c.decl_file << "'";
  }
}

// is_knot_by_name() decides only for names with a scope.
TEST(KnotFramesTest, ByNameDecidesOnlyWithAScope) {
  EXPECT_EQ(is_knot_by_name("knot::Latch::wait()"), true);
  EXPECT_EQ(is_knot_by_name("knot::pipeline::run()"), false);
  EXPECT_EQ(is_knot_by_name("std::terminate()"), false);
  EXPECT_EQ(is_knot_by_name("main"), std::nullopt);
  EXPECT_EQ(is_knot_by_name("(anonymous namespace)::f()"), std::nullopt);
  EXPECT_EQ(is_knot_by_name(""), std::nullopt);
}

// is_knot_source() knows the libraries' headers and sources, and nothing
// that only looks like them.
TEST(KnotFramesTest, KnotSources) {
  EXPECT_TRUE(is_knot_source("/src/knot/runtime/include/knot/runtime/thread_pool.h"));
  EXPECT_TRUE(is_knot_source("/usr/include/knot/runtime.h"));
  EXPECT_TRUE(is_knot_source("instrumentation/symbolize/src/names.cc"));
  EXPECT_TRUE(is_knot_source("/x/instrumentation/report/src/report_json.cc"));
  EXPECT_FALSE(is_knot_source("/src/knot/pipeline/src/reprocess.cc"));
  EXPECT_FALSE(is_knot_source("/src/knot/pipeline/include/knot/pipeline/cli.h"));
  EXPECT_FALSE(is_knot_source("/src/knot/tests/runtime/join_test.cc"));
  EXPECT_FALSE(is_knot_source(""));
}

}  // namespace
}  // namespace knot::testing
