# Channel tests (included from tests/runtime/CMakeLists.txt).
knot_add_test(NAME channel_test SOURCES channel_test.cc LIBS knot::runtime)
knot_add_test(NAME channel_stress_test SOURCES channel_stress_test.cc LIBS knot::runtime
              LABELS stress TIMEOUT 300)
