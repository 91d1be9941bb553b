# Validating reports against docs/report.schema.json in ctest.
#
#   include(${PROJECT_SOURCE_DIR}/tests/report/validate_report.cmake)
#   knot_validate_reports_test(NAME <test> DIR <folder> [DEPENDS <test>]
#                              [LABELS ...] [TIMEOUT s])
#
# adds the ctest <test>, which runs tests/report/validate_reports.py on every
# *.json in <folder> (subfolders included) and fails, naming the file, the
# JSON pointer and the reason, if one is not a valid knot.report/1
# document, or if there is no report at all. DEPENDS names the test that
# writes the reports: <test> runs after it, and, when it is defined in the
# same folder, requires it as a fixture (so `ctest -R <test>` runs the
# writer first). The writer should empty the folder first: an old report
# left there from an earlier version is validated too.
#
# The validator runs with KNOT_REPORT_PYTHON (default /usr/bin/python3,
# Debian's, with python3-jsonschema); configuring fails at once if that
# Python cannot import jsonschema 4 (draft 2020-12).

include_guard(GLOBAL)

set(KNOT_REPORT_PYTHON /usr/bin/python3 CACHE FILEPATH
    "Python with the jsonschema module (>= 4), for validating knot reports")
cmake_path(GET CMAKE_CURRENT_LIST_DIR PARENT_PATH _knot_report_tests)
cmake_path(GET _knot_report_tests PARENT_PATH _knot_report_root)
set(KNOT_REPORT_SCHEMA "${_knot_report_root}/docs/report.schema.json" CACHE INTERNAL "")
set(KNOT_REPORT_VALIDATOR "${CMAKE_CURRENT_LIST_DIR}/validate_reports.py" CACHE INTERNAL "")

execute_process(
  COMMAND "${KNOT_REPORT_PYTHON}" -c "import jsonschema; jsonschema.Draft202012Validator"
  RESULT_VARIABLE _knot_report_python_status
  OUTPUT_QUIET ERROR_QUIET)
if(NOT _knot_report_python_status EQUAL 0)
  message(FATAL_ERROR
    "knot's report tests need ${KNOT_REPORT_PYTHON} with the jsonschema module (4.x, draft "
    "2020-12) to validate reports against docs/report.schema.json. On Debian: "
    "apt-get install python3-jsonschema (see setup.sh), or point KNOT_REPORT_PYTHON at a Python "
    "that has it.")
endif()

function(knot_validate_reports_test)
  cmake_parse_arguments(V "" "NAME;DIR;DEPENDS;TIMEOUT" "LABELS" ${ARGN})
  if(NOT V_NAME OR NOT V_DIR)
    message(FATAL_ERROR "knot_validate_reports_test: NAME and DIR are required")
  endif()
  if(NOT V_TIMEOUT)
    set(V_TIMEOUT 60)
  endif()
  if(NOT V_LABELS)
    set(V_LABELS unit)
  endif()
  add_test(NAME ${V_NAME}
           COMMAND "${KNOT_REPORT_PYTHON}" "${KNOT_REPORT_VALIDATOR}"
                   --schema "${KNOT_REPORT_SCHEMA}" "${V_DIR}")
  set_tests_properties(${V_NAME} PROPERTIES TIMEOUT ${V_TIMEOUT} LABELS "${V_LABELS}")
  if(V_DEPENDS)
    set_property(TEST ${V_NAME} APPEND PROPERTY DEPENDS ${V_DEPENDS})
    if(TEST ${V_DEPENDS})
      set_property(TEST ${V_DEPENDS} APPEND PROPERTY FIXTURES_SETUP ${V_NAME}_reports)
      set_property(TEST ${V_NAME} APPEND PROPERTY FIXTURES_REQUIRED ${V_NAME}_reports)
    endif()
  endif()
endfunction()
