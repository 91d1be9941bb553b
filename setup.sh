#!/usr/bin/env bash
# knot's one set-up script. The README's two commands call it:
#
#   ./setup.sh main   install what the main job needs, build knot-embed and
#                     knot-view (nothing else), run knot's main job
#                     (knot-embed over Python's HTML documentation, with the
#                     watchdog: ingest, reprocess, search, a report, then the
#                     stalled pipeline's deadlock caught and reported; output
#                     in out/)
#   ./setup.sh test   install what is missing, build everything, run the
#                     whole test suite (plain, then the scenario and stress
#                     suites beside two busy loops, ThreadSanitizer, ASan+UBSan,
#                     install test of a static and of a shared build, browser
#                     test, and a bounded libFuzzer run)
#
# Other subcommands: deps (only install packages), build (only build, all
# of it), bench (build the benchmarks and run the comparison driver).
#
# Packages come from Debian only (apt-get), and only when missing, so a
# second run installs nothing. Builds are Release with debug info in build/,
# sanitizer builds in build-tsan/ and build-asan/, the shared libraries for
# the install test in build-shared/.
#
# The terminal shows one line per step. What apt-get and the compiler say
# goes to out/setup.log; when a step fails, its last lines are shown with
# the log's path. The main job's own output and the test suites' (ctest's
# failures included) stay on the terminal.
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
JOBS=${KNOT_JOBS:-$(nproc)}
LOG="$ROOT/out/setup.log"
# The main job's corpus, installed with the packages so that its apt-get
# output goes to the log too (pipeline/run_main_job.sh installs it itself
# when run alone).
CORPUS_PACKAGE=python3.11-doc

# What building knot-embed and knot-view needs.
MAIN_PACKAGES=(
  build-essential cmake ninja-build g++ pkg-config
  libboost-context-dev libunwind-dev libdw-dev nlohmann-json3-dev
  libgraphviz-dev libcli11-dev libgumbo-dev libsqlite3-dev libhnswlib-dev libeigen3-dev
)
# What the tests, the sanitizer and fuzz builds and the benchmarks add.
TEST_PACKAGES=(
  clang libgtest-dev libgmock-dev libbenchmark-dev libtbb-dev
  python3-jsonschema chromium valgrind sqlite3-doc
)

step() { printf '==> %s\n' "$*"; }

# logged DESCRIPTION COMMAND...: one line on the terminal, the command's
# output in the log; on failure the log's last lines and its path.
logged() {
  local what=$1
  shift
  step "$what"
  printf '\n==> %s\n$ %s\n' "$what" "$*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    printf 'setup.sh: failed: %s. The last lines of the log:\n' "$what" >&2
    tail -n 40 "$LOG" | sed 's/^/  /' >&2
    printf 'setup.sh: the whole log: %s\n' "$LOG" >&2
    exit 1
  fi
}

start_log() {
  mkdir -p "$ROOT/out"
  printf 'setup.sh %s, %s\n' "$*" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$LOG"
}

deps() {  # packages...
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    step "Debian packages: all $# present"
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  logged "apt-get update" "${sudo[@]}" apt-get update
  logged "installing ${#missing[@]} Debian packages: ${missing[*]}" \
    "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
}

configure() {  # dir, extra cmake args...
  local dir=$1
  shift
  logged "configuring $dir/" \
    cmake -S "$ROOT" -B "$ROOT/$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
}

compile() {  # dir, description, extra build args...
  local dir=$1 what=$2
  shift 2
  logged "building $what in $dir/ (a few minutes the first time)" \
    cmake --build "$ROOT/$dir" -j "$JOBS" "$@"
}

# The main job needs knot-embed and knot-view (pipeline/run_main_job.sh).
build_main() {
  configure build -DKNOT_BUILD_TESTS=OFF -DKNOT_BUILD_BENCHMARKS=OFF -DKNOT_BUILD_EXAMPLES=OFF
  compile build "knot-embed and knot-view" --target knot-embed knot-view
}

build_all() {
  configure build -DKNOT_BUILD_TESTS=ON -DKNOT_BUILD_BENCHMARKS=ON -DKNOT_BUILD_EXAMPLES=ON
  compile build "everything (RelWithDebInfo, tests and benchmarks)"
}

run_ctest() {  # dir, description
  local dir=$1 what=$2
  step "running the test suite: $what"
  ctest_in "$dir" ctest --output-on-failure -j "$JOBS" --timeout 600
}

# ctest_in DIR COMMAND...: runs a ctest command in DIR. When tests fail, what
# failed (the test's failure lines, a sanitizer's report, a scenario that
# did not end) is repeated at the end: ctest prints a failing test's output
# when it ends, in the middle of a long log whose tail is what a reader sees.
ctest_in() {
  local dir=$1
  shift
  local status=0
  (cd "$ROOT/$dir" && "$@") || status=$?
  if [ "$status" -ne 0 ]; then
    failure_summary "$dir"
  fi
  return "$status"
}

