// Test fixtures for knot-view (fixtures.h).

#include "fixtures.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "knot/report/report_json.h"

namespace knot::view::testing {

using knot::report::Frame;
using knot::report::Report;
using knot::report::Thread;

std::string test_data_path(const std::string& name) {
  return std::string(KNOT_VIEW_TEST_DATA) + "/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Report load_report(const std::string& name) {
  auto parsed = knot::report::parse(read_file(test_data_path(name)));
  if (!parsed.report)
    throw std::runtime_error(name + " does not parse");
  return std::move(*parsed.report);
}

Report seed_report() {
  return load_report("seed_deadlock.json");
}

Report inferred_report() {
  return load_report("inferred_deadlock.json");
}

Report long_task_report() {
  return load_report("long_task.json");
}

Report potential_report() {
  return load_report("potential_deadlock.json");
}

Frame frame(const std::string& function, const std::string& file, int line, bool is_knot,
            const std::string& module) {
  Frame f;
  f.module = module;
  f.offset = 0x1000 + static_cast<std::uint64_t>(line);
  f.function = function;
  f.file = file;
  f.line = line;
  f.is_knot = is_knot;
  return f;
}

Thread thread(std::int64_t tid, const std::string& name, std::vector<Frame> stack,
              double wait_seconds) {
  Thread t;
  t.tid = tid;
  t.name = name;
  t.state = "parked";
  t.stack = std::move(stack);
  t.stack_source = "wait_site";
  if (wait_seconds >= 0)
    t.wait = knot::report::Wait{"channel_send", 7, "processed", false, wait_seconds};
  return t;
}

const std::vector<std::string> kHostile = {
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "</svg></div><script>alert(3)</script>",
    "'; alert(4); '",
    "a\"quoted\\back\nslash\"] -> evil [label=\"x",
    "\x1b]0;pwned\x07\x1b[2J\x1b[31mred",
    "bidi \xe2\x80\xae gnp.exe",
    "bad utf8 \xff\xfe \xc0\xaf",
    "c1 \xc2\x9b"
    "31m control",
    "&lt;script&gt; entity &amp; &#60;",
    "javascript:alert(5)",
    "{{template}} ${x} %s %n",
};

Report hostile_report() {
  const auto& h = kHostile;
  auto pick = [&](std::size_t i) { return h[i % h.size()]; };
  Report r;
  r.id = pick(0);
  r.trigger = pick(1);
  r.process.pid = 66;
  r.process.executable = pick(2);
  r.process.arguments = {pick(3), pick(4)};
  r.process.host = pick(5);
  r.process.start_time = pick(6);
  r.process.knot_version = pick(7);
  r.verdict = knot::report::Verdict{pick(8), true, pick(9), 1.5};
  knot::report::Pool pool;
  pool.id = 1;
  pool.name = pick(10);
  pool.policy = pick(11);
  pool.num_threads = 1;
  pool.workers.push_back({0, 2, pick(0), 0, 0});
  pool.queued_by.push_back({pick(1), 3});
  r.pools.push_back(pool);
  for (std::size_t i = 0; i < h.size(); ++i) {
    Thread t = thread(static_cast<std::int64_t>(i + 1), pick(i),
                      {frame(pick(i + 1), pick(i + 2), 3, false, pick(i + 3)),
                       frame(pick(i + 4), pick(i + 5), 4, true, pick(i + 6))},
                      0.5);
    t.stage = pick(i + 7);
    t.state = pick(i + 8);
    t.wait->kind = pick(i + 9);
    t.wait->name = pick(i + 10);
    r.threads.push_back(t);
    knot::report::Resource res;
    res.id = 7 + i;
    res.kind = i % 2 == 0 ? "channel" : pick(i);
    res.name = pick(i + 1);
    res.capacity = 4;
    res.length = 4;
    res.recent_senders = {pick(i + 2)};
    res.recent_receivers = {pick(i + 3)};
    r.resources.push_back(res);
    r.graph.nodes.push_back({"thread:" + std::to_string(i + 1), "thread", pick(i), false});
    r.graph.nodes.push_back({pick(i), pick(i + 1), pick(i + 2), false});
    r.graph.edges.push_back(
        {"thread:" + std::to_string(i + 1), pick(i), "waits_for", pick(i + 3), "exact"});
    r.graph.edges.push_back(
        {pick(i), "thread:" + std::to_string(i + 1), pick(i + 4), pick(i + 5), "exact"});
  }
  r.cycle = {"thread:1", pick(0), pick(4)};
  r.summary = pick(5) + pick(0);
  r.narrative = pick(6) + "\n" + pick(1);
  r.advice = h;
  return r;
}

}  // namespace knot::view::testing
