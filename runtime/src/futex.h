// Thin wrappers over Linux futex(2) for 32-bit atomics: the one place the
// runtime sleeps. Private futexes only (never shared across processes).
// futex_wake() on an address whose object was just destroyed is harmless:
// the kernel only hashes the address, it never reads the memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace knot::detail {

// futex_wait() sleeps while *word == expected, until woken, interrupted or
// (when `timeout` is not null) the relative timeout passed. May return
// spuriously: callers loop on their condition.
void futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const std::chrono::nanoseconds* timeout = nullptr) noexcept;

// futex_wake() wakes up to `count` threads sleeping on `word`.
void futex_wake(const std::atomic<std::uint32_t>& word, int count) noexcept;

}  // namespace knot::detail
