# Installation: the package's libraries (knot::base, header-only; knot::runtime, knot::report,
# knot::symbolize, knot::instrumentation) with their headers, a CMake package
# (find_package(knot), then target_link_libraries(app PRIVATE
# knot::instrumentation)), one pkg-config file per library, and the programs
# (knot-view, knot-dump and knot-embed install themselves in their folders).
#
# Static (the default) or shared (-DBUILD_SHARED_LIBS=ON): a consumer's one
# line is the same. The targets carry what a static archive cannot: its
# dependencies, libgcc_s before libunwind, and the anchors that link the
# KNOT_WATCHDOG=1 and KNOT_TRACE starts (instrumentation/CMakeLists.txt).

include(CMakePackageConfigHelpers)

set(KNOT_PACKAGE_LIBRARIES knot_base knot_runtime knot_report knot_symbolize knot_instrumentation)
install(TARGETS ${KNOT_PACKAGE_LIBRARIES} EXPORT knotTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY
  base/include/knot
  runtime/include/knot
  instrumentation/include/knot
  instrumentation/report/include/knot
  instrumentation/symbolize/include/knot
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT knotTargets
  NAMESPACE knot::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/knot)

# knotConfig.cmake finds again what the exported targets name: only a
# static archive's dependencies reach the consumer's link.
get_target_property(KNOT_RUNTIME_TYPE knot_runtime TYPE)
if(KNOT_RUNTIME_TYPE STREQUAL "STATIC_LIBRARY")
  set(KNOT_STATIC ON)
else()
  set(KNOT_STATIC OFF)
endif()
configure_package_config_file(cmake/knotConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/knotConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/knot)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/knotConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/knotConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/knotConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/knot)

include(KnotPkgConfig)