failure_summary() {  # dir
  local log="$ROOT/$1/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || return 0
  printf 'setup.sh: what failed in %s/ (the whole output: %s):\n' "$1" "$log"
  grep -E -A8 ': Failure$|^\[  FAILED  \]|WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error:|did not end within' \
    "$log" | head -n 150 | sed 's/^/  /' || true
}

main_job() {
  step "running knot's main job: knot-embed over a real corpus, watchdog on (output in out/)"
  "$ROOT/pipeline/run_main_job.sh" "$ROOT/build" "$ROOT/out"
}

# run_loaded(): the scenario and stress suites again, beside two processes
# that keep both cores busy: verdicts and assertions must not depend on the
# machine being idle. The loops are ended by their ids, however the run ends.
run_loaded() {
  step "running the scenario and stress suites again beside two busy loops"
  local loops=()
  for _ in 1 2; do
    bash -c 'while :; do :; done' &
    loops+=($!)
  done
  trap 'kill "${loops[@]}" 2>/dev/null || true' EXIT
  local status=0
  ctest_in build ctest --output-on-failure -j "$JOBS" --timeout 900 -L 'scenario|stress' ||
    status=$?
  kill "${loops[@]}" 2>/dev/null || true
  wait "${loops[@]}" 2>/dev/null || true
  trap - EXIT
  return "$status"
}

test_all() {
  run_ctest build "RelWithDebInfo"
  run_loaded

  # The package as shared libraries: a build of the libraries and the
  # programs only (no test suite, examples or benchmarks), where ctest runs
  # the install test alone; the static install was tested with the suite.
  configure build-shared -DBUILD_SHARED_LIBS=ON -DKNOT_BUILD_TESTS=OFF \
    -DKNOT_BUILD_EXAMPLES=OFF -DKNOT_BUILD_BENCHMARKS=OFF -DKNOT_INSTALL_TEST=ON
  compile build-shared "the shared libraries and programs (BUILD_SHARED_LIBS=ON)"
  run_ctest build-shared "install test, shared libraries"

  # The TSan build uses clang, the others gcc: every CI run compiles the
  # project warning-free with both.
  configure build-tsan -DKNOT_SANITIZE=thread -DCMAKE_CXX_COMPILER=clang++ \
    -DKNOT_BROWSER_TESTS=OFF
  compile build-tsan "with ThreadSanitizer (clang)"
  # TSan needs ASLR-compatible mappings on newer kernels; setarch -R turns
  # randomization off for the test processes only.
  step "running the test suite: ThreadSanitizer"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    GTEST_DEATH_TEST_STYLE=threadsafe \
    ctest_in build-tsan setarch "$(uname -m)" -R ctest --output-on-failure -j "$JOBS" --timeout 900

  configure build-asan -DKNOT_SANITIZE=address -DKNOT_BROWSER_TESTS=OFF
  compile build-asan "with AddressSanitizer + UndefinedBehaviorSanitizer"
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    run_ctest build-asan "ASan + UBSan"
  # The report reader and renderers face files from anywhere: libFuzzer
  # (clang) runs over them for a bounded time (tests/tools/fuzz).
  configure build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DKNOT_BUILD_BENCHMARKS=OFF \
    -DKNOT_BROWSER_TESTS=OFF
  compile build-fuzz "the report fuzzer (clang, libFuzzer)" --target report_fuzz
  step "fuzzing the report reader and renderers"
  ctest_in build-fuzz ctest --output-on-failure -R '^report_fuzz$' --timeout 300
  step "all test suites passed"
}

case "${1:-}" in
  deps)
    start_log deps
    deps "${MAIN_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "$CORPUS_PACKAGE"
    ;;
  build)
    start_log build
    deps "${MAIN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build_all
    ;;
  main)
    start_log main
    deps "${MAIN_PACKAGES[@]}" "$CORPUS_PACKAGE"
    build_main
    main_job
    ;;
  test)
    start_log test
    deps "${MAIN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build_all
    test_all
    ;;
  bench)
    start_log bench
    deps "${MAIN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    configure build-bench -DCMAKE_BUILD_TYPE=Release -DKNOT_BUILD_BENCHMARKS=ON \
      -DKNOT_BUILD_TESTS=OFF
    compile build-bench "the benchmarks (Release)"
    "$ROOT/build-bench/tests/bench/knot_compare" "${@:2}"
    ;;
  *)
    echo "usage: $0 main|test|deps|build|bench" >&2
    exit 2
    ;;
esac
