// knot::text extract_article() on broken and hostile input: it must return
// (no crash, no hang, no stack overflow) and give sane output. Runs under a
// Deadline and a ctest TIMEOUT. The deep-nesting cases run on a thread with
// a 256 KiB stack, so any recursion over the tree would crash them.
#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "knot/text/extract.h"
#include "test_files.h"

namespace knot::text {
namespace {

using namespace std::chrono_literals;

// Runs `f` on a thread whose stack is `stack_bytes`.
void run_with_small_stack(const std::function<void()>& f, std::size_t stack_bytes) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, stack_bytes), 0);
  pthread_t thread;
  auto* arg = new std::function<void()>(f);
  const int rc = pthread_create(
      &thread, &attr,
      [](void* p) -> void* {
        auto* fn = static_cast<std::function<void()>*>(p);
        (*fn)();
        delete fn;
        return nullptr;
      },
      arg);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete arg;
  }
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

// Empty and whitespace-only input: empty article.
TEST(ExtractRobustnessTest, EmptyInput) {
  EXPECT_EQ(extract_article("").text, "");
  EXPECT_EQ(extract_article("").title, "");
  EXPECT_EQ(extract_article(" \n\t ").text, "");
  EXPECT_EQ(extract_article("<").text, "<");
}

// Unclosed and mis-nested tags are repaired as a browser would.
TEST(ExtractRobustnessTest, UnclosedAndMisnestedTags) {
  EXPECT_EQ(extract_article("<html><body><p>one<p>two<div>three").text, "one\n\ntwo\n\nthree");
  EXPECT_EQ(extract_article("<p><b>bold<i>both</b>italic</i></p>").text, "boldbothitalic");
  EXPECT_EQ(extract_article("<title>never closed").title, "never closed");
  EXPECT_EQ(extract_article("<p>text <!-- unclosed comment").text, "text");
  EXPECT_EQ(extract_article("<p>before<script>var x = '<p>';").text, "before");
  EXPECT_EQ(extract_article("<p a=\"unterminated attribute>text").text, "");
  EXPECT_EQ(extract_article("</p></div></body></html>").text, "");
}

// Binary input (NUL bytes, mostly invalid UTF-8): empty, fast.
TEST(ExtractRobustnessTest, BinaryGarbage) {
  const knot::testing::Deadline deadline(60s);
  std::mt19937_64 rng(42);
  std::string garbage(10 * 1024 * 1024, '\0');
  for (char& c : garbage) {
    c = static_cast<char>(rng() & 0xFF);
  }
  const auto start = std::chrono::steady_clock::now();
  const Article a = extract_article(garbage);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(a.text, "");
  EXPECT_EQ(a.title, "");
  // Without NULs, after an HTML prefix: still recognized as not text.
  std::string no_nul = "<html><body><p>";
  for (std::size_t i = 0; i < 100000; ++i) {
    no_nul.push_back(static_cast<char>(0x80 | (rng() & 0x7F)));
  }
  EXPECT_EQ(extract_article(no_nul).text, "");
}

// Random printable ASCII full of '<', '>', quotes and '=' for 10 MB: no
// hang, and the output is valid UTF-8.
TEST(ExtractRobustnessTest, TenMegabytesOfTagSoup) {
  const knot::testing::Deadline deadline(120s);
  std::mt19937_64 rng(7);
  const std::string alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<>/=\"'!-&;# \n\t";
  std::string soup(10 * 1024 * 1024, ' ');
  for (char& c : soup) {
    c = alphabet[rng() % alphabet.size()];
  }
  const Article a = extract_article(soup);
  EXPECT_TRUE(valid_utf8(a.text));
  EXPECT_TRUE(valid_utf8(a.title));
}

// A realistic 10 MB page (a real article repeated in one body): all of its
// text comes back.
TEST(ExtractRobustnessTest, TenMegabytePage) {
  const knot::testing::Deadline deadline(120s);
  const std::string paragraph =
      "<p>Large pages happen: long forum threads, logs pasted into a page, and generated "
      "reports. Every paragraph of them must come back, with its commas, in order.</p>\n";
  const std::size_t n = 10 * 1024 * 1024 / paragraph.size();
  const Article a = extract_article("<html><head><title>Big</title></head><body><article>" +
                                    repeat(paragraph, n) + "</article></body></html>");
  EXPECT_EQ(a.title, "Big");
  EXPECT_EQ(fixtures::paragraphs(a.text).size(), n);
}

