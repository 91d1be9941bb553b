// test_files.h: reading the fixture pages of tests/data/html in the
// knot::text tests (KNOT_TEXT_TEST_DATA is set by CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace knot::text::fixtures {

inline std::filesystem::path data_dir() {
  return KNOT_TEXT_TEST_DATA;
}

// `read_file()` returns the file's bytes; fails the test when it is missing.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// `corpus_files()` lists tests/data/html/corpus/*.html, sorted.
inline std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir() / "corpus")) {
    if (entry.path().extension() == ".html") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// `paragraphs()` splits an Article's text at "\n\n".
inline std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= text.size() && !text.empty()) {
    const std::size_t at = text.find("\n\n", from);
    out.push_back(text.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) {
      break;
    }
    from = at + 2;
  }
  return out;
}

}  // namespace knot::text::fixtures
