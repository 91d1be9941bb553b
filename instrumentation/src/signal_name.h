// parse_signal(): a signal given by name or number, as the KNOT_*_SIGNAL
// environment variables take it.
#pragma once

#include <optional>
#include <string_view>

namespace knot::instr {

// parse_signal() reads "37", "SIGRTMIN", "SIGRTMIN+3", "RTMIN+3",
// "SIGRTMAX-1" or "RTMAX-1"; nullopt for anything else.
std::optional<int> parse_signal(std::string_view text);

}  // namespace knot::instr
