// report_fuzz_replay PATH...: runs the fuzzer's checks
// (report_fuzz_check.h) over files and folders of inputs, without libFuzzer,
// so that every compiler's build (gcc's included, and the sanitizer builds)
// exercises the seed corpus and the hostile inputs as a plain unit test.
// Also replays a crash file libFuzzer left behind.
//
// Exits 0 after checking at least one input; a violated property aborts.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report_fuzz_check.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path path = argv[i];
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file())
          inputs.push_back(entry.path());
      }
    } else if (fs::is_regular_file(path, ec)) {
      inputs.push_back(path);
    } else {
      std::fprintf(stderr, "report_fuzz_replay: %s: no such file or folder\n", argv[i]);
      return 1;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: report_fuzz_replay FILE_OR_FOLDER... (found no input)\n");
    return 1;
  }
  for (const fs::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    std::printf("%s\n", path.c_str());
    std::fflush(stdout);
    knot::testing::check_report_input(bytes.str());
  }
  std::printf("report_fuzz_replay: %zu inputs checked\n", inputs.size());
  return 0;
}
