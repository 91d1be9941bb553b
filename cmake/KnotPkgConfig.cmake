# One pkg-config file per library of the package, and knot.pc (the
# runtime, as before the package had three):
#
#   knot-runtime.pc          -lknot_runtime (Boost.Context, threads)
#   knot-report.pc           -lknot_report (nlohmann/json is header-only: nothing)
#   knot-symbolize.pc        -lknot_symbolize (libdw, libelf, dl)
#   knot-instrumentation.pc  -lknot_instrumentation, linked so that the
#                            KNOT_WATCHDOG=1 and KNOT_TRACE starts come
#                            with it, and knot-runtime, knot-report,
#                            knot-symbolize, libunwind
#
# No -std= in Cflags: C++20 is a minimum, and the headers say so with an
# #error (knot/runtime/detail/cxx_standard.h) instead of overriding a
# consumer's C++23.
#
# What "private" means depends on the install. Shared: each library carries
# its dependencies (DT_NEEDED), so they go in Requires.private and
# Libs.private, which only `pkg-config --static` adds. Static: an archive
# carries none, its dependencies are the consumer's link line, so the same
# entries go in Requires and Libs. Either way `pkg-config --cflags --libs
# knot-instrumentation` is a complete link line, and --static stays right.
# libgcc_s precedes libunwind (instrumentation/CMakeLists.txt says why).

file(RELATIVE_PATH KNOT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)

# Boost.Context has no .pc file: -lboost_context, with its folder when the
# compiler would not search it anyway.
set(knot_boost_libs -lboost_context)
get_target_property(knot_boost_location Boost::context LOCATION)
get_filename_component(knot_boost_dir "${knot_boost_location}" DIRECTORY)
if(NOT knot_boost_dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  set(knot_boost_libs "-L${knot_boost_dir} -lboost_context")
endif()

set(knot_dl_libs "")
if(CMAKE_DL_LIBS)
  set(knot_dl_libs -l${CMAKE_DL_LIBS})
endif()

# knot_pkg_config(FILE <name> DESCRIPTION <text> [LIBRARY <target>] [ALWAYS_LINKED]
#                 [REQUIRES ...] [REQUIRES_PRIVATE ...] [CFLAGS ...]
#                 [LIBS ...] [LIBS_PRIVATE ...])
# writes and installs <name>.pc. LIBS follow -l<library>; the *_PRIVATE
# lists become public in a static install (see above). ALWAYS_LINKED: a
# shared library that must be linked even where the program calls nothing
# of it (its initializers are the point), in spite of --as-needed.
function(knot_pkg_config)
  cmake_parse_arguments(P "ALWAYS_LINKED" "FILE;DESCRIPTION;LIBRARY"
                        "REQUIRES;REQUIRES_PRIVATE;CFLAGS;LIBS;LIBS_PRIVATE" ${ARGN})
  set(requires ${P_REQUIRES})
  set(libs ${P_LIBS})
  if(KNOT_STATIC)
    set(KNOT_PC_KIND "A static install: an archive's dependencies are in Requires and Libs.")
    list(APPEND requires ${P_REQUIRES_PRIVATE})
    list(APPEND libs ${P_LIBS_PRIVATE})
    set(P_REQUIRES_PRIVATE "")
    set(P_LIBS_PRIVATE "")
  else()
    set(KNOT_PC_KIND
        "A shared install: the libraries' own dependencies are private (for --static).")
  endif()
  set(fields "")
  if(requires)
    list(JOIN requires " " line)
    string(APPEND fields "Requires: ${line}\n")
  endif()
  if(P_REQUIRES_PRIVATE)
    list(JOIN P_REQUIRES_PRIVATE " " line)
    string(APPEND fields "Requires.private: ${line}\n")
  endif()
  if(P_LIBRARY)
    list(JOIN P_CFLAGS " " line)
    string(STRIP "-I\${includedir} ${line}" line)
    string(APPEND fields "Cflags: ${line}\n")
    get_target_property(output_name ${P_LIBRARY} OUTPUT_NAME)
    set(link -l${output_name})
    if(P_ALWAYS_LINKED AND NOT KNOT_STATIC)
      set(link "-Wl,--push-state,--no-as-needed ${link} -Wl,--pop-state")
    endif()
    list(JOIN libs " " line)
    string(STRIP "-L\${libdir} ${link} ${line}" line)
    string(APPEND fields "Libs: ${line}\n")
  endif()
  if(P_LIBS_PRIVATE)
    list(JOIN P_LIBS_PRIVATE " " line)
    string(APPEND fields "Libs.private: ${line}\n")
  endif()
  set(KNOT_PC_FILE ${P_FILE})
  set(KNOT_PC_DESCRIPTION ${P_DESCRIPTION})
  string(STRIP "${fields}" KNOT_PC_FIELDS)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/knot.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${P_FILE}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${P_FILE}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

knot_pkg_config(FILE knot-runtime LIBRARY knot_runtime
  DESCRIPTION "knot's work-stealing thread pools, fork-join, channels and latches"
  CFLAGS -pthread
  LIBS -pthread
  LIBS_PRIVATE ${knot_boost_libs})
knot_pkg_config(FILE knot-report LIBRARY knot_report
  DESCRIPTION "knot's deadlock report: the model, its JSON form and report files")
# The watchdog's and the trace recorder's starts are initializers in
# objects that nothing calls: a static archive's are linked through the
# anchors, a shared library is linked in spite of --as-needed
# (instrumentation/CMakeLists.txt does the same for CMake's targets).
set(knot_anchors "")
if(KNOT_STATIC)
  set(knot_anchors -Wl,--undefined=knot_watchdog_anchor -Wl,--undefined=knot_trace_anchor)
endif()
knot_pkg_config(FILE knot-symbolize LIBRARY knot_symbolize
  DESCRIPTION "knot's symbolizer: functions, inlined calls and lines of program counters"
  REQUIRES_PRIVATE libdw libelf
  LIBS_PRIVATE ${knot_dl_libs})
knot_pkg_config(FILE knot-instrumentation LIBRARY knot_instrumentation ALWAYS_LINKED
  DESCRIPTION "knot's watchdog, wait-for graph, stack capture and trace recorder"
  REQUIRES knot-runtime knot-report knot-symbolize
  REQUIRES_PRIVATE libunwind
  LIBS ${knot_anchors}
  LIBS_PRIVATE -lgcc_s)
knot_pkg_config(FILE knot
  DESCRIPTION "knot's runtime, as knot-runtime (the watchdog is knot-instrumentation)"
  REQUIRES knot-runtime)
