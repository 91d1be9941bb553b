// knot-view's command line (cli.h): options, which reports to read, and
// which renderer writes what where. Errors go to stderr as
// "knot-view: <file>: <what>", usage errors as "knot-view: <what>"; exit
// codes are in cli.h.

#include "knot/view/cli.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <fstream>
#include <new>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "knot/escape/escape.h"
#include "knot/report/report_file.h"
#include "knot/view/palette.h"
#include "knot/view/render.h"
#include "knot/view/symbolize.h"

namespace knot::view {

namespace {

using knot::report::Report;

// At most this many warnings per report reach stderr; the rest are counted.
constexpr std::size_t kMaxWarningsShown = 10;

struct Options {
  std::vector<std::string> inputs;
  std::string html_path;
  bool is_dot = false;
  bool is_json = false;
  bool is_full = false;
  bool is_latest = false;
  bool should_symbolize = false;
  std::string binaries_dir;
  std::string similarity = "user";
  std::string color = "auto";
  std::size_t width = 0;  // 0: the caller's (the terminal's, $COLUMNS, 100)
};

class Cli {
 public:
  Cli(std::ostream& out, std::ostream& err, bool out_is_terminal, const char* no_color_env,
      std::size_t width)
      : out_(out),
        err_(err),
        out_is_terminal_(out_is_terminal),
        no_color_env_(no_color_env),
        width_(width) {}

