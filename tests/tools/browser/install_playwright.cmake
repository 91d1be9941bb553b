# Installs this folder's npm dependencies (package.json: playwright-core at
# one exact version) into a folder of the build tree, never into the source
# tree, and writes no package-lock.json. Run by the ctest fixture
# view_browser_npm (CMakeLists.txt):
#
#   cmake -DNPM=/usr/bin/npm -DPACKAGE_JSON=.../package.json -DPREFIX=BUILD/npm \
#         -P install_playwright.cmake
#
# Does nothing when PREFIX already holds the pinned version, so only the
# first run of a build folder asks the npm registry.

foreach(var NPM PACKAGE_JSON PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_playwright.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${PACKAGE_JSON}" manifest)
string(JSON wanted ERROR_VARIABLE json_error GET "${manifest}" dependencies playwright-core)
if(json_error OR NOT wanted MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "${PACKAGE_JSON} must pin playwright-core to one exact version "
                      "(\"1.2.3\"), found '${wanted}' ${json_error}")
endif()

function(installed_version out)
  set(version "")
  set(file "${PREFIX}/node_modules/playwright-core/package.json")
  if(EXISTS "${file}")
    file(READ "${file}" installed)
    string(JSON version ERROR_VARIABLE ignored GET "${installed}" version)
  endif()
  set(${out} "${version}" PARENT_SCOPE)
endfunction()

installed_version(have)
if(have STREQUAL wanted)
  message(STATUS "playwright-core ${have} is installed in ${PREFIX}")
  return()
endif()

file(MAKE_DIRECTORY "${PREFIX}")
configure_file("${PACKAGE_JSON}" "${PREFIX}/package.json" COPYONLY)
message(STATUS "npm install: playwright-core ${wanted} into ${PREFIX}")
execute_process(
  COMMAND "${NPM}" install --prefix "${PREFIX}" --no-audit --no-fund --no-package-lock
          --omit=dev
  RESULT_VARIABLE status
  TIMEOUT 240)
installed_version(have)
if(NOT status EQUAL 0 OR NOT have STREQUAL wanted)
  message(FATAL_ERROR
    "npm could not install playwright-core ${wanted} into ${PREFIX} (npm: ${status}, "
    "installed: '${have}'). It needs the npm registry once per build folder; configure with "
    "-DKNOT_BROWSER_TESTS=OFF where there is none.")
endif()
message(STATUS "playwright-core ${have} installed in ${PREFIX}")
