#!/usr/bin/env bash
# knot-embed's main job (issue #6), called by `./setup.sh main`:
#
#   1. make sure a real corpus is installed: Python's HTML documentation
#      (Debian package python3.11-doc, ~530 pages in /usr/share/doc/python3.11/html)
#   2. ingest it into a fresh database under OUT_DIR
#   3. reprocess with separate pools (the story's fix, docs/story.md) and
#      the watchdog on, with an on-demand report at the end (taken while the
#      pools still run), rendered by knot-view if built
#   4. a few searches (hybrid: BM25 and the learned model; one through the
#      HNSW index), then stats
#   5a. the stalled design with a channel that never fills, with --hazards:
#      it completes, and knot reports the cycle a full channel would close
#      (a potential deadlock, docs/hazards.md)
#   5. the stalled design itself: reprocess --pools shared --channel-capacity 2
#      --threads 2 --force, which must deadlock; the watchdog's report path
#      and summary are printed, knot-view renders the report, a trace of
#      the run (KNOT_TRACE) is left beside it, and exit code 3 is the
#      expected outcome
#   6. the stalled design once more under --policy compensate (a blocked
#      worker lets a spare thread run in its place) and under --policy
#      fiber (a blocked task suspends and gives its worker back), each of
#      which must complete
#
# Usage: pipeline/run_main_job.sh BUILD_DIR [OUT_DIR]   (OUT_DIR defaults to ./out)
# Exits 0 when every step did what it should (the deadlock included).
set -euo pipefail

BUILD_DIR=${1:?usage: run_main_job.sh BUILD_DIR [OUT_DIR]}
OUT_DIR=${2:-out}
EMBED="$BUILD_DIR/pipeline/knot-embed"
VIEW="$BUILD_DIR/tools/view/knot-view"
PACKAGE=python3.11-doc
CORPUS=/usr/share/doc/python3.11/html
# A hung run of the stalled design (no watchdog verdict) is killed after this long.
SEED_LIMIT_S=300

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'run_main_job: %s\n' "$*" >&2
  exit 1
}

[ -x "$EMBED" ] || die "$EMBED not found: build the knot-embed target first"

# ---- 1. the corpus ------------------------------------------------------------
if [ ! -d "$CORPUS" ]; then
  step "installing the corpus: $PACKAGE (Python's HTML documentation)"
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${SUDO[@]}" apt-get install -y "$PACKAGE"; then
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" apt-get install -y "$PACKAGE"
  fi
fi
[ -d "$CORPUS" ] || die "$CORPUS is missing after installing $PACKAGE"
NUM_PAGES=$(find "$CORPUS" -name '*.html' | wc -l)
echo "corpus: $CORPUS ($NUM_PAGES HTML pages from $PACKAGE)"

mkdir -p "$OUT_DIR"
DB="$OUT_DIR/python-docs.db"
REPORTS="$OUT_DIR/reports"
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.hnsw"
mkdir -p "$REPORTS"

render() {
  if [ -x "$VIEW" ]; then
    "$VIEW" "$1" || echo "(knot-view could not render $1)"
  else
    echo "(knot-view is not built; the report is $1)"
  fi
}

# ---- 2. ingest --------------------------------------------------------------------
step "knot-embed ingest $CORPUS --db $DB"
"$EMBED" ingest "$CORPUS" --db "$DB"

# ---- 3. reprocess, separate pools ---------------------------------------------------
step "knot-embed reprocess --pools separate (a pool per stage: the story's fix), watchdog on"
"$EMBED" reprocess --db "$DB" --pools separate --report-dir "$REPORTS" --final-report |
  tee "$OUT_DIR/reprocess.txt"
FINAL_REPORT=$(sed -n 's/^final report: //p' "$OUT_DIR/reprocess.txt")
if [ -n "$FINAL_REPORT" ]; then
  step "the watchdog's on-demand report at the end of reprocess, pools still running: $FINAL_REPORT"
  render "$FINAL_REPORT"
fi

# ---- 4. searches and stats -------------------------------------------------------------
# Hybrid search (BM25 over pages and over passages, fused with the learned
# model's vectors), each hit with its rank in each list and the section of
# its best passage.
for query in "read a csv file" \
  "how do I make an HTTP request to a web server" \
  "sort a list"; do
  step "knot-embed search \"$query\""
  "$EMBED" search "$query" --db "$DB" -k 5
done
step "knot-embed search --index hnsw (the HNSW index, built and saved next to the database)"
"$EMBED" search "socket network programming" --db "$DB" -k 5 --index hnsw
step "knot-embed stats"
"$EMBED" stats --db "$DB"

