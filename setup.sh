#!/usr/bin/env bash
# knot's one set-up script. The README's two commands call it:
#
#   ./setup.sh main   install what is missing, build, run knot's main job
#                     (knot-embed over Python's HTML documentation, with the
#                     watchdog: ingest, reprocess, search, a report, then the
#                     seed's deadlock caught and reported; output in out/)
#   ./setup.sh test   install what is missing, build, run the whole test suite
#                     (plain, ThreadSanitizer, ASan+UBSan, install test of a
#                     static and of a shared build, browser test, and a
#                     bounded libFuzzer run)
#
# Other subcommands: deps (only install packages), build (only build),
# bench (build the benchmarks and run the comparison driver).
#
# Packages come from Debian only (apt-get), and only when missing, so a
# second run installs nothing. Builds are Release with debug info in build/,
# sanitizer builds in build-tsan/ and build-asan/, the shared libraries for
# the install test in build-shared/.
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
JOBS=${KNOT_JOBS:-$(nproc)}

PACKAGES=(
  build-essential cmake ninja-build g++ clang pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev libtbb-dev libboost-context-dev
  libunwind-dev libdw-dev nlohmann-json3-dev
  libgraphviz-dev libcli11-dev libgumbo-dev libsqlite3-dev libhnswlib-dev
  python3-jsonschema chromium valgrind
)

log() { printf '\n==> %s\n' "$*"; }

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  log "installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {  # dir, extra cmake args...
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$ROOT/$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$ROOT/$dir" -j "$JOBS"
}

build() {
  log "building (RelWithDebInfo) in build/"
  configure_and_build build -DKNOT_BUILD_BENCHMARKS=ON
}

run_ctest() {  # dir, label description
  local dir=$1 what=$2
  log "running the test suite: $what"
  (cd "$ROOT/$dir" && ctest --output-on-failure -j "$JOBS" --timeout 600)
}

main_job() {
  log "running knot-embed (the seed's pipeline) over a real corpus, watchdog on"
  "$ROOT/pipeline/run_main_job.sh" "$ROOT/build" "$ROOT/out"
}

test_all() {
  run_ctest build "RelWithDebInfo"

  # The package as shared libraries: a build of the libraries and the
  # programs only (no test suite, examples or benchmarks), where ctest runs
  # the install test alone; the static install was tested with the suite.
  log "building shared libraries (BUILD_SHARED_LIBS=ON) for the install test in build-shared/"
  configure_and_build build-shared -DBUILD_SHARED_LIBS=ON -DKNOT_BUILD_TESTS=OFF \
    -DKNOT_BUILD_EXAMPLES=OFF -DKNOT_BUILD_BENCHMARKS=OFF -DKNOT_INSTALL_TEST=ON
  run_ctest build-shared "install test, shared libraries"

  # The TSan build uses clang, the others gcc: every CI run compiles the
  # project warning-free with both.
  log "building with ThreadSanitizer (clang) in build-tsan/"
  configure_and_build build-tsan -DKNOT_SANITIZE=thread -DCMAKE_CXX_COMPILER=clang++ \
    -DKNOT_BROWSER_TESTS=OFF
  # TSan needs ASLR-compatible mappings on newer kernels; setarch -R turns
  # randomization off for the test processes only.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    GTEST_DEATH_TEST_STYLE=threadsafe \
    setarch "$(uname -m)" -R bash -c "cd '$ROOT/build-tsan' && ctest --output-on-failure -j $JOBS --timeout 900"

  log "building with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/"
  configure_and_build build-asan -DKNOT_SANITIZE=address -DKNOT_BROWSER_TESTS=OFF
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    run_ctest build-asan "ASan + UBSan"
  # The report reader and renderers face files from anywhere: libFuzzer
  # (clang) runs over them for a bounded time (tests/tools/fuzz).
  log "fuzzing the report reader and renderers (clang, libFuzzer) in build-fuzz/"
  cmake -S "$ROOT" -B "$ROOT/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DKNOT_BUILD_BENCHMARKS=OFF -DKNOT_BROWSER_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-fuzz" -j "$JOBS" --target report_fuzz
  (cd "$ROOT/build-fuzz" && ctest --output-on-failure -R '^report_fuzz$' --timeout 300)
  log "all test suites passed"
}

case "${1:-}" in
  deps) deps ;;
  build) deps && build ;;
  main) deps && build && main_job ;;
  test) deps && build && test_all ;;
  bench)
    deps
    configure_and_build build-bench -DCMAKE_BUILD_TYPE=Release -DKNOT_BUILD_BENCHMARKS=ON \
      -DKNOT_BUILD_TESTS=OFF
    "$ROOT/build-bench/tests/bench/knot_compare" "${@:2}"
    ;;
  *)
    echo "usage: $0 main|test|deps|build|bench" >&2
    exit 2
    ;;
esac
