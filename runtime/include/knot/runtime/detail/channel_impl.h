// The out-of-line members of Sender<T> and Receiver<T>, and the channel
// factories. Included at the end of knot/runtime/channel.h; not to be
// included on its own. Each member forwards to ChannelState<T>
// (detail/channel_state.h), which holds the protocol.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "knot/runtime/channel.h"
#include "knot/runtime/detail/channel_state.h"
#include "knot/runtime/detail/parking_lot.h"
#include "knot/runtime/error.h"

namespace knot {

// ============================================================================
// Sender
// ============================================================================

template <class T>
Sender<T>::Sender(const Sender& other) noexcept : state_(other.state_) {
  if (state_ != nullptr)
    slot_ = state_->add_sender();
}

template <class T>
Sender<T>::Sender(Sender&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      slot_(std::exchange(other.slot_, detail::HandleTable::kUntracked)) {
  if (state_ != nullptr)
    state_->sender_handles().moved(slot_);
}

template <class T>
Sender<T>::~Sender() {
  if (state_ != nullptr)
    state_->drop_sender(slot_);
}

template <class T>
SendResult<T> Sender<T>::send(T value) {
  const ChannelStatus status = state().send(value, /*may_block=*/true, nullptr, slot_);
  if (status == ChannelStatus::kOk)
    return {status, std::nullopt};
  return {status, std::optional<T>(std::in_place, std::move(value))};
}

template <class T>
SendResult<T> Sender<T>::try_send(T value) {
  const ChannelStatus status = state().send(value, /*may_block=*/false, nullptr, slot_);
  if (status == ChannelStatus::kOk)
    return {status, std::nullopt};
  return {status, std::optional<T>(std::in_place, std::move(value))};
}

template <class T>
template <class Rep, class Period>
SendResult<T> Sender<T>::send_for(T value, std::chrono::duration<Rep, Period> timeout) {
  const detail::Clock::time_point deadline = detail::channel_deadline(timeout);
  const ChannelStatus status = state().send(value, /*may_block=*/true, &deadline, slot_);
  if (status == ChannelStatus::kOk)
    return {status, std::nullopt};
  return {status, std::optional<T>(std::in_place, std::move(value))};
}

template <class T>
bool Sender<T>::is_closed() const noexcept {
  return state().is_closed();
}
template <class T>
std::size_t Sender<T>::size() const noexcept {
  return state().size();
}
template <class T>
std::optional<std::size_t> Sender<T>::capacity() const noexcept {
  return state().capacity();
}
template <class T>
const std::string& Sender<T>::name() const noexcept {
  return state().name();
}
template <class T>
void Sender<T>::exempt_from_hazards(std::string_view reason) const noexcept {
  HazardPoint point = state().hazard_point(HazardOp::kExempt, true);
  point.reason = reason;
  detail::note_hazard(point);
}
template <class T>
ChannelStats Sender<T>::stats() const noexcept {
  return state().stats();
}

// ============================================================================
// Receiver
// ============================================================================

template <class T>
Receiver<T>::Receiver(const Receiver& other) noexcept : state_(other.state_) {
  if (state_ != nullptr)
    slot_ = state_->add_receiver();
}

template <class T>
Receiver<T>::Receiver(Receiver&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      slot_(std::exchange(other.slot_, detail::HandleTable::kUntracked)) {
  if (state_ != nullptr)
    state_->receiver_handles().moved(slot_);
}

template <class T>
Receiver<T>::~Receiver() {
  if (state_ != nullptr)
    state_->drop_receiver(slot_);
}

template <class T>
std::optional<T> Receiver<T>::recv() {
  std::optional<T> out;
  state().recv(out, /*may_block=*/true, nullptr, slot_);
  return out;
}

template <class T>
void Receiver<T>::receive_into(std::optional<T>& out) {
  state().recv(out, /*may_block=*/true, nullptr, slot_);
}

template <class T>
RecvResult<T> Receiver<T>::try_recv() {
  RecvResult<T> result;
  result.status = state().recv(result.value, /*may_block=*/false, nullptr, slot_);
  return result;
}

template <class T>
template <class Rep, class Period>
RecvResult<T> Receiver<T>::recv_for(std::chrono::duration<Rep, Period> timeout) {
  const detail::Clock::time_point deadline = detail::channel_deadline(timeout);
  RecvResult<T> result;
  result.status = state().recv(result.value, /*may_block=*/true, &deadline, slot_);
  return result;
}

template <class T>
bool Receiver<T>::is_closed() const noexcept {
  return state().is_closed();
}
template <class T>
std::size_t Receiver<T>::size() const noexcept {
  return state().size();
}
template <class T>
std::optional<std::size_t> Receiver<T>::capacity() const noexcept {
  return state().capacity();
}
template <class T>
const std::string& Receiver<T>::name() const noexcept {
  return state().name();
}
template <class T>
void Receiver<T>::exempt_from_hazards(std::string_view reason) const noexcept {
  HazardPoint point = state().hazard_point(HazardOp::kExempt, true);
  point.reason = reason;
  detail::note_hazard(point);
}
template <class T>
ChannelStats Receiver<T>::stats() const noexcept {
  return state().stats();
}

// ============================================================================
// Factories
// ============================================================================

template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity, std::string name) {
  if (capacity == 0 || capacity > kMaxChannelCapacity) {
    std::string what =
        "knot::channel: capacity must be between 1 and 2^40, not " + std::to_string(capacity);
    if (!name.empty())
      what += " (channel '" + name + "')";
    throw Error(Errc::kInvalidOption, what);
  }
  return detail::ChannelState<T>::open(capacity, std::move(name));
}

template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded_channel(std::string name) {
  return detail::ChannelState<T>::open(std::nullopt, std::move(name));
}

}  // namespace knot