# ---- 5a. the stalled design's hazard, from a run that completes --------------------------
step "the stalled design with a channel that never fills: knot-embed reprocess --pools shared --channel-capacity 100000 --threads 2 --force --hazards"
echo "(this run completes, but knot records its waits and must name the cycle that a full"
echo " channel would close: thread 'embed', pool 'global', channel 'processed')"
"$EMBED" reprocess --db "$DB" --pools shared --channel-capacity 100000 --threads 2 --force \
  --hazards --report-dir "$REPORTS" --no-progress | tee "$OUT_DIR/hazards.txt"
HAZARD_REPORT=$(sed -n 's/^potential deadlock report: //p' "$OUT_DIR/hazards.txt" | head -n 1)
if [ -z "$HAZARD_REPORT" ]; then
  echo "run_main_job.sh: the completed shared-pool run reported no potential deadlock" >&2
  exit 1
fi
step "the potential deadlock report: $HAZARD_REPORT"
render "$HAZARD_REPORT"

# ---- 5. the stalled design: shared pools must deadlock ---------------------------------
step "the stalled design: knot-embed reprocess --pools shared --channel-capacity 2 --threads 2 --force"
echo "(stage 'reprocess' and the tokenizer share pool 'global'; this must deadlock and the"
echo " watchdog must say so)"
# The deadlock is a race, as in the story (the pipeline stalled only
# sometimes): stage 'embed' must start a batch while stage 'reprocess' is in the
# middle of one. A run that escapes it completes (exit 0) and is run again.
for attempt in 1 2 3; do
  set +e
  KNOT_TRACE="$OUT_DIR/seed-trace.json" \
    timeout --signal=KILL "$SEED_LIMIT_S" "$EMBED" reprocess --db "$DB" --pools shared \
    --channel-capacity 2 --threads 2 --force --report-dir "$REPORTS" 2>"$OUT_DIR/seed.err"
  SEED_RC=$?
  set -e
  [ "$SEED_RC" -eq 0 ] || break
  echo "(attempt $attempt completed: this run escaped the race; running it again)"
done
cat "$OUT_DIR/seed.err" >&2
if [ "$SEED_RC" -eq 3 ]; then
  SEED_REPORT=$(sed -n 's/^  report:  //p' "$OUT_DIR/seed.err" | head -n 1)
  echo
  echo "expected outcome: knot-embed exited with code 3 after the watchdog proved the deadlock."
  if [ -n "$SEED_REPORT" ]; then
    step "the deadlock report: $SEED_REPORT"
    render "$SEED_REPORT"
  fi
  if [ -f "$OUT_DIR/seed-trace.json" ]; then
    echo
    echo "the timeline up to the deadlock (waits and pool occupancy; open it in ui.perfetto.dev"
    echo "or chrome://tracing): $OUT_DIR/seed-trace.json"
  fi
  step "knot-embed stats (the stalled run is recorded as a deadlock)"
  "$EMBED" stats --db "$DB"
  # ---- 6. the same design under the compensate and fiber policies must complete ----------
  step "the stalled design under --policy compensate: knot-embed reprocess --pools shared --policy compensate --channel-capacity 2 --threads 2 --force"
  echo "(a worker blocked sending into 'processed' lets a spare thread run the tokenizer)"
  timeout --signal=KILL "$SEED_LIMIT_S" "$EMBED" reprocess --db "$DB" --pools shared \
    --policy compensate --channel-capacity 2 --threads 2 --force --report-dir "$REPORTS" ||
    die "the stalled design under --policy compensate did not complete (exit code $?)"
  step "the stalled design under --policy fiber: knot-embed reprocess --pools shared --policy fiber --channel-capacity 2 --threads 2 --force"
  echo "(a task blocked sending into 'processed' suspends on its fiber and its worker runs the tokenizer)"
  timeout --signal=KILL "$SEED_LIMIT_S" "$EMBED" reprocess --db "$DB" --pools shared \
    --policy fiber --channel-capacity 2 --threads 2 --force --report-dir "$REPORTS" ||
    die "the stalled design under --policy fiber did not complete (exit code $?)"
  step "main job done: outputs in $OUT_DIR"
  exit 0
fi
if [ "$SEED_RC" -eq 137 ]; then
  die "the stalled design hung for ${SEED_LIMIT_S}s without a watchdog verdict (killed)"
fi
die "the stalled design ended with exit code $SEED_RC, not the expected 3 (deadlock reported)"
