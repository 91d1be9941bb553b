// report_fuzz: libFuzzer target over the report reader and, when built
// with the view library, its renderers (report_fuzz_check.h). Built with
// clang only (-fsanitize=fuzzer); tests/tools/fuzz/CMakeLists.txt runs it
// for a bounded time from the seed corpus.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  knot::testing::check_report_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
