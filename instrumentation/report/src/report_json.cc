// Report <-> JSON. Writing is straightforward; reading is tolerant: each
// field is checked for its type, a wrong one is reported with its path and
// replaced by the default, and unknown fields are ignored (a newer minor
// version may add some).
//
// Both directions are one line per field, in the schema's order
// (report-schema.md): a duplicate finder sees their runs of `r.field(...)`
// and `j["..."] = ...` lines as repeats of one shape. They are the schema
// written out, one member each, not logic written twice; a table of member
// pointers would hide the per-field types and defaults that the tolerant
// reader checks.

#include "knot/report/report_json.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace knot::report {

namespace {

using nlohmann::json;

// ============================================================================
// Writing
// ============================================================================

json frame_json(const Frame& f) {
  return {{"pc", f.pc},
          {"module", f.module},
          {"offset", f.offset},
          {"build_id", f.build_id},
          {"function", f.function},
          {"file", f.file},
          {"line", f.line},
          {"is_knot", f.is_knot},
          {"is_inlined", f.is_inlined}};
}

json frames_json(const std::vector<Frame>& frames) {
  json out = json::array();
  for (const Frame& f : frames)
    out.push_back(frame_json(f));
  return out;
}

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json wait_frame_json(const WaitFrame& f) {
  return {{"kind", f.kind},
          {"awaits", f.awaits},
          {"pool_id", f.pool_id},
          {"seconds", f.seconds},
          {"is_isolated", f.is_isolated},
          {"is_top", f.is_top},
          {"site", f.site ? frame_json(*f.site) : json(nullptr)}};
}

json task_json(const std::optional<TaskInfo>& t) {
  if (!t)
    return nullptr;
  return {{"seconds", t->seconds}, {"cpu", t->cpu},     {"proc_state", t->proc_state},
          {"wchan", t->wchan},     {"where", t->where}, {"fiber", optional_json(t->fiber)}};
}

json thread_json(const Thread& t) {
  json j = {{"index", t.index},
            {"tid", t.tid},
            {"name", t.name},
            {"stage", t.stage},
            {"pool_id", optional_json(t.pool_id)},
            {"worker_index", optional_json(t.worker_index)},
            {"role", t.role},
            {"state", t.state},
            {"holds", t.holds},
            {"holds_shared", t.holds_shared},
            {"wait_stack", json::array()},
            {"task", task_json(t.task)},
            {"stack_source", t.stack_source},
            {"wait", nullptr},
            {"stack", json::array()}};
  if (t.wait) {
    j["wait"] = {{"kind", t.wait->kind},
                 {"resource", t.wait->resource},
                 {"name", t.wait->name},
                 {"is_timed", t.wait->is_timed},
                 {"seconds", t.wait->seconds}};
  }
  for (const auto& f : t.wait_stack)
    j["wait_stack"].push_back(wait_frame_json(f));
  j["stack"] = frames_json(t.stack);
  return j;
}

json pool_json(const Pool& p) {
  json j = {{"id", p.id},
            {"name", p.name},
            {"policy", p.policy},
            {"num_threads", p.num_threads},
            {"injector_depth", p.injector_depth},
            {"pending_tasks", p.pending_tasks},
            {"tasks_completed", p.tasks_completed},
            {"num_spares", p.num_spares},
            {"workers", json::array()}};
  for (const auto& w : p.workers) {
    j["workers"].push_back({{"index", w.index},
                            {"tid", w.tid},
                            {"state", w.state},
                            {"queue_depth", w.queue_depth},
                            {"tasks_completed", w.tasks_completed}});
  }
  j["queued_by"] = json::array();
  for (const auto& q : p.queued_by)
    j["queued_by"].push_back({{"submitter", q.submitter}, {"count", q.count}});
  return j;
}

json resource_json(const Resource& r) {
  json holders = json::array();
  for (const auto& h : r.holders)
    holders.push_back({{"side", h.side}, {"holder", h.holder}, {"basis", h.basis}});
  return {{"id", r.id},
          {"kind", r.kind},
          {"name", r.name},
          {"capacity", optional_json(r.capacity)},
          {"length", r.length},
          {"num_senders", r.num_senders},
          {"num_receivers", r.num_receivers},
          {"num_sent", r.num_sent},
          {"num_received", r.num_received},
          {"count", r.count},
          {"owner_tid", r.owner_tid},
          {"owner_fiber", r.owner_fiber},
          {"num_readers", r.num_readers},
          {"pool_id", r.pool_id},
          {"recent_senders", r.recent_senders},
          {"recent_receivers", r.recent_receivers},
          {"holders", holders},
          {"untracked_handles", r.untracked_handles},
          {"has_parked_writers", r.has_parked_writers}};
}

// ============================================================================
// Reading
// ============================================================================

class Reader {
 public:
  explicit Reader(std::vector<Diagnostic>& diagnostics) : diagnostics_(diagnostics) {}

