// knot's headers need C++20 (concepts, std::span, designated initializers,
// constinit). The package asks for it as a minimum, never as a flag
// (cxx_std_20 on the CMake targets, no -std= in the pkg-config files), so
// that a C++23 program stays C++23; a compiler left at an older default
// stops here, with this message, instead of deep inside a template.
// Every public header of knot::runtime and knot::instrumentation includes
// this one first; knot::report's report.h says the same for itself (it
// never includes the runtime's headers).
#pragma once

#if __cplusplus < 202002L
#error "knot needs C++20 or later: compile with -std=c++20 (or a newer standard)"
#endif
