// run_dump(): knot-dump's options (CLI11), the request, and the rendering
// through knot::view (cli.h).

#include "cli.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "knot/escape/escape.h"
#include "knot/report/report_file.h"
#include "knot/view/palette.h"
#include "knot/view/render.h"
#include "knot/view/symbolize.h"
#include "request.h"

namespace knot::dump {

namespace {

// kMaxPid is Linux's PID_MAX_LIMIT: no pid is larger.
constexpr long kMaxPid = 4'194'304;
constexpr double kMaxTimeoutSeconds = 24 * 3600;

// parse_pid() accepts decimal digits only, 1..kMaxPid. 0 and negative
// numbers are refused above all: kill() reads them as process groups.
std::optional<pid_t> parse_pid(const std::string& text) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || text[0] == '-' || text[0] == '+' || ec != std::errc() || ptr != end ||
      value < 1 || value > kMaxPid) {
    return std::nullopt;
  }
  return static_cast<pid_t>(value);
}

// line() is one line for stderr: "knot-dump: " and `text` with every
// control character shown as an escape (the text holds paths and names
// from files other users may have written: an advertisement's report
// folder, a report's diagnostics).
std::string line(std::string_view text) {
  return "knot-dump: " + knot::escape::terminal_safe(text) + "\n";
}

}  // namespace

int run_dump(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
             const DumpEnvironment& env) {
  CLI::App app{"knot-dump: ask a live knot process for a report and show it (docs/tools.md)",
               "knot-dump"};
  app.set_version_flag("--version", "knot-dump " KNOT_VERSION);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "knot-dump: " + std::string(e.what()) + "\nRun 'knot-dump --help' for more.\n";
  });
  std::string pid_text;
  double timeout_seconds = 10;
  std::string html_path;
  bool is_json = false;
  bool is_dot = false;
  bool is_full = false;
  std::string color_name = "auto";
  std::string similarity_name = "user";
  bool should_symbolize = false;
  std::string binaries_dir;
  std::size_t width = 0;
  app.add_option("PID", pid_text, "the process to ask (it must run the knot watchdog)")->required();
  app.add_option("--timeout", timeout_seconds, "seconds to wait for the report (default 10)");
  auto* html =
      app.add_option("--html", html_path, "write the report as one HTML page to OUT (-: stdout)")
          ->option_text("OUT");
  auto* json = app.add_flag("--json", is_json, "print the report as normalized JSON");
  auto* dot = app.add_flag("--dot", is_dot, "print the wait-for graph as Graphviz text");
  html->excludes(json, dot);
  json->excludes(dot);
  app.add_flag("--full", is_full, "show knot's own stack frames instead of folding them");
  app.add_option("--color", color_name, "colour: auto (a terminal, no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("--similarity", similarity_name,
                 "group threads by: same user frames, exact stacks, same functions, same top "
                 "frame")
      ->check(CLI::IsMember({"user", "exact", "functions", "top"}));
  app.add_option("--width", width,
                 "fit the text to COLUMNS (at least 40; default: the terminal's width, else "
                 "$COLUMNS, else 100)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
      ->option_text("COLUMNS");
  auto* symbolize_flag =
      app.add_flag("--symbolize", should_symbolize,
                   "resolve frames that have only an address, from the binaries (libdw)");
  app.add_option("--binaries", binaries_dir,
                 "folder of binaries or debug files to symbolize from (by build-id or name)")
      ->needs(symbolize_flag)
      ->option_text("DIR");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }

  const auto pid = parse_pid(pid_text);
  if (!pid) {
    err << line("'" + pid_text + "' is not a process id (1.." + std::to_string(kMaxPid) + ")");
    return kExitUsage;
  }
  if (!(timeout_seconds > 0 && timeout_seconds <= kMaxTimeoutSeconds)) {
    err << "knot-dump: --timeout must be more than 0 and at most " << kMaxTimeoutSeconds
        << " seconds\n";
    return kExitUsage;
  }

  RequestOptions options;
  options.pid = *pid;
  options.timeout = std::chrono::milliseconds(std::llround(timeout_seconds * 1000));
  options.xdg_runtime_dir = env.xdg_runtime_dir;
  RequestOutcome outcome = request_report(options);
  if (!outcome.report) {
    for (const std::string& error : outcome.errors)
      err << line(error);
    return outcome.exit_code;
  }
  for (const auto& d : outcome.diagnostics)
    err << line(outcome.path + ": warning: " + d.path + ": " + d.message);
  err << line("process " + std::to_string(*pid) + " wrote " + outcome.path);

  knot::report::Report& report = *outcome.report;
  if (should_symbolize) {
    // The process symbolized what it could; a stripped production binary
    // leaves address-only frames, which the debug binaries here resolve.
    const knot::view::SymbolizeResult result =
        knot::view::symbolize(report, knot::view::SymbolizeOptions{.binaries_dir = binaries_dir});
    for (const std::string& warning : result.warnings)
      err << line("warning: " + warning);
  }
  if (html->count() > 0 && html_path == "-") {
    out << knot::view::render_html(report);
  } else if (html->count() > 0) {
    // Private like the report it renders, atomically, and never through a
    // link planted at the path (write_private_file replaces it instead).
    try {
      knot::report::write_private_file(html_path, knot::view::render_html(report));
    } catch (const knot::report::ReportFileError& e) {
      err << line(std::string("cannot write the page: ") + e.what());
      return kExitFailure;
    }
    err << line("wrote " + html_path);
  } else if (is_json) {
    out << knot::view::render_json(report);
  } else if (is_dot) {
    out << knot::view::render_dot(report);
  } else {
    knot::view::RenderOptions render;
    render.color = knot::view::should_use_color(*knot::view::parse_color_mode(color_name),
                                                env.out_is_terminal, env.no_color);
    render.full = is_full;
    render.similarity = *knot::view::parse_similarity(similarity_name);
    render.width = width != 0 ? width : env.width;
    out << knot::view::render_text(report, render);
  }
  out.flush();
  if (!out) {
    err << "knot-dump: cannot write the output\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace knot::dump