  void warn(const std::string& path, const std::string& message) {
    diagnostics_.push_back({Diagnostic::Severity::kWarning, path, message});
  }

  // field() reads obj[key] into `out` if present and of the right type;
  // a wrong type is a warning and leaves the default.
  template <class T>
  void field(const json& obj, const char* key, T& out, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
      return;
    const std::string at = path + "/" + key;
    if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean())
        return warn(at, "expected a boolean");
      out = it->template get<bool>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!it->is_string())
        return warn(at, "expected a string");
      out = it->template get<std::string>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!it->is_number())
        return warn(at, "expected a number");
      out = it->template get<T>();
    } else if constexpr (std::is_unsigned_v<T>) {
      if (!it->is_number_unsigned())
        return warn(at, "expected a non-negative integer");
      out = static_cast<T>(it->template get<std::uint64_t>());
    } else {
      static_assert(std::is_integral_v<T>);
      if (!it->is_number_integer())
        return warn(at, "expected an integer");
      out = static_cast<T>(it->template get<std::int64_t>());
    }
  }

  template <class T>
  void field(const json& obj, const char* key, std::optional<T>& out, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
      return;
    T value{};
    field(obj, key, value, path);
    out = value;
  }

  // array() calls `each(element, path)` for every object of obj[key].
  template <class F>
  void array(const json& obj, const char* key, const std::string& path, F&& each) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
      return;
    const std::string at = path + "/" + key;
    if (!it->is_array())
      return warn(at, "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& element = (*it)[i];
      const std::string element_path = at + "/" + std::to_string(i);
      if (!element.is_object() && !element.is_string()) {
        warn(element_path, "skipped: unexpected type");
        continue;
      }
      each(element, element_path);
    }
  }

 private:
  std::vector<Diagnostic>& diagnostics_;
};

Frame read_frame(Reader& r, const json& j, const std::string& p) {
  Frame f;
  r.field(j, "pc", f.pc, p);
  r.field(j, "module", f.module, p);
  r.field(j, "offset", f.offset, p);
  r.field(j, "build_id", f.build_id, p);
  r.field(j, "function", f.function, p);
  r.field(j, "file", f.file, p);
  r.field(j, "line", f.line, p);
  r.field(j, "is_knot", f.is_knot, p);
  r.field(j, "is_inlined", f.is_inlined, p);  // absent before inline expansion: false
  return f;
}

// read_strings() appends the strings of obj[key]; other elements are warned
// about and skipped.
void read_frames(Reader& r, const json& o, const char* key, const std::string& p,
                 std::vector<Frame>& out) {
  r.array(o, key, p, [&](const json& f, const std::string& fp) {
    if (!f.is_object())
      return r.warn(fp, "skipped: not an object");
    out.push_back(read_frame(r, f, fp));
  });
}

void read_strings(Reader& r, const json& obj, const char* key, const std::string& path,
                  std::vector<std::string>& out) {
  r.array(obj, key, path, [&](const json& s, const std::string& p) {
    if (!s.is_string())
      return r.warn(p, "skipped: not a string");
    out.push_back(s.get<std::string>());
  });
}

// max_nesting() is the deepest nesting of arrays and objects in `text`,
// counted without parsing (strings skipped), so that hostile input is
// refused before a parser recurses into it.
int max_nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// ---- one reader per section of the document ----

void read_process(Reader& r, const json& j, Process& out) {
  auto it = j.find("process");
  if (it == j.end() || !it->is_object())
    return;
  r.field(*it, "pid", out.pid, "/process");
  r.field(*it, "executable", out.executable, "/process");
  r.field(*it, "start_time", out.start_time, "/process");
  r.field(*it, "host", out.host, "/process");
  r.field(*it, "knot_version", out.knot_version, "/process");
  read_strings(r, *it, "arguments", "/process", out.arguments);
}

