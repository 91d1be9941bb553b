# The install test, run by ctest (tests/install/CMakeLists.txt) as
#
#   cmake -DBUILD_DIR=<knot build> -DCONSUMER_DIR=<consumer/> -DWORK_DIR=<scratch>
#         -DCXX=<compiler> -DSHARED=<ON|OFF> -P install_test.cmake
#
# It does what a user does: install knot into a fresh prefix, build the
# programs in consumer/ outside the tree (with find_package(knot), then
# with pkg-config), run the deadlocking one with KNOT_WATCHDOG=1 and read
# its report with the installed knot-view. Every step that fails stops the
# test with what it ran and what it printed. Every program runs under a
# time limit.

set(LIMIT 120)  # seconds for any one step; the deadlock is found in < 1 s

# run(<command...>) runs a command and fails the test unless it exits 0.
# LAST_OUT and LAST_ERR hold what it printed.
function(run)
  execute_process(COMMAND ${ARGN} TIMEOUT ${LIMIT} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n--- stdout:\n${out}\n--- stderr:\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
  set(LAST_ERR "${err}" PARENT_SCOPE)
endfunction()

# expect(<text> <regex> <what>) fails the test unless <text> matches.
function(expect text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected /${regex}/ in:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(PREFIX ${WORK_DIR}/prefix)

# ============================================================================
# 1. Install, and what it installs
# ============================================================================

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
file(GLOB_RECURSE pc_files ${PREFIX}/*/knot-instrumentation.pc)
list(GET pc_files 0 pc_file)
get_filename_component(PC_DIR ${pc_file} DIRECTORY)
get_filename_component(LIB_DIR ${PC_DIR} DIRECTORY)
foreach(f
    include/knot/runtime.h include/knot/runtime/thread_pool.h
    include/knot/instrumentation/watchdog.h include/knot/report/report.h
    bin/knot-view bin/knot-dump bin/knot-embed)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
foreach(module runtime report instrumentation)
  if(SHARED)
    set(library ${LIB_DIR}/libknot_${module}.so)
  else()
    set(library ${LIB_DIR}/libknot_${module}.a)
  endif()
  if(NOT EXISTS ${library} OR NOT EXISTS ${PC_DIR}/knot-${module}.pc)
    message(FATAL_ERROR "not installed: ${library} and ${PC_DIR}/knot-${module}.pc")
  endif()
endforeach()

# The programs run from the prefix, as installed (a shared install's find
# their libraries there, through their RUNPATH).
run(${PREFIX}/bin/knot-view --help)
expect("${LAST_OUT}" "knot-view" "knot-view --help")
run(${PREFIX}/bin/knot-dump --help)
expect("${LAST_OUT}" "knot-dump" "knot-dump --help")
run(${PREFIX}/bin/knot-embed --help)
expect("${LAST_OUT}" "knot-embed" "knot-embed --help")
if(SHARED)
  run(ldd ${PREFIX}/bin/knot-embed)
  expect("${LAST_OUT}" "libknot_instrumentation\\.so\\.0 => ${PREFIX}/"
         "knot-embed's libraries come from the prefix")
  run(readelf -d ${LIB_DIR}/libknot_instrumentation.so)
  expect("${LAST_OUT}" "SONAME[^\n]*libknot_instrumentation\\.so\\.0" "the library's soname")
  expect("${LAST_OUT}" "NEEDED[^\n]*libknot_runtime\\.so\\.0" "libknot_instrumentation needs the runtime")
  expect("${LAST_OUT}" "NEEDED[^\n]*libgcc_s[^\n]*\n([^\n]*\n)*[^\n]*NEEDED[^\n]*libunwind"
         "libgcc_s comes before libunwind")
endif()

# ============================================================================
# 2. Programs built with find_package(knot)
# ============================================================================

run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/cmake-build -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
set(CMAKE_PRODUCERS ${WORK_DIR}/cmake-build/producers)
set(CMAKE_POOLS ${WORK_DIR}/cmake-build/pools)

# ============================================================================
# 3. The same programs built with pkg-config
# ============================================================================

set(ENV{PKG_CONFIG_PATH} ${PC_DIR})
# pkg_flags(<var> <args...>): pkg-config's answer as a list of arguments.
function(pkg_flags var)
  run(pkg-config ${ARGN})
  string(STRIP "${LAST_OUT}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(${var} ${flags} PARENT_SCOPE)
endfunction()

pkg_flags(all_cflags --cflags knot knot-runtime knot-report knot-instrumentation)
if(all_cflags MATCHES "-std=")
  message(FATAL_ERROR "a .pc file forces a language standard: ${all_cflags}")
endif()
pkg_flags(flags --cflags --libs knot-instrumentation)
pkg_flags(static_libs --static --libs knot-instrumentation)
string(JOIN " " static_line ${static_libs})
expect("${static_line}" "-lknot_instrumentation.*-lknot_runtime" "pkg-config --static")
expect("${static_line}" "-lgcc_s.*-lunwind" "pkg-config --static: libgcc_s before libunwind")
set(rpath "")
if(SHARED)
  # Outside the system's folders, a user names the prefix's: so does this.
  set(rpath -Wl,-rpath,${LIB_DIR})
endif()
set(warnings -Wall -Wextra -Werror)
set(PC_PRODUCERS ${WORK_DIR}/pc-producers)
set(PC_POOLS ${WORK_DIR}/pc-pools)
run(${CXX} -std=c++20 ${warnings} ${CONSUMER_DIR}/producers.cc -o ${PC_PRODUCERS} ${flags} ${rpath})
# knot.pc is still the runtime.
pkg_flags(knot_flags --cflags --libs knot)
run(${CXX} -std=c++20 ${warnings} ${CONSUMER_DIR}/pools.cc -o ${PC_POOLS} ${knot_flags} ${rpath})
# C++20 is a minimum: a C++23 program builds; a C++17 one is told why not.
run(${CXX} -std=c++2b ${warnings} -c ${CONSUMER_DIR}/designated_init.cc
    -o ${WORK_DIR}/designated_init.o ${all_cflags})
execute_process(COMMAND ${CXX} -std=c++17 -c ${CONSUMER_DIR}/pools.cc -o ${WORK_DIR}/cxx17.o
                        ${all_cflags}
                TIMEOUT ${LIMIT} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(rc STREQUAL "0")
  message(FATAL_ERROR "knot's headers compiled as C++17")
endif()
expect("${err}" "knot needs C\\+\\+20 or later" "compiling as C++17")

# ============================================================================
# 4. The deadlock, found and reported; the report, read by knot-view
# ============================================================================

# check_deadlock(<program> <name>) runs a producers program with the
# watchdog on (exit action) and checks the report it wrote.
function(check_deadlock program name)
  set(reports ${WORK_DIR}/reports-${name})
  set(ENV{KNOT_WATCHDOG} 1)
  set(ENV{KNOT_WATCHDOG_ACTION} exit)
  set(ENV{KNOT_REPORT_DIR} ${reports})
  execute_process(COMMAND ${program} TIMEOUT ${LIMIT} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  unset(ENV{KNOT_WATCHDOG})
  unset(ENV{KNOT_WATCHDOG_ACTION})
  unset(ENV{KNOT_REPORT_DIR})
  if(NOT rc STREQUAL "86")
    message(FATAL_ERROR "${name}: exit ${rc}, not the watchdog's 86\n${out}\n${err}")
  endif()
  expect("${err}" "after a batch of 8: total 28\n" "${name}: the first batch")
  if(err MATCHES "after a batch of 64")
    message(FATAL_ERROR "${name}: the second batch did not deadlock\n${err}")
  endif()
  expect("${err}" "knot: fatal: deadlock: [^\n]*channel 'results'" "${name}: the watchdog's line")
  if(err MATCHES "does not link")
    message(FATAL_ERROR "${name}: the runtime says the instrumentation is missing:\n${err}")
  endif()
  file(GLOB report ${reports}/knot-deadlock-*.json)
  list(LENGTH report n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${name}: ${n} deadlock reports in ${reports}\n${err}")
  endif()
  run(${PREFIX}/bin/knot-view --color=never ${report})
  expect("${LAST_OUT}" "deadlock" "${name}: knot-view")
  expect("${LAST_OUT}" "results" "${name}: knot-view names the channel")
  expect("${LAST_OUT}" "producers" "${name}: knot-view names the pool")
endfunction()

check_deadlock(${CMAKE_PRODUCERS} cmake)
check_deadlock(${PC_PRODUCERS} pkg-config)

# Linked with the runtime alone, KNOT_WATCHDOG gets one line saying so.
foreach(program ${CMAKE_POOLS} ${PC_POOLS})
  set(ENV{KNOT_WATCHDOG} 1)
  run(${program})
  unset(ENV{KNOT_WATCHDOG})
  expect("${LAST_OUT}" "fib\\(20\\) = 6765" "${program}")
  expect("${LAST_ERR}" "^knot: KNOT_WATCHDOG is set[^\n]*\n$" "${program}: exactly one line")
endforeach()

# ============================================================================
# 5. A shared install, loaded after start
# ============================================================================

if(SHARED)
  run(${CXX} ${CONSUMER_DIR}/dlopen_check.cc -o ${WORK_DIR}/dlopen_check -ldl)
  run(${WORK_DIR}/dlopen_check ${LIB_DIR}/libknot_instrumentation.so.0)
endif()

message(STATUS "install test passed (${CXX}, shared: ${SHARED})")
