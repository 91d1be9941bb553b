// write_sample_report DIR: writes three reports into DIR with
// write_report_file(), for the schema test (tests/report/CMakeLists.txt):
//
//   a deadlock report with every field of every type set (each optional
//   present, each list non-empty, but no hazard: only a potential deadlock
//   has one), a snapshot with every nullable field null (no verdict, no
//   wait, no pool, unbounded channel, no hazard), and a potential deadlock
//   (schema 1.2) with its hazard: condition, policies, and dependencies of
//   every basis, each with both stacks.
//
// Together they make to_json() write every field in each of its forms, so a
// field that the schema lacks or describes wrongly fails the validation.
#include <cstdio>
#include <exception>
#include <string>

#include "knot/report/report.h"
#include "knot/report/report_file.h"

namespace {

using namespace knot::report;

Frame frame(std::uint64_t pc, std::string function, std::string file, int line, bool is_knot) {
  Frame f;
  f.pc = pc;
  f.module = "/usr/bin/knot-embed";
  f.offset = pc - 0x400000;
  f.build_id = "5f1c0de2a9b34e77";
  f.function = std::move(function);
  f.file = std::move(file);
  f.line = line;
  f.is_knot = is_knot;
  return f;
}

// full_report() is the seed's deadlock with every field set.
Report full_report() {
  Report r;
  r.id = "20261128T210003Z-4242-1";
  r.trigger = "parking_path";
  r.process.pid = 4242;
  r.process.executable = "/usr/bin/knot-embed";
  r.process.arguments = {"reprocess", "--db", "articles.db"};
  r.process.start_time = "2026-11-28T21:00:00Z";
  r.process.host = "build-7";
  r.process.knot_version = "0.1.0";
  r.verdict = Verdict{"deadlock", true, "2026-11-28T21:00:03.250Z", 0.21};

  Pool pool;
  pool.id = 1;
  pool.name = "global";
  pool.policy = "block";
  pool.num_threads = 2;
  pool.injector_depth = 3;
  pool.pending_tasks = 5;
  pool.tasks_completed = 78;
  pool.num_spares = 1;
  pool.workers = {{0, 101, "parked", 1, 40}, {1, 102, "parked", 0, 38}};
  pool.queued_by = {{"thread 'embed'", 3}};
  r.pools.push_back(pool);

  Thread embed;
  embed.index = 3;
  embed.tid = 103;
  embed.name = "embed";
  embed.stage = "embed";
  embed.role = "outside";
  embed.state = "parked";
  embed.wait = Wait{"install", 1, "global", false, 0.25};
  embed.holds = {9};
  embed.stack_source = "wait_site";
  embed.stack = {
      frame(0x401a20, "knot::ThreadPool::install", "runtime/src/thread_pool.cc", 210, true),
      frame(0x402b10, "embed_batch(Batch&)", "pipeline/src/embed.cc", 42, false)};
  r.threads.push_back(embed);

  Thread worker;
  worker.index = 1;
  worker.tid = 101;
  worker.name = "global-0";
  worker.stage = "reprocess";
  worker.pool_id = 1;
  worker.worker_index = 0;
  worker.role = "worker";
  worker.state = "parked";
  worker.wait = Wait{"channel_send", 77, "processed", true, 0.3};
  worker.holds = {};
  worker.stack_source = "signal";
  // The user's lambda, inlined into knot's for_split at the same pc.
  Frame lambda = frame(0x403d00, "stage_reprocess()::{lambda(unsigned long)#1}::operator()",
                       "pipeline/src/reprocess.cc", 57, false);
  lambda.is_inlined = true;
  worker.stack = {frame(0x403c00, "knot::Channel<Item>::send", "runtime/src/channel.cc", 88, true),
                  lambda,
                  frame(0x403d00, "void knot::detail::for_split<unsigned long, F>(F&)",
                        "runtime/include/knot/runtime/parallel_for.h", 47, true)};
  r.threads.push_back(worker);

  Resource channel;
  channel.id = 77;
  channel.kind = "channel";
  channel.name = "processed";
  channel.capacity = 64;
  channel.length = 64;
  channel.num_senders = 2;
  channel.num_receivers = 1;
  channel.num_sent = 500;
  channel.num_received = 436;
  channel.recent_senders = {"pool 'global'"};
  channel.recent_receivers = {"thread 'embed'"};
  r.resources.push_back(channel);

  Resource mutex;
  mutex.id = 9;
  mutex.kind = "mutex";
  mutex.name = "store";
  mutex.count = -1;
  mutex.owner_tid = 103;
  mutex.num_readers = 2;
  mutex.pool_id = 1;
  r.resources.push_back(mutex);

  r.graph.nodes = {{"thread:103", "thread", "thread 'embed'", false},
                   {"pool:1", "pool", "pool 'global'", false},
                   {"resource:77:send", "resource", "channel 'processed' (send)", false},
                   {"thread:104", "thread", "thread 'store'", true}};
  r.graph.edges = {
      {"thread:103", "pool:1", "waits_for", "waits for 3 tasks queued in", "exact"},
      {"pool:1", "resource:77:send", "waits_for", "all workers parked sending into", "exact"},
      {"resource:77:send", "thread:103", "woken_by", "received from only by", "exact"}};
  r.cycle = {"thread:103", "pool:1", "resource:77:send"};
  r.summary = "deadlock: thread 'embed' -> pool 'global' -> channel 'processed'";
  r.narrative =
      "thread 'embed' waits for 3 tasks queued in pool 'global'; all 2 workers of pool "
      "'global' are parked sending into channel 'processed' (64/64 full); channel "
      "'processed' is received from only by thread 'embed'.";
  r.advice = {"run stage 'reprocess' on its own pool (install)",
              "or give pool 'global' the compensate or fiber policy"};
  return r;
}

// null_report() is a snapshot at exit: every nullable field null.
Report null_report() {
  Report r;
  r.id = "20261128T210010Z-4242-2";
  r.trigger = "exit";
  r.process.pid = 4242;
  r.process.executable = "/usr/bin/knot-embed";
  r.process.start_time = "";  // unknown
  Thread main_thread;
  main_thread.index = 0;
  main_thread.tid = 4242;
  main_thread.name = "main";
  main_thread.role = "outside";
  main_thread.state = "running";
  main_thread.stack_source = "none";
  r.threads.push_back(main_thread);
  Resource unbounded;
  unbounded.id = 12;
  unbounded.kind = "channel";
  unbounded.name = "results";
  r.resources.push_back(unbounded);
  r.summary = "snapshot at exit";
  return r;
}

// potential_report() is a potential deadlock as knot's hazard tracker
// writes one (instrumentation/src/hazards/hazard_report.cc): thread
// 'transfer' holds mutex 'accounts' while it sends into channel 'ledger',
// which only thread 'audit' receives from, after it waits for mutex
// 'accounts'; plus a pool-level stage, so that the dependencies have every
// basis. Nothing hung: no pools, threads or resources.
Report potential_report() {
  Report r;
  r.id = "20261128T210020Z-4242-h1";
  r.trigger = "exit";
  r.process.pid = 4242;
  r.process.executable = "/usr/bin/knot-embed";
  r.process.arguments = {"reprocess"};
  r.process.start_time = "2026-11-28T21:00:00Z";
  r.process.host = "build-7";
  r.process.knot_version = "0.1.0";
  Verdict v;
  v.kind = "potential_deadlock";
  v.is_proven = false;
  v.certainty = "potential";
  v.time = "2026-11-28T21:00:20.500Z";
  v.assumptions = {
      "thread 'transfer' holds mutex 'accounts' while it waits for room in channel "
      "'ledger'",
      "channel 'ledger' is full (holds 16 items)"};
  r.verdict = v;
  const std::string unlock = "event:unlock:7f3a00c0";
  const std::string room = "event:room:7f3a0140";
  const std::string worker = "event:worker:7f3a0200";
  const std::string help = "event:help:7f3a0200";
  r.graph.nodes = {
      {unlock, "resource", "mutex 'accounts' given back", true},
      {room, "resource", "room in channel 'ledger'", true},
      {worker, "pool", "a free worker of pool 'audit'", true},
      {help, "pool", "a helping worker of pool 'audit' getting back to its wait", true}};
  Hazard h;
  h.condition =
      "It hangs when thread 'transfer' holds mutex 'accounts' while it waits for room in channel "
      "'ledger' and channel 'ledger' is full (holds 16 items), all at once.";
  h.prevented_by = {
      "kFiber on pool 'audit': a task that waits there suspends and frees its worker"};
  const struct {
    std::string from, to, context, basis, text;
  } edges[] = {
      {unlock, room, "thread 'transfer'", "held",
       "thread 'transfer' waits for room in channel 'ledger' while it holds mutex 'accounts'"},
      {room, unlock, "thread 'audit'", "stage",
       "thread 'audit' waits for mutex 'accounts' given back while it is the receiving stage of "
       "channel 'ledger'"},
      {room, worker, "tasks of pool 'audit'", "pool_stage",
       "the tasks of pool 'audit' are the only receivers of channel 'ledger', so room in channel "
       "'ledger' needs a free worker of pool 'audit'"},
      {worker, unlock, "tasks of pool 'audit'", "worker_slot",
       "the tasks of pool 'audit' wait for mutex 'accounts' given back while the waiting task "
       "occupies a worker of pool 'audit'"},
      {unlock, room, "thread 'transfer'", "after_wait",
       "thread 'transfer' waits for room in channel 'ledger' while it sends into channel 'ledger' "
       "only after it"},
      {help, unlock, "tasks of pool 'audit'", "helper",
       "the tasks of pool 'audit' wait for mutex 'accounts' given back, and a worker of pool "
       "'audit' that waits for work another worker took runs such tasks meanwhile"},
  };
  for (const auto& e : edges) {
    r.graph.edges.push_back({e.from, e.to, "depends_on", e.context, e.basis});
    HazardEdge he;
    he.from = e.from;
    he.to = e.to;
    he.context = e.context;
    he.basis = e.basis;
    he.text = e.text;
    he.wait_stack = {
        frame(0x404a00, "knot::Sender<Entry>::send(Entry)", "runtime/src/channel.cc", 88, true),
        frame(0x405b10, "transfer(Account&, Account&)", "app/src/transfer.cc", 31, false)};
    he.responsibility_stack = {
        frame(0x404c00, "knot::Mutex::lock()", "runtime/src/mutex.cc", 40, true),
        frame(0x405b00, "transfer(Account&, Account&)", "app/src/transfer.cc", 27, false)};
    h.edges.push_back(std::move(he));
  }
  // The report's hazard is the cycle of the first two; the others only
  // give every basis a form.
  r.cycle = {unlock, room};
  r.summary =
      "Potential deadlock (this run did not hang): a cycle through mutex 'accounts' given back "
      "and room in channel 'ledger'.";
  r.narrative =
      "In this run nothing hung, but its waits form a cycle that a different timing can close.";
  r.advice = {"Use kFiber on pool 'audit': a task that waits there suspends and frees its worker.",
              "Do not hold a lock across the wait it is held over, or take the locks in one order "
              "everywhere."};
  r.hazard = std::move(h);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_sample_report DIR\n");
    return 2;
  }
  try {
    for (const Report& report : {full_report(), null_report(), potential_report()})
      std::printf("%s\n", write_report_file(argv[1], report).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_sample_report: %s\n", e.what());
    return 1;
  }
  return 0;
}