void read_verdict(Reader& r, const json& j, std::optional<Verdict>& out) {
  auto it = j.find("verdict");
  if (it == j.end() || !it->is_object())
    return;
  Verdict v;
  r.field(*it, "kind", v.kind, "/verdict");
  r.field(*it, "is_proven", v.is_proven, "/verdict");
  r.field(*it, "certainty", v.certainty, "/verdict");
  read_strings(r, *it, "assumptions", "/verdict", v.assumptions);
  r.field(*it, "time", v.time, "/verdict");
  r.field(*it, "age_seconds", v.age_seconds, "/verdict");
  // Before 1.1 a verdict had no certainty: is_proven said it all (only
  // deadlocks were ever proven).
  if (v.certainty.empty())
    v.certainty = v.is_proven ? "proven" : "suspected";
  out = std::move(v);
}

Pool read_pool(Reader& r, const json& o, const std::string& p) {
  Pool pool;
  r.field(o, "id", pool.id, p);
  r.field(o, "name", pool.name, p);
  r.field(o, "policy", pool.policy, p);
  r.field(o, "num_threads", pool.num_threads, p);
  r.field(o, "injector_depth", pool.injector_depth, p);
  r.field(o, "pending_tasks", pool.pending_tasks, p);
  r.field(o, "tasks_completed", pool.tasks_completed, p);
  r.field(o, "num_spares", pool.num_spares, p);
  r.array(o, "workers", p, [&](const json& w, const std::string& wp) {
    if (!w.is_object())
      return r.warn(wp, "skipped: not an object");
    Worker worker;
    r.field(w, "index", worker.index, wp);
    r.field(w, "tid", worker.tid, wp);
    r.field(w, "state", worker.state, wp);
    r.field(w, "queue_depth", worker.queue_depth, wp);
    r.field(w, "tasks_completed", worker.tasks_completed, wp);
    pool.workers.push_back(std::move(worker));
  });
  r.array(o, "queued_by", p, [&](const json& q, const std::string& qp) {
    if (!q.is_object())
      return r.warn(qp, "skipped: not an object");
    QueuedBy by;
    r.field(q, "submitter", by.submitter, qp);
    r.field(q, "count", by.count, qp);
    pool.queued_by.push_back(std::move(by));
  });
  return pool;
}

// read_ids() appends the resource ids of obj[key].
void read_ids(Reader& r, const json& obj, const char* key, const std::string& path,
              std::vector<std::uint64_t>& out) {
  auto h = obj.find(key);
  if (h == obj.end() || h->is_null())
    return;
  if (!h->is_array())
    return r.warn(path + "/" + key, "expected an array");
  for (const auto& id : *h) {
    if (id.is_number_unsigned()) {
      out.push_back(id.get<std::uint64_t>());
    } else {
      r.warn(path + "/" + key, "skipped: not a resource id");
    }
  }
}

WaitFrame read_wait_frame(Reader& r, const json& o, const std::string& p) {
  WaitFrame f;
  r.field(o, "kind", f.kind, p);
  r.field(o, "awaits", f.awaits, p);
  r.field(o, "pool_id", f.pool_id, p);
  r.field(o, "seconds", f.seconds, p);
  r.field(o, "is_isolated", f.is_isolated, p);
  r.field(o, "is_top", f.is_top, p);
  if (auto site = o.find("site"); site != o.end() && site->is_object())
    f.site = read_frame(r, *site, p + "/site");
  return f;
}

void read_thread_waits(Reader& r, const json& o, const std::string& p, Thread& t) {
  if (auto w = o.find("wait"); w != o.end() && w->is_object()) {
    Wait wait;
    const std::string wp = p + "/wait";
    r.field(*w, "kind", wait.kind, wp);
    r.field(*w, "resource", wait.resource, wp);
    r.field(*w, "name", wait.name, wp);
    r.field(*w, "is_timed", wait.is_timed, wp);
    r.field(*w, "seconds", wait.seconds, wp);
    t.wait = std::move(wait);
  }
  r.array(o, "wait_stack", p, [&](const json& f, const std::string& fp) {
    if (!f.is_object())
      return r.warn(fp, "skipped: not an object");
    t.wait_stack.push_back(read_wait_frame(r, f, fp));
  });
  if (auto task = o.find("task"); task != o.end() && task->is_object()) {
    TaskInfo info;
    const std::string tp = p + "/task";
    r.field(*task, "seconds", info.seconds, tp);
    r.field(*task, "cpu", info.cpu, tp);
    r.field(*task, "proc_state", info.proc_state, tp);
    r.field(*task, "wchan", info.wchan, tp);
    r.field(*task, "where", info.where, tp);
    r.field(*task, "fiber", info.fiber, tp);
    t.task = std::move(info);
  }
}

