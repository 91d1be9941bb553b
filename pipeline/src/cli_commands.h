// The four commands of knot-embed, parsed (cli.cc) and run
// (cli_commands.cc). Each returns the process's exit code (cli.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace knot::pipeline::detail {

struct CommonArgs {
  std::string db;
  long long busy_timeout_ms = 5000;
  bool json = false;
};

struct IngestArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  long long max_file_bytes = 16LL << 20;
};

struct ReprocessArgs {
  CommonArgs common;
  std::string pools = "separate";
  std::string policy = "block";
  bool force = false;
  std::string model = "lsa";  // lsa or hash
  std::size_t channel_capacity = 64;
  std::size_t threads = 0;
  std::size_t batch = 64;
  std::size_t embed_batch = 64;
  bool no_watchdog = false;
  std::string report_dir;
  bool final_report = false;
  bool hazards = false;  // --hazards (or KNOT_HAZARDS=1): report potential deadlocks
  long long exhaustion_threshold_ms = 10000;
  bool no_progress = false;
};

struct SearchArgs {
  CommonArgs common;
  std::string query;
  std::size_t k = 10;
  std::string index = "exact";
  std::string mode = "hybrid";  // hybrid, bm25 or vector
};

struct StatsArgs {
  CommonArgs common;
};

int run_ingest(const IngestArgs& args);
int run_reprocess(const ReprocessArgs& args);
int run_search(const SearchArgs& args);
int run_stats(const StatsArgs& args);

}  // namespace knot::pipeline::detail
