// Which frames are knot's own: the one rule that the watchdog (online),
// knot-view --symbolize (offline) and knot-view's renderers apply, so that
// every report folds the same frames.
//
//   is_knot_by_name()  what a function's name alone says
//   is_knot_source()   whether a source file is one of the knot libraries'
//   is_knot_frame()    the rule
//
// The rule. A frame is knot's own when its function's qualified name is
// in namespace knot and
//   - the next scope is one of knot's internal namespaces: knot::detail,
//     knot::this_thread, knot::instr, knot::report, knot::symbolize
//     (kKnotNamespaces), or
//   - the function is the runtime's public API, declared in namespace knot
//     itself: a function of namespace knot ("knot::join<...>",
//     "knot::parallel_for<...>") or a member of one of its types, which
//     are PascalCase ("knot::ThreadPool::install<F>", "knot::Channel<T>::
//     send", "knot::Latch::wait"), or a TU-local helper in
//     "knot::(anonymous namespace)".
// Any other namespace inside knot belongs to a user of the runtime:
// knot::pipeline and knot::text (knot-embed), knot::testing, knot::bench.
// A name in another namespace or scope (std::..., myapp::..., a user
// lambda "main::{lambda()#1}::operator()") is not knot's. A lambda is
// whose function defines it: "knot::ThreadPool::spawn<F>(F&&)::{lambda()#1}"
// is knot's, "knot::pipeline::run()::{lambda()#1}" is not. Template
// arguments do not count: "knot::detail::for_split<main::{lambda()#1}>" is
// knot's, "std::function<void ()>::operator()" is not.
//
// Only a name without a namespace or class (a C function, a helper in a
// file-level anonymous namespace, or an inlined function whose DWARF has
// no scopes) is decided by the file that declares it, where debug
// information gives one: knot's if it is one of the knot libraries' own
// sources or headers (is_knot_source()).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace knot::symbolize {

// kKnotNamespaces are knot's internal namespaces, as the scope after
// "knot::".
inline constexpr std::array<std::string_view, 5> kKnotNamespaces = {"detail", "this_thread",
                                                                    "instr", "report", "symbolize"};

// is_knot_by_name() decides by a demangled function name alone: true or
// false when the name is in a namespace or class scope, nullopt when it
// has none (a C function, "(anonymous namespace)::f", an empty name).
// Pure.
std::optional<bool> is_knot_by_name(std::string_view function) noexcept;

// is_knot_source() is true when `path` (absolute, or relative as the build
// recorded it) is one of the knot libraries' own files: a header under
// include/knot/runtime, include/knot/instrumentation, include/knot/report
// or include/knot/symbolize (in the source tree or installed), or a source
// under runtime/src, instrumentation/src, instrumentation/report/src or
// instrumentation/symbolize/src. Pure.
bool is_knot_source(std::string_view path) noexcept;

// is_knot_frame() is the rule: is_knot_by_name(function) where it decides,
// else is_knot_source(decl_file) (empty: not knot's). Pure.
bool is_knot_frame(std::string_view function, std::string_view decl_file = {}) noexcept;

}  // namespace knot::symbolize
