// dlopen_check LIBRARY: loads a shared knot library after start, as a
// plugin host would, and exits 0 if the loader could. The runtime's
// initial-exec thread-locals then come from glibc's static TLS reserve
// (knot/runtime/detail/scheduler.h says why that is the choice).
#include <dlfcn.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dlopen_check LIBRARY\n");
    return 2;
  }
  if (dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) == nullptr) {
    std::fprintf(stderr, "dlopen_check: %s\n", dlerror());
    return 1;
  }
  std::printf("loaded %s\n", argv[1]);
  return 0;
}
