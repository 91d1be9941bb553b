// note_primitive(): the hazard point of an operation on a mutex or latch,
// made of its parts and given to the tracker (hazard_hook.h, note_hazard).
#pragma once

#include <cstdint>
#include <string_view>

#include "knot/runtime/hazard_hook.h"

namespace knot::detail {

// `reason` is kExempt's; `call_site` the user's code (0 for kExempt);
// `instance_word` a latch's (HazardPoint::instance_word).
[[gnu::noinline, gnu::cold]] void note_primitive(
    HazardOp op, const void* resource, std::string_view name, std::uintptr_t class_site,
    std::uintptr_t call_site, std::string_view reason = {},
    std::atomic<std::uint64_t>* instance_word = nullptr) noexcept;

}  // namespace knot::detail
