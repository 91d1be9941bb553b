// The properties the report fuzzer checks (report_fuzz_check.h).

#include "report_fuzz_check.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "knot/report/report_json.h"

#ifdef KNOT_FUZZ_WITH_VIEW
#include "knot/view/render.h"
#endif

namespace knot::testing {

namespace {

[[noreturn]] void violated(const char* property, const std::string& detail) {
  std::fprintf(stderr, "report fuzz: property violated: %s\n%s\n", property, detail.c_str());
  std::abort();
}

std::string diagnostics_text(const knot::report::ParseResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics)
    out += "  " + d.path + ": " + d.message + "\n";
  return out;
}

#ifdef KNOT_FUZZ_WITH_VIEW
// check_renderers() runs every renderer; the plain text must be free of
// terminal controls.
void check_renderers(const knot::report::Report& report) {
  using knot::view::RenderOptions;
  using knot::view::Similarity;
  for (Similarity level :
       {Similarity::kExact, Similarity::kSameFunctions, Similarity::kSameTopFrame}) {
    for (bool full : {false, true}) {
      const std::string plain = knot::view::render_text(report, RenderOptions{false, full, level});
      for (std::size_t i = 0; i < plain.size(); ++i) {
        const auto c = static_cast<unsigned char>(plain[i]);
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
          violated("plain text output holds no control character",
                   "byte " + std::to_string(c) + " at offset " + std::to_string(i));
        }
      }
      (void)knot::view::render_text(report, RenderOptions{true, full, level});
    }
  }
  (void)knot::view::render_html(report);
  (void)knot::view::render_dot(report);
  (void)knot::view::render_json(report);
}
#endif

}  // namespace

void check_report_input(std::string_view text) {
  const knot::report::ParseResult first = knot::report::parse(text);
  if (!first.report) {
    if (first.diagnostics.empty())
      violated("a refused document says why", "no diagnostic");
    return;
  }
  const std::string written = knot::report::to_json(*first.report);
  const knot::report::ParseResult second = knot::report::parse(written);
  if (!second.report || !second.diagnostics.empty()) {
    violated("to_json's output reads back cleanly",
             diagnostics_text(second) + "document:\n" + written);
  }
  const std::string rewritten = knot::report::to_json(*second.report);
  if (rewritten != written) {
    violated("read-then-write is a fixed point of to_json's output",
             "first:\n" + written + "\nsecond:\n" + rewritten);
  }
#ifdef KNOT_FUZZ_WITH_VIEW
  check_renderers(*first.report);
#endif
}

}  // namespace knot::testing
