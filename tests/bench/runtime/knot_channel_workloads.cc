// knot's channel adapter for run_channel() (see knot_channel_workloads.h).
#include "runtime/knot_channel_workloads.h"

#include <optional>
#include <utility>

#include "common/channel_harness.h"
#include "knot/runtime/channel.h"

namespace knot::bench {
namespace {

// Each producer and consumer thread gets its own handle copy, as channel.h
// asks; producers_done() drops the adapter's own Sender, the last one left,
// which closes the channel for the receivers.
class KnotChannelAdapter {
 public:
  explicit KnotChannelAdapter(std::size_t capacity) {
    auto [tx, rx] = channel<std::uint64_t>(capacity, "bench");
    tx_.emplace(std::move(tx));
    rx_.emplace(std::move(rx));
  }

  struct SenderEnd {
    Sender<std::uint64_t> tx;
    bool send(std::uint64_t v) { return static_cast<bool>(tx.send(v)); }
  };
  struct ReceiverEnd {
    Receiver<std::uint64_t> rx;
    std::optional<std::uint64_t> recv() { return rx.recv(); }
  };

  SenderEnd sender() { return {*tx_}; }
  ReceiverEnd receiver() { return {*rx_}; }
  void producers_done() { tx_.reset(); }

 private:
  std::optional<Sender<std::uint64_t>> tx_;
  std::optional<Receiver<std::uint64_t>> rx_;
};

}  // namespace

std::uint64_t knot_channel_transfer(std::uint64_t messages, int producers, int consumers,
                                    std::size_t capacity) {
  KnotChannelAdapter queue(capacity);
  return run_channel(queue, messages, producers, consumers);
}

}  // namespace knot::bench
