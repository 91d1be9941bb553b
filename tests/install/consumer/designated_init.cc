// Every public struct of the installed headers, designate-initialized with
// one field, as the README does with PoolOptions. Built with -Wall -Wextra
// -Werror: a member without a default initializer is a
// -Wmissing-field-initializers error here (GCC), so this file fails to
// compile the day one is added.
#include <chrono>

#include "knot/instrumentation/instrumentation.h"
#include "knot/instrumentation/stack_capture.h"
#include "knot/instrumentation/symbolizer.h"
#include "knot/instrumentation/trace.h"
#include "knot/instrumentation/watchdog.h"
#include "knot/report/report.h"
#include "knot/report/report_file.h"
#include "knot/report/report_json.h"
#include "knot/runtime.h"

int main() {
  using namespace std::chrono_literals;
  // knot::runtime: options and the values it hands out.
  [[maybe_unused]] knot::PoolOptions pool{.num_threads = 4};
  [[maybe_unused]] knot::Grain grain{.size = 64};
  [[maybe_unused]] knot::ChannelStats channel{.num_sent = 1};
  [[maybe_unused]] knot::SendResult<int> sent{.status = knot::ChannelStatus::kFull};
  [[maybe_unused]] knot::RecvResult<int> received{.status = knot::ChannelStatus::kEmpty};
  [[maybe_unused]] knot::ResourceFacts facts{.length = 1};
  [[maybe_unused]] knot::WaitSite site{.is_timed = true};
  [[maybe_unused]] knot::WorkerView worker{.index = 1};
  [[maybe_unused]] knot::QueuedBy queued{.count = 1};
  [[maybe_unused]] knot::PoolSnapshot pool_snapshot{.num_threads = 2};
  [[maybe_unused]] knot::WaitView wait{.is_timed = true};
  [[maybe_unused]] knot::ThreadView thread{.name = "main"};
  [[maybe_unused]] knot::WaitFrame frame_view{.kind = knot::WaitKind::kScope};
  [[maybe_unused]] knot::TaskMark task_mark{.num_started = 1};
  [[maybe_unused]] knot::HandleHolder holder{.actor = 1};
  [[maybe_unused]] knot::RuntimeSnapshot snapshot{.wait_ends = 1};
  // knot::instrumentation.
  [[maybe_unused]] knot::instr::InstrumentationOptions instrumentation{.wait_site_stacks = false};
  [[maybe_unused]] knot::instr::WatchdogOptions watchdog{.interval = 50ms};
  [[maybe_unused]] knot::instr::TraceOptions trace{.path = "trace.json"};
  [[maybe_unused]] knot::instr::TraceSummary trace_summary{.num_dropped = 0};
  [[maybe_unused]] knot::instr::StackCapture::Options capture{.timeout = 100ms};
  [[maybe_unused]] knot::instr::ThreadStack stack{.tid = 1};
  [[maybe_unused]] knot::instr::Frame frame{.line = 1};
  // knot::report.
  [[maybe_unused]] knot::report::Report report{.summary = "one line"};
  [[maybe_unused]] knot::report::Process process{.pid = 1};
  [[maybe_unused]] knot::report::Verdict verdict{.is_proven = true};
  [[maybe_unused]] knot::report::Pool report_pool{.name = "compute"};
  [[maybe_unused]] knot::report::Worker report_worker{.state = "parked"};
  [[maybe_unused]] knot::report::QueuedBy report_queued{.count = 1};
  [[maybe_unused]] knot::report::Thread report_thread{.name = "main"};
  [[maybe_unused]] knot::report::Wait report_wait{.kind = "channel_send"};
  [[maybe_unused]] knot::report::Resource resource{.kind = "channel"};
  [[maybe_unused]] knot::report::Frame report_frame{.function = "main"};
  [[maybe_unused]] knot::report::Graph graph{.nodes = {}};
  [[maybe_unused]] knot::report::Node node{.id = "thread:1"};
  [[maybe_unused]] knot::report::Edge edge{.kind = "waits_for"};
  [[maybe_unused]] knot::report::WaitFrame report_wait_frame{.kind = "join"};
  [[maybe_unused]] knot::report::TaskInfo task_info{.cpu = "off_cpu"};
  [[maybe_unused]] knot::report::Holder report_holder{.side = "recv"};
  [[maybe_unused]] knot::report::Diagnostic diagnostic{.message = "?"};
  [[maybe_unused]] knot::report::ParseResult parsed{.diagnostics = {}};
  [[maybe_unused]] knot::report::ReportFileEntry entry{.path = "report.json"};
  return 0;
}
