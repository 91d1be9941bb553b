// A thread's helping waits, task and holds in words (thread_facts.h).

#include "thread_facts.h"

#include "knot/symbolize/names.h"
#include "text_format.h"

namespace knot::view::detail {

namespace {

using knot::report::TaskInfo;
using knot::report::Thread;
using knot::report::WaitFrame;

// resource_name() is "mutex 'state'", or "resource #id" for an id the
// report does not list.
std::string resource_name(std::uint64_t id, const ReportIndex& index) {
  if (const knot::report::Resource* resource = index.resource_by_id(id))
    return resource_title(*resource);
  return "resource #" + std::to_string(id);
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts)
    out += (out.empty() ? "" : ", ") + part;
  return out;
}

}  // namespace

std::string wait_frame_phrase(const WaitFrame& frame, const ReportIndex& index) {
  std::string phrase = "helping in " + (frame.kind.empty() ? std::string("a wait") : frame.kind) +
                       " on pool " + index.pool_name(frame.pool_id) + " for " +
                       format_seconds(frame.seconds);
  std::vector<std::string> notes;
  if (frame.is_top)
    notes.emplace_back("the top wait");
  if (frame.is_isolated)
    notes.emplace_back("isolated");
  if (!notes.empty())
    phrase += " (" + joined(notes) + ")";
  if (!frame.awaits.empty())
    phrase += ", awaiting " + frame.awaits;
  return phrase;
}

std::vector<const WaitFrame*> top_first(const std::vector<WaitFrame>& wait_stack) {
  std::vector<const WaitFrame*> out;
  for (auto it = wait_stack.rbegin(); it != wait_stack.rend(); ++it)
    out.push_back(&*it);
  return out;
}

std::string task_phrase(const TaskInfo& task, const ReportIndex& index) {
  std::string phrase = "running a task for at least " + format_seconds(task.seconds);
  if (task.fiber) {
    std::string fiber = "#" + std::to_string(*task.fiber);
    for (const Thread& t : index.report().threads) {
      if (t.role == "fiber" && t.index == *task.fiber && !t.name.empty())
        fiber = "'" + t.name + "'";
    }
    phrase += " (fiber task " + fiber + ")";
  }
  std::vector<std::string> facts;
  if (task.cpu == "on_cpu") {
    facts.emplace_back("on CPU");
  } else if (task.cpu == "off_cpu") {
    facts.emplace_back("off CPU");
  } else if (!task.cpu.empty() && task.cpu != "unknown") {
    facts.push_back(task.cpu);
  }
  if (!task.proc_state.empty())
    facts.push_back("state " + task.proc_state);
  if (!task.wchan.empty())
    facts.push_back("in the kernel's " + task.wchan);
  if (!task.where.empty())
    facts.push_back("innermost function " + knot::symbolize::elide_parameters(task.where));
  if (!facts.empty())
    phrase += ": " + joined(facts);
  return phrase;
}

std::vector<std::string> holds_phrases(const Thread& thread, const ReportIndex& index) {
  std::vector<std::string> phrases;
  std::vector<std::string> names;
  for (const std::uint64_t id : thread.holds)
    names.push_back(resource_name(id, index));
  if (!names.empty())
    phrases.push_back("holds " + joined(names));
  names.clear();
  for (const std::uint64_t id : thread.holds_shared)
    names.push_back(resource_name(id, index));
  if (!names.empty())
    phrases.push_back("holds in shared mode " + joined(names));
  return phrases;
}

bool has_thread_facts(const Thread& thread) {
  return !thread.wait_stack.empty() || thread.task || !thread.holds.empty() ||
         !thread.holds_shared.empty();
}

}  // namespace knot::view::detail