// Invalid UTF-8 sprinkled through real text: text kept, output valid.
TEST(ExtractRobustnessTest, InvalidUtf8InText) {
  const std::string bad = "\xC3\x28 \xA0\xA1 \xE2\x28\xA1 \xF0\x28\x8C\xBC \xED\xA0\x80 \xC0\xAF";
  const std::string prose =
      " Most of this paragraph is ordinary text, so the page is not taken for a binary file"
      " even though a handful of its bytes are broken. ";
  const Article a =
      extract_article("<title>t\xFF</title><p>start" + prose + bad + prose + "end</p>");
  EXPECT_TRUE(valid_utf8(a.text));
  EXPECT_TRUE(valid_utf8(a.title));
  EXPECT_TRUE(a.text.starts_with("start"));
  EXPECT_TRUE(a.text.ends_with("end"));
}

struct DeepCase {
  const char* name;
  std::string open;
  std::string close;
};

// 100k levels of nesting, for several tags, on a 256 KiB stack: returns
// quickly with the innermost text. (Unbounded recursion would overflow the
// stack; gumbo's quadratic tree building would take minutes.)
TEST(ExtractRobustnessTest, HundredThousandLevelsOnSmallStack) {
  const knot::testing::Deadline deadline(120s);
  const std::vector<DeepCase> cases = {
      {"div", "<div>", ""},
      {"div closed", "<div>", "</div>"},
      {"span", "<span>", ""},
      {"b", "<b>", ""},
      {"table", "<table><tr><td>", ""},
      {"ul li", "<ul><li>", ""},
      {"blockquote", "<blockquote>", "</blockquote>"},
      {"custom", "<x-box>", ""},
      {"mis-nested", "<b><i></b></i>", ""},
      {"div/", "<div/>", ""},
  };
  for (const DeepCase& c : cases) {
    const std::string html = repeat(c.open, 100000) +
                             "<p>The innermost paragraph survives all of this nesting.</p>" +
                             repeat(c.close, 100000);
    Article a;
    const auto start = std::chrono::steady_clock::now();
    run_with_small_stack([&] { a = extract_article(html); }, 256 * 1024);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s) << c.name;
    EXPECT_NE(a.text.find("The innermost paragraph survives all of this nesting."),
              std::string::npos)
        << c.name;
  }
}

// Many siblings (300k empty elements) and a huge attribute.
TEST(ExtractRobustnessTest, WideAndLongAttributes) {
  const knot::testing::Deadline deadline(60s);
  const Article wide = extract_article(repeat("<span></span>", 300000) + "<p>tail</p>");
  EXPECT_EQ(wide.text, "tail");
  const Article attr =
      extract_article("<p class=\"" + std::string(5 * 1024 * 1024, 'x') + "\">kept</p>");
  EXPECT_EQ(attr.text, "kept");
}

// Every fixture page survives truncation at every 97th byte (cut tags,
// cut entities, cut UTF-8 sequences) with valid output.
TEST(ExtractRobustnessTest, TruncatedFixtures) {
  const knot::testing::Deadline deadline(120s);
  const std::string html = fixtures::read_file(fixtures::data_dir() / "article_full.html");
  for (std::size_t cut = 0; cut < html.size(); cut += 97) {
    const Article a = extract_article(std::string_view(html).substr(0, cut));
    ASSERT_TRUE(valid_utf8(a.text)) << cut;
    ASSERT_TRUE(valid_utf8(a.title)) << cut;
  }
}

// Concurrent extraction from several threads gives the serial results
// (no shared state).
TEST(ExtractRobustnessTest, ConcurrentCallsMatchSerial) {
  const knot::testing::Deadline deadline(120s);
  const auto files = fixtures::corpus_files();
  ASSERT_FALSE(files.empty());
  std::vector<std::string> pages;
  std::vector<Article> serial;
  for (const auto& f : files) {
    pages.push_back(fixtures::read_file(f));
    serial.push_back(extract_article(pages.back()));
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (std::size_t i = 0; i < pages.size(); ++i) {
          const Article a =
              extract_article(pages[(i + static_cast<std::size_t>(t)) % pages.size()]);
          const Article& want = serial[(i + static_cast<std::size_t>(t)) % pages.size()];
          mismatches[static_cast<std::size_t>(t)] += a.text != want.text || a.title != want.title;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (int m : mismatches) {
    EXPECT_EQ(m, 0);
  }
}

}  // namespace
}  // namespace knot::text