Thread read_thread(Reader& r, const json& o, const std::string& p) {
  Thread t;
  r.field(o, "index", t.index, p);
  r.field(o, "tid", t.tid, p);
  r.field(o, "name", t.name, p);
  r.field(o, "stage", t.stage, p);
  r.field(o, "pool_id", t.pool_id, p);
  r.field(o, "worker_index", t.worker_index, p);
  r.field(o, "role", t.role, p);
  r.field(o, "state", t.state, p);
  r.field(o, "stack_source", t.stack_source, p);
  read_ids(r, o, "holds", p, t.holds);
  read_ids(r, o, "holds_shared", p, t.holds_shared);
  read_thread_waits(r, o, p, t);
  read_frames(r, o, "stack", p, t.stack);
  return t;
}

Resource read_resource(Reader& r, const json& o, const std::string& p) {
  Resource res;
  r.field(o, "id", res.id, p);
  r.field(o, "kind", res.kind, p);
  r.field(o, "name", res.name, p);
  r.field(o, "capacity", res.capacity, p);
  r.field(o, "length", res.length, p);
  r.field(o, "num_senders", res.num_senders, p);
  r.field(o, "num_receivers", res.num_receivers, p);
  r.field(o, "num_sent", res.num_sent, p);
  r.field(o, "num_received", res.num_received, p);
  r.field(o, "count", res.count, p);
  r.field(o, "owner_tid", res.owner_tid, p);
  r.field(o, "owner_fiber", res.owner_fiber, p);
  r.field(o, "num_readers", res.num_readers, p);
  r.field(o, "pool_id", res.pool_id, p);
  r.field(o, "untracked_handles", res.untracked_handles, p);
  r.field(o, "has_parked_writers", res.has_parked_writers, p);
  read_strings(r, o, "recent_senders", p, res.recent_senders);
  read_strings(r, o, "recent_receivers", p, res.recent_receivers);
  r.array(o, "holders", p, [&](const json& h, const std::string& hp) {
    if (!h.is_object())
      return r.warn(hp, "skipped: not an object");
    Holder holder;
    r.field(h, "side", holder.side, hp);
    r.field(h, "holder", holder.holder, hp);
    r.field(h, "basis", holder.basis, hp);
    res.holders.push_back(std::move(holder));
  });
  return res;
}

void read_graph(Reader& r, const json& j, Graph& out) {
  auto g = j.find("graph");
  if (g == j.end() || !g->is_object())
    return;
  r.array(*g, "nodes", "/graph", [&](const json& o, const std::string& p) {
    if (!o.is_object())
      return r.warn(p, "skipped: not an object");
    Node n;
    r.field(o, "id", n.id, p);
    r.field(o, "kind", n.kind, p);
    r.field(o, "label", n.label, p);
    r.field(o, "is_alive", n.is_alive, p);
    out.nodes.push_back(std::move(n));
  });
  r.array(*g, "edges", "/graph", [&](const json& o, const std::string& p) {
    if (!o.is_object())
      return r.warn(p, "skipped: not an object");
    Edge e;
    r.field(o, "from", e.from, p);
    r.field(o, "to", e.to, p);
    r.field(o, "kind", e.kind, p);
    r.field(o, "label", e.label, p);
    r.field(o, "basis", e.basis, p);
    out.edges.push_back(std::move(e));
  });
}

void read_hazard(Reader& r, const json& j, std::optional<Hazard>& out) {
  auto h = j.find("hazard");
  if (h == j.end() || h->is_null())
    return;
  if (!h->is_object()) {
    r.warn("/hazard", "skipped: not an object");
    return;
  }
  Hazard hazard;
  r.field(*h, "condition", hazard.condition, "/hazard");
  r.field(*h, "silenced", hazard.silenced, "/hazard");
  read_strings(r, *h, "prevented_by", "/hazard", hazard.prevented_by);
  r.array(*h, "edges", "/hazard", [&](const json& o, const std::string& p) {
    if (!o.is_object())
      return r.warn(p, "skipped: not an object");
    HazardEdge e;
    r.field(o, "from", e.from, p);
    r.field(o, "to", e.to, p);
    r.field(o, "context", e.context, p);
    r.field(o, "basis", e.basis, p);
    r.field(o, "text", e.text, p);
    read_frames(r, o, "wait_stack", p, e.wait_stack);
    read_frames(r, o, "responsibility_stack", p, e.responsibility_stack);
    hazard.edges.push_back(std::move(e));
  });
  out = std::move(hazard);
}

