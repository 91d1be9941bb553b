// LeakSanitizer's built-in suppressions for the ASan build
// (KNOT_SANITIZE=address compiles this file into every target that links
// knot::options, so every program, and every child process a test starts,
// carries them without relying on LSAN_OPTIONS reaching it).
//
// Only third-party libraries are named here, never knot's own code: the
// libraries that knot-view's Graphviz layout goes through keep caches for
// the life of the process (Graphviz's plugin configuration, the context
// knot-view keeps on purpose, fontconfig's font and pattern caches through
// the pango plugin). They are built without frame pointers, so the stacks
// LSan sees end in one library frame: each line names a library.

extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_options();

// Quiet about the suppressions it used: tests compare programs' stderr.
extern "C" const char* __lsan_default_options() {
  return "print_suppressions=0";
}

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgvc.so\n"
         "leak:libcgraph.so\n"
         "leak:libgvplugin_\n"
         "leak:libfontconfig.so\n"
         "leak:libpango\n"
         "leak:libglib\n"
         "leak:libgobject\n"
         "leak:libcairo\n";
}
