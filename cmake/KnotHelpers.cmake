# knot_add_library / knot_add_test / knot_add_benchmark: one place for how a
# target is built, so every module gets the same warnings and sanitizers.

# knot_add_test(NAME <name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s]
#               [INCLUDES ...] [ARGS ...])
# Every test has a ctest TIMEOUT so that a hang fails instead of blocking CI.
# Tests labelled `stress` run twice in shuffled order (new schedules each).
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
