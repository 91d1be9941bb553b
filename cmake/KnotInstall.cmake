# Installation: headers, the library, a CMake package (find_package(knot)
# then knot::runtime) and a pkg-config file (pkg-config --cflags --libs knot).

include(CMakePackageConfigHelpers)

install(TARGETS knot_runtime EXPORT knotTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY runtime/include/knot DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT knotTargets
  NAMESPACE knot::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/knot)

configure_package_config_file(cmake/knotConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/knotConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/knot)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/knotConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/knotConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/knotConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/knot)

# The .pc file finds its prefix relative to itself, so --prefix works.
file(RELATIVE_PATH KNOT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/knot.pc.in ${CMAKE_CURRENT_BINARY_DIR}/knot.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/knot.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
