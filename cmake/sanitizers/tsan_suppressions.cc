// ThreadSanitizer's built-in suppressions for the TSan build
// (KNOT_SANITIZE=thread compiles this file into every target that links
// knot::options, so every program, and every child process a test starts,
// carries them without relying on TSAN_OPTIONS reaching it).
//
// Only third-party libraries are named here, never knot's own code: code
// that is not built with -fsanitize=thread, whose accesses TSan sees (through
// its interceptors) but whose synchronization it does not.
//
// - hnswlib (header-only, Debian's libhnswlib-dev): addPoint() locks the
//   link lists of two nodes in whatever order the graph gives: a lock-order
//   "inversion" on one thread (knot-embed builds its index on one thread).
// - Graphviz lays out text with pango, whose first use starts a fontconfig
//   thread that maps the font cache; glib then reads it after synchronizing
//   inside those uninstrumented libraries.

extern "C" const char* __tsan_default_suppressions();

extern "C" const char* __tsan_default_suppressions() {
  return "deadlock:hnswlib::HierarchicalNSW\n"
         "called_from_lib:libglib-2.0.so.0\n"
         "called_from_lib:libfontconfig.so.1\n"
         "race:libfontconfig.so.1\n";
}
