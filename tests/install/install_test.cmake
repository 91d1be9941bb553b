# Run by ctest (see CMakeLists.txt). Fails with a message at the first step
# that does not work.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(PREFIX ${WORK_DIR}/prefix)

# 1. Install.
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
foreach(f include/knot/runtime.h include/knot/runtime/thread_pool.h)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# 2. A consumer project that uses find_package(knot).
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer-build
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
run(${WORK_DIR}/consumer-build/knot_consumer)
if(NOT LAST_OUTPUT MATCHES "fib\\(20\\) = 6765")
  message(FATAL_ERROR "consumer printed: ${LAST_OUTPUT}")
endif()

# 3. The same source compiled with flags from pkg-config.
file(GLOB_RECURSE pcs ${PREFIX}/*/knot.pc)
list(GET pcs 0 pc)
get_filename_component(pcdir ${pc} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
run(pkg-config --cflags --libs knot)
string(STRIP "${LAST_OUTPUT}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CXX} ${CONSUMER_DIR}/main.cc -o ${WORK_DIR}/pc_consumer ${flags})
run(${WORK_DIR}/pc_consumer)
if(NOT LAST_OUTPUT MATCHES "fib\\(20\\) = 6765")
  message(FATAL_ERROR "pkg-config consumer printed: ${LAST_OUTPUT}")
endif()
message(STATUS "install test passed")
