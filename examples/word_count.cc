// word_count: the most frequent words of a text file, counted in parallel.
//
//   word_count [FILE] [TOP]
//
// The lines are counted on a pool: each worker keeps its own table of
// counts (knot::PerThread, no lock while counting), and the tables are
// merged once at the end. knot::transform_reduce gives the total number of
// words, as a check. Default file: the GPL's text that every Debian system
// has.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "knot/runtime.h"

namespace {

// for_each_word() calls f(word) for each run of letters of `line`, lower-cased.
template <class F>
void for_each_word(std::string_view line, F&& f) {
  std::string word;
  for (char c : line) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      f(word);
      word.clear();
    }
  }
  if (!word.empty())
    f(word);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/usr/share/common-licenses/GPL-3";
  const std::size_t top = argc > 2 ? std::stoul(argv[2]) : 10;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "word_count: cannot read %s\n", path.c_str());
    return 1;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(std::move(line));

  using Counts = std::unordered_map<std::string, long>;
  knot::ThreadPool pool(knot::PoolOptions{.name = "words"});
  knot::PerThread<Counts> per_worker;
  long total = 0;
  pool.install([&] {
    knot::parallel_for_each(lines, [&](const std::string& line) {
      Counts& mine = per_worker.local();  // this worker's table: no lock
      for_each_word(line, [&](const std::string& w) { ++mine[w]; });
    });
    total = knot::transform_reduce(lines, 0L, std::plus<>{}, [](const std::string& line) {
      long n = 0;
      for_each_word(line, [&](const std::string&) { ++n; });
      return n;
    });
  });
  Counts all;
  per_worker.for_each([&](const Counts& c) {
    for (const auto& [w, n] : c)
      all[w] += n;
  });
  std::vector<std::pair<std::string, long>> ranked(all.begin(), all.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  long counted = 0;
  for (const auto& [w, n] : ranked)
    counted += n;
  std::printf("%s: %zu lines, %ld words (%zu different), counted by %zu workers\n", path.c_str(),
              lines.size(), total, ranked.size(), per_worker.size());
  for (std::size_t i = 0; i < std::min(top, ranked.size()); ++i)
    std::printf("%8ld  %s\n", ranked[i].second, ranked[i].first.c_str());
  return counted == total ? 0 : 2;
}
