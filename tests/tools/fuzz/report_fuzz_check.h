// check_report_input(): what the report fuzzer asserts about one input,
// shared by the libFuzzer target (report_fuzz.cc, clang) and the corpus
// replay (report_fuzz_replay.cc, every compiler).
//
// For any bytes:
//   - knot::report::parse() returns (no crash, no hang, no exception); when
//     it gives no report, it says why (an error diagnostic);
//   - what it read, written with to_json(), reads back with no diagnostic,
//     and writing that again gives the same text (the writer's output is a
//     fixed point of read-then-write);
//   - with the view library built in (KNOT_FUZZ_WITH_VIEW): every renderer
//     (text plain and coloured, each grouping level, --full; HTML; DOT;
//     JSON) returns, and the plain text holds no control character other
//     than newline and tab (hostile names are neutralized).
// A violated property prints what and where, then aborts, which libFuzzer
// records as a crash with the input that caused it.
#pragma once

#include <string_view>

namespace knot::testing {

void check_report_input(std::string_view text);

}  // namespace knot::testing