// read_document() reads every section of a parsed report.
Report read_document(Reader& r, const json& j, const std::string& version) {
  Report report;
  report.schema = version;
  read_process(r, j, report.process);
  read_verdict(r, j, report.verdict);
  r.array(j, "pools", "", [&](const json& o, const std::string& p) {
    if (!o.is_object())
      return r.warn(p, "skipped: not an object");
    report.pools.push_back(read_pool(r, o, p));
  });
  r.array(j, "threads", "", [&](const json& o, const std::string& p) {
    if (!o.is_object())
      return r.warn(p, "skipped: not an object");
    report.threads.push_back(read_thread(r, o, p));
  });
  r.array(j, "resources", "", [&](const json& o, const std::string& p) {
    if (!o.is_object())
      return r.warn(p, "skipped: not an object");
    report.resources.push_back(read_resource(r, o, p));
  });
  read_graph(r, j, report.graph);
  read_strings(r, j, "cycle", "", report.cycle);
  read_strings(r, j, "advice", "", report.advice);
  read_hazard(r, j, report.hazard);
  r.field(j, "id", report.id, "");
  r.field(j, "trigger", report.trigger, "");
  r.field(j, "summary", report.summary, "");
  r.field(j, "narrative", report.narrative, "");
  return report;
}

}  // namespace

std::string to_json(const Report& report, int indent) {
  json j;
  j["schema"] = report.schema;
  j["id"] = report.id;
  j["trigger"] = report.trigger;
  j["process"] = {{"pid", report.process.pid},
                  {"executable", report.process.executable},
                  {"arguments", report.process.arguments},
                  {"start_time", report.process.start_time},
                  {"host", report.process.host},
                  {"knot_version", report.process.knot_version}};
  j["verdict"] = nullptr;
  if (report.verdict) {
    j["verdict"] = {
        {"kind", report.verdict->kind},           {"is_proven", report.verdict->is_proven},
        {"certainty", report.verdict->certainty}, {"assumptions", report.verdict->assumptions},
        {"time", report.verdict->time},           {"age_seconds", report.verdict->age_seconds}};
  }
  j["pools"] = json::array();
  for (const auto& p : report.pools)
    j["pools"].push_back(pool_json(p));
  j["threads"] = json::array();
  for (const auto& t : report.threads)
    j["threads"].push_back(thread_json(t));
  j["resources"] = json::array();
  for (const auto& r : report.resources)
    j["resources"].push_back(resource_json(r));
  j["graph"] = {{"nodes", json::array()}, {"edges", json::array()}};
  for (const auto& n : report.graph.nodes) {
    j["graph"]["nodes"].push_back(
        {{"id", n.id}, {"kind", n.kind}, {"label", n.label}, {"is_alive", n.is_alive}});
  }
  for (const auto& e : report.graph.edges) {
    j["graph"]["edges"].push_back(
        {{"from", e.from}, {"to", e.to}, {"kind", e.kind}, {"label", e.label}, {"basis", e.basis}});
  }
  j["cycle"] = report.cycle;
  j["summary"] = report.summary;
  j["narrative"] = report.narrative;
  j["advice"] = report.advice;
  j["hazard"] = nullptr;
  if (report.hazard) {
    json edges = json::array();
    for (const HazardEdge& e : report.hazard->edges) {
      edges.push_back({{"from", e.from},
                       {"to", e.to},
                       {"context", e.context},
                       {"basis", e.basis},
                       {"text", e.text},
                       {"wait_stack", frames_json(e.wait_stack)},
                       {"responsibility_stack", frames_json(e.responsibility_stack)}});
    }
    j["hazard"] = {{"condition", report.hazard->condition},
                   {"prevented_by", report.hazard->prevented_by},
                   {"edges", std::move(edges)},
                   {"silenced", report.hazard->silenced}};
  }
  return j.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

ParseResult parse(std::string_view text, int max_depth) {
  ParseResult result;
  auto error = [&](std::string message) {
    result.diagnostics.push_back({Diagnostic::Severity::kError, "", std::move(message)});
    return result;
  };
  if (max_nesting(text) > max_depth) {
    return error("nested deeper than " + std::to_string(max_depth) + " levels");
  }
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return error("not valid JSON (truncated or malformed)");
  if (!j.is_object())
    return error("not a JSON object");
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string())
    return error("no \"schema\" field");
  const std::string version = schema->get<std::string>();
  if (version.rfind("knot.report/", 0) != 0)
    return error("not a knot report: " + version);
  // This reader takes "knot.report/1" and its minor revisions "knot.report/1.N".
  const std::string known(kSchema);
  if (version != known && version.rfind(known + ".", 0) != 0) {
    return error("unsupported schema version " + version + " (this reader knows " + known + ")");
  }
  Reader r(result.diagnostics);
  result.report = read_document(r, j, version);
  return result;
}

}  // namespace knot::report
