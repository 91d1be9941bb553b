// How the wait-for graph and the reports name things, in the user's words.
//
//   thread_node_id()  "thread:<tid>", or "fiber:<index>" for a fiber task
//   thread_label()    "thread 'embed'", "thread 'global-0' (stage 'reprocess')"
//   actor_label()     a primitive's user: "pool 'global'", "thread 'main'"
//   resource_kind()   "channel", "latch", "mutex", "shared_mutex", "region", "pool"
//   resource_label()  "channel 'processed'", "latch #3f10" for an unnamed one
//   wait_label()      the verb of a wait: "waits to send into", ...
//
// Pure functions of a snapshot's views; no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "knot/runtime/snapshot.h"

namespace knot::instr {

std::string thread_node_id(const ThreadView& thread);
std::string thread_label(const ThreadView& thread);

// actor_label() names `actor` with the snapshot's names: "pool 'global'",
// "thread 'main'", or "pool #3" / "thread #7" when it is not in `s`.
std::string actor_label(ActorId actor, const RuntimeSnapshot& s);

std::string resource_kind(WaitKind kind, bool is_shared_mutex = false);
std::string resource_label(const WaitView& wait);
std::string wait_label(WaitKind kind);

// is_pool_wait() is true for waits whose resource is a pool (install, join
// from outside, a pool's shutdown).
bool is_pool_wait(WaitKind kind) noexcept;

// quoted() is 'name'.
std::string quoted(const std::string& name);
// join_labels() lists names as prose: "a", "a and b", "a, b and c".
std::string join_labels(const std::vector<std::string>& names);

}  // namespace knot::instr
