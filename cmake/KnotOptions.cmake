# Compiler warnings, sanitizers and debug checks shared by every knot target.
# Targets opt in through knot_apply_options() in KnotHelpers.cmake.

add_library(knot_options INTERFACE)
add_library(knot::options ALIAS knot_options)

target_compile_options(knot_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(KNOT_WERROR)
  target_compile_options(knot_options INTERFACE -Werror)
endif()
# Frame pointers keep stacks cheap and honest for the diagnosis layers.
target_compile_options(knot_options INTERFACE -fno-omit-frame-pointer)

if(KNOT_DEBUG_CHECKS)
  target_compile_definitions(knot_options INTERFACE KNOT_DEBUG_CHECKS=1)
endif()

if(KNOT_SANITIZE STREQUAL "thread")
  target_compile_options(knot_options INTERFACE -fsanitize=thread -g)
  target_link_options(knot_options INTERFACE -fsanitize=thread)
  target_compile_definitions(knot_options INTERFACE KNOT_TSAN=1)
  # Suppressions for third-party code, built into every program.
  target_sources(knot_options INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/sanitizers/tsan_suppressions.cc)
elseif(KNOT_SANITIZE STREQUAL "address")
  target_compile_options(knot_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -g)
  target_link_options(knot_options INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(knot_options INTERFACE KNOT_ASAN=1)
  # Leak suppressions for third-party caches, built into every program.
  target_sources(knot_options INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/sanitizers/lsan_suppressions.cc)
elseif(NOT KNOT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "KNOT_SANITIZE must be '', 'thread' or 'address', not '${KNOT_SANITIZE}'")
endif()
