# knot_add_library / knot_add_test / knot_add_benchmark: one place for how a
# target is built, so every module gets the same warnings and sanitizers.

# knot_add_library(NAME <name> EXPORT_NAME <name> SOURCES ... [PRIVATE_INCLUDE] [INTERNAL])
# A module library: alias knot::<EXPORT_NAME>, public headers in
# <dir>/include (installed under include/), private ones in <dir>/src,
# the shared warnings and sanitizers, and clang's thread-safety analysis of
# the KNOT_GUARDED_BY annotations (knot/base/tsa.h).
#
# The package's libraries (runtime, report, instrumentation) are static, or
# shared with -DBUILD_SHARED_LIBS=ON. INTERNAL marks a library that is not
# installed (the viewer's, the pipeline's): always static, linked into the
# programs that use it.
function(knot_add_library)
  cmake_parse_arguments(L "PRIVATE_INCLUDE;INTERNAL" "NAME;EXPORT_NAME" "SOURCES" ${ARGN})
  if(L_INTERNAL)
    add_library(${L_NAME} STATIC ${L_SOURCES})
  else()
    add_library(${L_NAME} ${L_SOURCES})
  endif()
  add_library(knot::${L_EXPORT_NAME} ALIAS ${L_NAME})
  set_target_properties(${L_NAME} PROPERTIES
    OUTPUT_NAME ${L_NAME}
    EXPORT_NAME ${L_EXPORT_NAME}
    POSITION_INDEPENDENT_CODE ON
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR})
  target_compile_features(${L_NAME} PUBLIC cxx_std_20)
  target_include_directories(${L_NAME} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(L_PRIVATE_INCLUDE)
    target_include_directories(${L_NAME} PRIVATE src)
  endif()
  target_link_libraries(${L_NAME} PRIVATE $<BUILD_INTERFACE:knot::options>)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(${L_NAME} PRIVATE -Wthread-safety)
  endif()
  get_target_property(type ${L_NAME} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    # Installed next to the libraries it needs: found through $ORIGIN.
    set_target_properties(${L_NAME} PROPERTIES INSTALL_RPATH "$ORIGIN")
    # Every symbol resolved at link time: a dependency missing from the
    # target fails the build, not the user's program. The sanitizers'
    # symbols come from the program's runtime, so not there.
    if(KNOT_SANITIZE STREQUAL "")
      target_link_options(${L_NAME} PRIVATE "LINKER:--no-undefined")
    endif()
  endif()
endfunction()

# knot_add_test(NAME <name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s]
#               [INCLUDES ...] [ARGS ...])
# Every test has a ctest TIMEOUT so that a hang fails instead of blocking CI.
# Tests labelled `stress` run twice in shuffled order (new schedules each).
# A test that links the runtime (directly, or through the instrumentation or
# the pipeline) gets the teardown leak check (tests/common/leak_check.cc).
function(knot_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;INCLUDES;ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} knot_test_common GTest::gtest GTest::gtest_main
                                          knot::options)
  target_include_directories(${T_NAME} PRIVATE ${T_INCLUDES})
  foreach(lib knot::runtime knot::instrumentation knot::pipeline)
    if(lib IN_LIST T_LIBS)
      target_sources(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common/leak_check.cc)
      break()
    endif()
  endforeach()
  if("stress" IN_LIST T_LABELS AND NOT T_ARGS)
    set(T_ARGS --gtest_shuffle --gtest_repeat=2)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()

# knot_add_benchmark(NAME <name> SOURCES ... [LIBS ...])
function(knot_add_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark knot::options)
endfunction()

# knot_cli11_source(<file>...): the files that include CLI11. GCC 12's
# -Wnull-dereference misfires in libstdc++'s std::string code once CLI11's
# string helpers (CLI/StringTools.hpp, detail::split) are inlined into them:
# a false positive in a system header that -Werror would turn fatal. The
# warning is off for these files only and stays on everywhere else.
function(knot_cli11_source)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set_property(SOURCE ${ARGN} APPEND PROPERTY COMPILE_OPTIONS -Wno-null-dereference)
  endif()
endfunction()
