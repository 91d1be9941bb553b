#!/usr/bin/env bash
# knot-embed reprocess throughput on a real corpus (issue #6's benchmark).
#
#   1. make sure the corpus is installed: Python's HTML documentation
#      (Debian package python3.11-doc, /usr/share/doc/python3.11/html)
#   2. ingest it once into a fresh database under OUT_DIR
#   3. one warm-up reprocess (not counted: it fills the text and embedding
#      columns, so that every measured run rewrites the same bytes)
#   4. `knot-embed reprocess --db DB --pools separate --force --no-progress
#      --json --threads N` for each N in THREADS, interleaved
#      (1,2,1,2,... ROUNDS rounds), each run's JSON summary kept
#   5. a markdown table: per N, the median wall time, items/s, MB/s (the
#      HTML bytes of the items / the median time), CPU time, each stage's
#      share of the summed stage busy time, and the speed-up against N=1
#      (ratio of medians); the machine's facts and its load average before
#      and after
#
# Usage: tests/bench/pipeline/reprocess_bench.sh BUILD_DIR [OUT_DIR]
#   OUT_DIR: where the database, the runs' JSON (runs.jsonl), a line per run
#   with the load average before it (runs.log), and the table (table.md)
#   go; kept. Without it a temporary folder under /tmp is used
#   and removed at the end.
# Environment:
#   ROUNDS   rounds of the interleaved series (default 3, at least 3)
#   THREADS  the --threads values, space-separated (default "1 2"; on a
#            many-core machine, e.g. "1 2 4 8 16"); the first is the
#            speed-up's base
#   POOLS    --pools (default separate; "shared" deadlocks under the
#            default policy: use it with POLICY=compensate)
#   POLICY   --policy, when set (block|compensate|fiber)
#   MODES    instead of a series over THREADS: a series over pool modes
#            and policies at the first THREADS value, interleaved, as
#            space-separated POOLS:POLICY pairs, e.g.
#            "separate:block shared:compensate"; the table's rows are the
#            modes and its last column the throughput against the first
#   EXTRA_ARGS  more arguments for every reprocess run (word-split)
#   WAIT_LOAD   when set (e.g. 1.5): first wait until the 1-minute load
#            average is below it, checking every 15 s for at most WAIT_MAX_S
#            seconds (default 2400), and fail if it never is
#   CORPUS   another folder of HTML to measure (default: the Python docs; a
#            quick check of the script on a small folder)
#
# What reprocess reports as a stage's "busy time" (stage_seconds in its
# JSON) is wall-clock time inside the stage: read and write, the database
# call of each batch; reprocess, each batch's parallel_for (a worker blocked
# sending into a full channel "processed" counts); embed, the parallel_for
# of each embedding batch (tokenizing included: each text is tokenized and
# embedded in one stream; older builds reported a separate tokenize time,
# which reads as 0 where it is absent). The stages run concurrently, so
# the shares are of the summed busy time, not of the run's wall time.
set -euo pipefail

