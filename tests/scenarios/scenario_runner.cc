// scenario_runner.h: one process per scenario run.
#include "scenario_runner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "knot/report/report_file.h"

extern char** environ;

namespace knot::scenarios {

namespace {
namespace fs = std::filesystem;
using report::Report;
}  // namespace

Outcome run_scenario(const std::string& name, const std::string& dir_name, bool negative,
                     const std::string& until, std::chrono::seconds timeout) {
  if (until.empty()) {
    ::unsetenv("KNOT_SCENARIO_UNTIL");
  } else {
    ::setenv("KNOT_SCENARIO_UNTIL", until.c_str(), 1);
  }
  const fs::path dir = fs::path(KNOT_SCENARIO_REPORTS) / dir_name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  std::string program = KNOT_SCENARIO_PROGRAM;
  std::string dir_text = dir.string();
  std::string flag = "--negative";
  char* argv[] = {program.data(), const_cast<char*>(name.c_str()), dir_text.data(),
                  negative ? flag.data() : nullptr, nullptr};
  pid_t pid = 0;
  Outcome out;
  const auto start = std::chrono::steady_clock::now();
  if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, environ) != 0) {
    ADD_FAILURE() << "cannot start " << program;
    return out;
  }
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "scenario " << name << " did not end within " << timeout.count() << " s";
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (fs::exists(dir)) {
    for (const auto& entry : knot::report::list_report_files(dir.string())) {
      auto parsed = knot::report::read_report_file(entry.path);
      if (parsed.report)
        out.reports.push_back(std::move(*parsed.report));
      else
        ADD_FAILURE() << "unreadable report " << entry.path;
    }
  }
  return out;
}

namespace {
// Reports of an earlier run (or an earlier version) must not reach the
// schema test that validates this run's reports: start from an empty folder.
class EmptyReportFolder : public ::testing::Environment {
 public:
  void SetUp() override { fs::remove_all(KNOT_SCENARIO_REPORTS); }
};
const ::testing::Environment* const kEmptyReportFolder =
    ::testing::AddGlobalTestEnvironment(new EmptyReportFolder);

}  // namespace

ScopedPolicy::ScopedPolicy(const char* policy) {
  ::setenv("KNOT_SCENARIO_POLICY", policy, 1);
}

ScopedPolicy::~ScopedPolicy() {
  ::unsetenv("KNOT_SCENARIO_POLICY");
}

std::string label_of(const Report& r, const std::string& id) {
  for (const auto& n : r.graph.nodes) {
    if (n.id == id)
      return n.label;
  }
  return "?" + id;
}

std::vector<std::string> cycle_labels(const Report& r) {
  std::vector<std::string> labels;
  for (const auto& id : r.cycle)
    labels.push_back(label_of(r, id));
  return labels;
}

bool any_advice(const Report& r, const std::string& what) {
  for (const auto& a : r.advice) {
    if (mentions(a, what))
      return true;
  }
  return false;
}

const report::Thread* thread_named(const Report& r, const std::string& name) {
  for (const auto& t : r.threads) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

Report expect_verdict(const std::string& name, const std::string& kind,
                      const std::string& certainty, const std::string& dir_name) {
  Outcome out = run_scenario(name, dir_name.empty() ? name : dir_name, /*negative=*/false, kind);
  EXPECT_EQ(out.exit_code, kVerdictExit) << name;
  const Report* found = nullptr;
  for (const Report& r : out.reports) {
    if (!r.verdict) {
      ADD_FAILURE() << name << ": a report without a verdict";
      continue;
    }
    if (r.verdict->kind == kind && found == nullptr) {
      found = &r;
    } else if (r.verdict->is_proven) {
      ADD_FAILURE() << name << ": an unexpected proven verdict: " << r.summary;
    }
  }
  if (found == nullptr) {
    ADD_FAILURE() << name << ": no " << kind << " report among " << out.reports.size();
    return {};
  }
  const Report& r = *found;
  EXPECT_EQ(r.verdict->certainty, certainty) << r.summary;
  EXPECT_EQ(r.verdict->is_proven, certainty == "proven") << r.summary;
  EXPECT_EQ(r.verdict->assumptions.empty(), certainty != "inferred") << r.summary;
  EXPECT_FALSE(r.summary.empty());
  EXPECT_FALSE(r.narrative.empty());
  EXPECT_FALSE(r.advice.empty());
  EXPECT_EQ(r.schema, "knot.report/1.2");
  return r;
}

}  // namespace knot::scenarios