  int run(int argc, const char* const* argv) {
    CLI::App app{
        "knot-view: reads knot's deadlock reports. One report: the diagnosis (or --html, "
        "--dot, --json). Several reports or a folder: a list, newest first.",
        "knot-view"};
    app.footer(
        "Exit codes: 0 ok, 1 a report could not be read or the output not written, 2 usage "
        "error.\n"
        "Colour: on a terminal unless NO_COLOR is set; --color=always forces it.\n"
        "Width: the terminal's, else $COLUMNS, else 100; --width sets it.\n"
        "Documentation: docs/tools.md");
    app.set_version_flag("--version", "knot-view " KNOT_VERSION);
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
      return "knot-view: " + std::string(e.what()) + "\nRun 'knot-view --help' for more.\n";
    });
    app.add_option("reports", options_.inputs, "Report files (knot-*.json) or folders of them")
        ->required();
    auto* html = app.add_option("--html", options_.html_path,
                                "Write one self-contained HTML page to FILE ('-': stdout)")
                     ->type_name("FILE");
    auto* dot = app.add_flag("--dot", options_.is_dot, "Print the wait-for graph as Graphviz text");
    auto* json = app.add_flag("--json", options_.is_json,
                              "Print the report as normalized JSON (symbolized with --symbolize)");
    html->excludes(dot)->excludes(json);
    dot->excludes(json);
    app.add_flag("--full", options_.is_full, "Show knot's own frames instead of folding them");
    app.add_option("--similarity", options_.similarity,
                   "Group threads by: user (same user frames; knot's own frames may differ), "
                   "exact (identical stacks), functions (same functions, any line), top (same "
                   "innermost non-knot frame)")
        ->check(CLI::IsMember({"user", "exact", "functions", "top"}))
        ->capture_default_str();
    app.add_option("--color", options_.color, "Colour: auto, always or never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    app.add_option("--width", options_.width,
                   "Fit the text to COLUMNS (at least 40; default: the terminal's width, else "
                   "$COLUMNS, else 100)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
        ->type_name("COLUMNS");
    app.add_flag("--latest", options_.is_latest,
                 "Show only the newest report (by modification time) of those named");
    auto* symbolize_flag =
        app.add_flag("--symbolize", options_.should_symbolize,
                     "Resolve frames that have only an address, from the binaries (libdw)");
    app.add_option("--binaries", options_.binaries_dir,
                   "Folder of binaries or debug files to symbolize from (by build-id or name)")
        ->needs(symbolize_flag)
        ->check(CLI::ExistingDirectory)
        ->type_name("DIR");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e, out_, err_) == 0 ? kExitOk : kExitUsage;
    }
    return dispatch();
  }

 private:
  // ---------------------------------------------------------------------------
  // Which reports
  // ---------------------------------------------------------------------------

  int dispatch() {
    const bool wants_one = !options_.html_path.empty() || options_.is_dot || options_.is_json;
    std::vector<knot::report::ReportFileEntry> files;
    bool has_folder = false;
    int code = kExitOk;
    for (const auto& input : options_.inputs) {
      struct stat st {};
      if (::stat(input.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        has_folder = true;
        try {
          const auto listed = knot::report::list_report_files(input);
          if (listed.empty()) {
            error(input + ": no knot-*.json reports in this folder");
            code = kExitFailure;
          }
          files.insert(files.end(), listed.begin(), listed.end());
        } catch (const knot::report::ReportFileError& e) {
          error(e.what());
          code = kExitFailure;
        }
      } else {
        const std::int64_t ns =
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        files.push_back({input, ns});
      }
    }
    const bool is_single = options_.is_latest || (options_.inputs.size() == 1 && !has_folder);
    if (wants_one && !is_single) {
      error("--html, --dot and --json show one report: name one file, or add --latest");
      return kExitUsage;
    }
    if (files.empty())
      return code == kExitOk ? kExitFailure : code;
    if (!is_single)
      return std::max(code, show_list(files));
    if (options_.is_latest) {
      std::stable_sort(files.begin(), files.end(),
                       [](const auto& a, const auto& b) { return a.modified_ns > b.modified_ns; });
    }
    return show_one(files.front().path);
  }

  // load() reads one report, printing its warnings; nullopt (with `why`) if
  // it cannot be read.
  std::optional<Report> load(const std::string& path, std::string& why) {
    knot::report::ParseResult parsed;
    try {
      parsed = knot::report::read_report_file(path);
    } catch (const knot::report::ReportFileError& e) {
      why = e.what();
      return std::nullopt;
    }
    std::size_t num_warnings = 0;
    for (const auto& diagnostic : parsed.diagnostics) {
      const std::string where = diagnostic.path.empty() ? "" : diagnostic.path + ": ";
      if (diagnostic.severity == knot::report::Diagnostic::Severity::kError) {
        if (why.empty())
          why = path + ": " + where + diagnostic.message;
      } else if (++num_warnings <= kMaxWarningsShown) {
        warning(path + ": " + where + diagnostic.message);
      }
    }
    if (num_warnings > kMaxWarningsShown)
      warning(path + ": and " + std::to_string(num_warnings - kMaxWarningsShown) +
              " more warnings");
    if (!parsed.report && why.empty())
      why = path + ": not a knot report";
    return std::move(parsed.report);
  }

  // ---------------------------------------------------------------------------
  // One report
  // ---------------------------------------------------------------------------

  int show_one(const std::string& path) {
    std::string why;
    std::optional<Report> report = load(path, why);
    if (!report) {
      error(why);
      return kExitFailure;
    }
    if (options_.should_symbolize) {
      const SymbolizeResult result =
          symbolize(*report, SymbolizeOptions{.binaries_dir = options_.binaries_dir});
      for (const auto& line : result.warnings)
        warning(line);
    }
    if (!options_.html_path.empty())
      return write_output(options_.html_path, render_html(*report));
    if (options_.is_dot) {
      out_ << render_dot(*report);
    } else if (options_.is_json) {
      out_ << render_json(*report);
    } else {
      RenderOptions render;
      render.color = use_color();
      render.full = options_.is_full;
      render.similarity =
          parse_similarity(options_.similarity).value_or(Similarity::kSameUserFrames);
      render.width = width();
      out_ << render_text(*report, render);
    }
    return kExitOk;
  }

  int write_output(const std::string& path, const std::string& text) {
    if (path == "-") {
      out_ << text;
      return kExitOk;
    }
    // A rendering is as private as the report (0600), written atomically,
    // and a link planted at `path` is replaced, never followed.
    try {
      knot::report::write_private_file(path, text);
    } catch (const knot::report::ReportFileError& e) {
      error(path + ": cannot write the page: " + e.what());
      return kExitFailure;
    }
    err_ << "knot-view: wrote " << escape::terminal_safe(path) << "\n";
    return kExitOk;
  }

  // ---------------------------------------------------------------------------
  // Several reports
  // ---------------------------------------------------------------------------

  int show_list(const std::vector<knot::report::ReportFileEntry>& files) {
    int code = kExitOk;
    std::vector<ListEntry> entries;
    for (const auto& file : files) {
      ListEntry entry;
      entry.path = file.path;
      entry.modified_ns = file.modified_ns;
      entry.report = load(file.path, entry.error);
      if (!entry.report) {
        error(entry.error);
        code = kExitFailure;
        // The list names the file in its own column.
        if (entry.error.starts_with(file.path + ": "))
          entry.error.erase(0, file.path.size() + 2);
      }
      entries.push_back(std::move(entry));
    }
    out_ << render_list(entries, use_color(), width());
    return code;
  }

  std::size_t width() const { return options_.width != 0 ? options_.width : width_; }

  bool use_color() const {
    const ColorMode mode = parse_color_mode(options_.color).value_or(ColorMode::kAuto);
    return should_use_color(mode, out_is_terminal_, no_color_env_);
  }

  void error(const std::string& message) {
    err_ << "knot-view: " << escape::terminal_safe(message) << "\n";
  }
  void warning(const std::string& message) {
    err_ << "knot-view: warning: " << escape::terminal_safe(message) << "\n";
  }

  std::ostream& out_;
  std::ostream& err_;
  bool out_is_terminal_;
  const char* no_color_env_;
  std::size_t width_;
  Options options_;
};

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
            bool out_is_terminal, const char* no_color_env, std::size_t width) {
  try {
    return Cli(out, err, out_is_terminal, no_color_env, width).run(argc, argv);
  } catch (const std::bad_alloc&) {
    err << "knot-view: out of memory (is the report too large?)\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    err << "knot-view: " << escape::terminal_safe(e.what()) << "\n";
    return kExitFailure;
  }
}

}  // namespace knot::view
