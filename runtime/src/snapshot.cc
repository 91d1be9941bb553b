// snapshot_runtime(): pools, then threads, then the progress counter.

#include "knot/runtime/snapshot.h"

namespace knot {

RuntimeSnapshot snapshot_runtime() {
  RuntimeSnapshot s;
  s.time = std::chrono::steady_clock::now();
  s.pools = snapshot_pools();
  s.threads = snapshot_threads();
  s.wait_ends = num_wait_ends();
  return s;
}

}  // namespace knot