usage() {
  echo "usage: reprocess_bench.sh BUILD_DIR [OUT_DIR]" >&2
  exit 2
}
die() {
  printf 'reprocess_bench: %s\n' "$*" >&2
  exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
BUILD_DIR=$1
EMBED="$BUILD_DIR/pipeline/knot-embed"
PACKAGE=python3.11-doc
DEFAULT_CORPUS=/usr/share/doc/python3.11/html
CORPUS=${CORPUS:-$DEFAULT_CORPUS}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
POOLS=${POOLS:-separate}
POLICY=${POLICY:-}
MODES=${MODES:-}
EXTRA_ARGS=${EXTRA_ARGS:-}
WAIT_LOAD=${WAIT_LOAD:-}
WAIT_MAX_S=${WAIT_MAX_S:-2400}

[ -x "$EMBED" ] || die "$EMBED not found: build the knot-embed target first"
if [ -n "$WAIT_LOAD" ] && ! [[ "$WAIT_LOAD" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  die "WAIT_LOAD must be a number"
fi
if ! [[ "$WAIT_MAX_S" =~ ^[0-9]+$ ]]; then
  die "WAIT_MAX_S must be a number of seconds"
fi
if ! [[ "$ROUNDS" =~ ^[0-9]+$ ]] || [ "$ROUNDS" -lt 3 ]; then
  die "ROUNDS must be a number >= 3"
fi
read -r -a THREAD_LIST <<<"$THREADS"
[ "${#THREAD_LIST[@]}" -ge 1 ] || die "THREADS is empty"
for t in "${THREAD_LIST[@]}"; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "THREADS: '$t' is not a positive number"
done
# CONFIGS: one "KEY THREADS POOLS POLICY" per series member; KEY names its
# row in the table.
CONFIGS=()
if [ -n "$MODES" ]; then
  for m in $MODES; do
    [[ "$m" =~ ^(shared|separate):(block|compensate|fiber)$ ]] ||
      die "MODES: '$m' is not POOLS:POLICY (shared|separate):(block|compensate|fiber)"
    CONFIGS+=("${m/:/\/} ${THREAD_LIST[0]} ${m%%:*} ${m##*:}")
  done
  KEY_NAME="pools/policy"
else
  for t in "${THREAD_LIST[@]}"; do
    CONFIGS+=("$t $t $POOLS ${POLICY:--}")
  done
  KEY_NAME="threads"
fi
if command -v jq >/dev/null 2>&1; then
  JSON_TOOL=jq
elif command -v python3 >/dev/null 2>&1; then
  JSON_TOOL=python3
else
  die "needs jq or python3 to read knot-embed's JSON"
fi

# ---- the output folder ----------------------------------------------------------
TEMP_DIR=""
cleanup() {
  if [ -n "$TEMP_DIR" ]; then
    rm -rf -- "$TEMP_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ $# -ge 2 ]; then
  OUT_DIR=$2
  mkdir -p "$OUT_DIR"
else
  TEMP_DIR=$(mktemp -d /tmp/knot-reprocess-bench.XXXXXX)
  OUT_DIR=$TEMP_DIR
fi
DB="$OUT_DIR/python-docs.db"
REPORTS="$OUT_DIR/reports"
RUNS="$OUT_DIR/runs.jsonl"
ROWS="$OUT_DIR/runs.tsv"
TABLE="$OUT_DIR/table.md"
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.hnsw" "$RUNS" "$ROWS" "$TABLE" "$OUT_DIR/runs.log"
mkdir -p "$REPORTS"

# ---- 1. the corpus --------------------------------------------------------------
if [ ! -d "$CORPUS" ] && [ "$CORPUS" = "$DEFAULT_CORPUS" ]; then
  echo "installing the corpus: $PACKAGE (Python's HTML documentation)" >&2
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${SUDO[@]}" apt-get install -y "$PACKAGE" >&2; then
    "${SUDO[@]}" apt-get update >&2
    "${SUDO[@]}" apt-get install -y "$PACKAGE" >&2
  fi
fi
[ -d "$CORPUS" ] || die "$CORPUS is missing (for the default corpus: after installing $PACKAGE)"

load1() { cut -d' ' -f1-3 /proc/loadavg; }
if [ -n "$WAIT_LOAD" ]; then
  waited=0
  until awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v max="$WAIT_LOAD" 'BEGIN{exit !(l < max)}'; do
    [ "$waited" -lt "$WAIT_MAX_S" ] ||
      die "the 1-minute load average stayed at or above $WAIT_LOAD for ${WAIT_MAX_S}s ($(load1))"
    echo "waiting for a quiet machine: load average $(load1), want the 1-minute one below" \
      "$WAIT_LOAD (${waited}s of ${WAIT_MAX_S}s)" >&2
    sleep 15
    waited=$((waited + 15))
  done
fi
LOAD_BEFORE=$(load1)
START_UTC=$(date -u '+%Y-%m-%d %H:%M UTC')

# ---- 2. ingest, once ----------------------------------------------------------------
echo "ingesting $CORPUS into $DB" >&2
"$EMBED" ingest "$CORPUS" --db "$DB" --json >"$OUT_DIR/ingest.json"

# ---- 3. the runs --------------------------------------------------------------------
COMMON_ARGS=(reprocess --db "$DB" --force --no-progress --json --report-dir "$REPORTS")
if [ -n "$EXTRA_ARGS" ]; then
  read -r -a EXTRA <<<"$EXTRA_ARGS"
  COMMON_ARGS+=("${EXTRA[@]}")
fi

# json_fields FILE: one TSV line: seconds items bytes embedded warnings read
# reprocess tokenize embed write (stage busy seconds).
json_fields() {
  if [ "$JSON_TOOL" = jq ]; then
    jq -r '[.seconds, .items, .bytes, .embedded, .warnings,
            .stage_seconds.read, .stage_seconds.reprocess, (.stage_seconds.tokenize // 0),
            .stage_seconds.embed, .stage_seconds.write] | map(tostring) | join("\t")' "$1"
  else
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
s = j["stage_seconds"]
print("\t".join(str(v) for v in [j["seconds"], j["items"], j["bytes"], j["embedded"],
      j["warnings"], s["read"], s["reprocess"], s.get("tokenize", 0), s["embed"], s["write"]]))
' "$1"
  fi
}

# run_once CONFIG LABEL: one reprocess; appends "KEY<TAB>proc_wall
# <TAB>user<TAB>sys<TAB>json fields" to $ROWS unless LABEL is warmup.
run_once() {
  local key threads pools policy label=$2
  read -r key threads pools policy <<<"$1"
  local json="$OUT_DIR/run.json" err="$OUT_DIR/run.err" timef="$OUT_DIR/run.time"
  local TIMEFORMAT='%R %U %S' rc=0 load
  local args=("${COMMON_ARGS[@]}" --threads "$threads" --pools "$pools")
  [ "$policy" = - ] || args+=(--policy "$policy")
  load=$(load1)
  { time "$EMBED" "${args[@]}" >"$json" 2>"$err"; } 2>"$timef" || rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$err" >&2
    die "reprocess $key ($label) exited with $rc"
  fi
  # reprocess prints a line about its configuration before the JSON summary,
  # even with --json: keep the summary, the last line that starts with '{'.
  grep '^{' "$json" | tail -n 1 >"$json.summary" || die "no JSON summary from reprocess"
  mv "$json.summary" "$json"
  local wall user sys fields
  read -r wall user sys <"$timef"
  fields=$(json_fields "$json")
  printf '  %-8s %s %-3s %s s (process %s s, cpu %.2f s; load before it %s)\n' "$label" \
    "$KEY_NAME" "$key" "$(cut -f1 <<<"$fields")" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')" "$load" | tee -a "$OUT_DIR/runs.log" >&2
  if [ "$label" != warmup ]; then
    cat "$json" >>"$RUNS"
    printf '%s\t%s\t%s\t%s\t%s\n' "$key" "$wall" "$user" "$sys" "$fields" >>"$ROWS"
  fi
  rm -f "$json" "$err" "$timef"
}

echo "warm-up: reprocess ${CONFIGS[-1]%% *} (not counted)" >&2
run_once "${CONFIGS[-1]}" warmup
for ((round = 1; round <= ROUNDS; round++)); do
  for config in "${CONFIGS[@]}"; do
    run_once "$config" "round $round"
  done
done
ORDER=""
for config in "${CONFIGS[@]}"; do ORDER="$ORDER ${config%% *}"; done
LOAD_AFTER=$(load1)

# ---- 4. the table -----------------------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null ||
  true)
NUM_PAGES=$(find "$CORPUS" -name '*.html' | wc -l)
POLICY_TEXT=${POLICY:-block (the default)}

{
  echo "knot-embed reprocess benchmark, $START_UTC"
  echo
  echo "- machine: $(nproc) CPUs online ($CPU_MODEL), $(uname -sr)"
  echo "- load average (1, 5, 15 min): before $LOAD_BEFORE, after $LOAD_AFTER"
  echo "- build: $EMBED (${BUILD_TYPE:-unknown build type})"
  echo "- corpus: $CORPUS ($NUM_PAGES HTML pages)"
  if [ -n "$MODES" ]; then
    echo "- command: knot-embed reprocess --db DB --pools POOLS --policy POLICY" \
      "--force --no-progress --json --threads ${THREAD_LIST[0]}${EXTRA_ARGS:+ $EXTRA_ARGS}" \
      "(watchdog on; --threads N is workers per pool)"
    echo "- runs: $ROUNDS per mode, interleaved ($MODES, ...), after one warm-up run"
  else
    echo "- command: knot-embed reprocess --db DB --pools $POOLS --policy $POLICY_TEXT" \
      "--force --no-progress --json --threads N${EXTRA_ARGS:+ $EXTRA_ARGS}" \
      "(watchdog on; --threads N is workers per pool)"
    echo "- runs: $ROUNDS per N, interleaved (${THREAD_LIST[*]}, ...), after one warm-up run"
  fi
  echo
  awk -F'\t' -v order="$ORDER" -v key_name="$KEY_NAME" '
    function median(list,   a, n, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) {  # insertion sort, n is small
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
      }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function minmax(list,   a, n, i, lo, hi) {
      n = split(list, a, " ")
      lo = hi = a[1] + 0
      for (i = 2; i <= n; i++) { if (a[i] + 0 < lo) lo = a[i] + 0; if (a[i] + 0 > hi) hi = a[i] + 0 }
      return sprintf("%.2f-%.2f", lo, hi)
    }
    {
      t = $1
      busy = $10 + $11 + $12 + $13 + $14
      runs[t]++
      secs[t] = secs[t] " " $5
      proc[t] = proc[t] " " $2
      cpu[t] = cpu[t] " " ($3 + $4)
      items[t] = $6; bytes[t] = $7; embedded[t] = $8
      for (k = 1; k <= 5; k++) {
        stage_s[t, k] = stage_s[t, k] " " $(9 + k)
        share[t, k] = share[t, k] " " (busy > 0 ? 100 * $(9 + k) / busy : 0)
      }
    }
    END {
      split("read reprocess tokenize embed write", names, " ")
      n = split(order, ts, " ")
      printf "| %s | runs | wall s", key_name
      printf ", median (min-max) | process s | CPU s (user+sys) | items/s | MB/s |"
      for (k = 1; k <= 5; k++) printf " %s |", names[k]
      printf " speed-up vs %s |\n", ts[1]
      printf "|---:|---:|---:|---:|---:|---:|---:|"
      for (k = 1; k <= 5; k++) printf "---:|"
      printf "---:|\n"
      base = median(secs[ts[1]])
      for (i = 1; i <= n; i++) {
        t = ts[i]
        m = median(secs[t])
        printf "| %s | %d | %.2f (%s) | %.2f | %.2f | %.1f | %.2f |", t, runs[t], m,
               minmax(secs[t]), median(proc[t]), median(cpu[t]), items[t] / m,
               bytes[t] / 1e6 / m
        for (k = 1; k <= 5; k++)
          printf " %.1f%% (%.2f s) |", median(share[t, k]), median(stage_s[t, k])
        printf " %.2f |\n", base / m
      }
      printf "\n%d items (%d embedded per run), %.1f MB of HTML per run.\n",
             items[ts[1]], embedded[ts[1]], bytes[ts[1]] / 1e6
      if (n >= 2)
        for (i = 2; i <= n; i++)
          if (key_name == "threads")
            printf "speed-up %s vs %s workers per pool (ratio of median wall times): %.2f\n",
                   ts[i], ts[1], base / median(secs[ts[i]])
          else
            printf "throughput of %s against %s (ratio of median wall times): %.2f\n",
                   ts[i], ts[1], base / median(secs[ts[i]])
    }' "$ROWS"
  echo
  echo "wall s: the pipeline's time as reprocess reports it (\"seconds\": from the stages' start"
  echo "to the last write); process s: the whole command (start-up, watchdog, opening the"
  echo "database); a stage column: its median share of the summed stage busy time (and the"
  echo "median busy seconds)."
} | tee "$TABLE"

if [ -z "$TEMP_DIR" ]; then
  echo >&2
  echo "kept in $OUT_DIR: python-docs.db, ingest.json, runs.jsonl, runs.tsv, runs.log, table.md" >&2
fi
