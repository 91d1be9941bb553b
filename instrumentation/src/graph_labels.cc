// Labels for graph nodes and reports (graph_labels.h).

#include "graph_labels.h"

#include <algorithm>
#include <cstdio>

namespace knot::instr {

namespace {

std::string hex_id(std::uintptr_t address) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(address));
  return buf;
}

}  // namespace

std::string quoted(const std::string& name) {
  return "'" + name + "'";
}

bool is_pool_wait(WaitKind kind) noexcept {
  return kind == WaitKind::kJoin || kind == WaitKind::kInstall || kind == WaitKind::kPoolShutdown ||
         kind == WaitKind::kScope;
}

std::string join_labels(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

std::string thread_node_id(const ThreadView& thread) {
  return thread.is_fiber ? "fiber:" + std::to_string(thread.index)
                         : "thread:" + std::to_string(thread.os_thread_id);
}

std::string thread_label(const ThreadView& thread) {
  std::string label =
      (thread.is_fiber ? "fiber task " : "thread ") +
      quoted(thread.name.empty() ? std::to_string(thread.os_thread_id) : thread.name);
  if (!thread.stage.empty() && thread.stage != thread.name)
    label += " (stage " + quoted(thread.stage) + ")";
  return label;
}

std::string actor_label(ActorId actor, const RuntimeSnapshot& s) {
  if (is_pool_actor(actor)) {
    for (const PoolSnapshot& p : s.pools) {
      if (p.id == actor_id(actor))
        return "pool " + quoted(p.name);
    }
    return "pool #" + std::to_string(actor_id(actor));
  }
  for (const ThreadView& t : s.threads) {
    if (!t.is_fiber && t.index == actor_id(actor))
      return thread_label(t);
  }
  return "thread #" + std::to_string(actor_id(actor));
}

std::string resource_kind(WaitKind kind, bool is_shared_mutex) {
  switch (kind) {
    case WaitKind::kChannelSend:
    case WaitKind::kChannelRecv:
      return "channel";
    case WaitKind::kLatch:
      return "latch";
    case WaitKind::kMutex:
      return is_shared_mutex ? "shared_mutex" : "mutex";
    case WaitKind::kSharedMutex:
      return "shared_mutex";
    case WaitKind::kBlockingRegion:
      return "region";
    case WaitKind::kJoin:
    case WaitKind::kInstall:
    case WaitKind::kPoolShutdown:
    case WaitKind::kScope:
      return "pool";
  }
  return "region";
}

std::string resource_label(const WaitView& wait) {
  std::string kind = wait.kind == WaitKind::kBlockingRegion
                         ? "blocking region"
                         : resource_kind(wait.kind, wait.facts.is_shared_mutex);
  std::replace(kind.begin(), kind.end(), '_', ' ');
  if (!wait.name.empty())
    return kind + " " + quoted(wait.name);
  return kind + " #" + hex_id(wait.resource);
}

std::string wait_label(WaitKind kind) {
  switch (kind) {
    case WaitKind::kJoin:
      return "waits for its tasks in";
    case WaitKind::kInstall:
      return "waits for its closure in";
    case WaitKind::kScope:
      return "waits for the tasks of its scope in";
    case WaitKind::kLatch:
      return "waits for";
    case WaitKind::kChannelSend:
      return "waits to send into";
    case WaitKind::kChannelRecv:
      return "waits to receive from";
    case WaitKind::kMutex:
      return "waits to lock";
    case WaitKind::kSharedMutex:
      return "waits to lock (shared)";
    case WaitKind::kBlockingRegion:
      return "is blocked in";
    case WaitKind::kPoolShutdown:
      return "waits for the shutdown of";
  }
  return "waits for";
}

}  // namespace knot::instr
