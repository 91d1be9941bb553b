#!/usr/bin/env bash
# fast_path_counts.sh: instructions of the fast paths (a join, a spawn, a
# channel send and receive that do not wait) with the runtime alone and with
# the instrumentation linked, enabled and the watchdog running, counted by
# callgrind over the knot_measured_* functions of knot_fast_path_ops.cc.
# Instruction counts do not depend on how busy the machine is, so the ratio
# shows what diagnosis adds to these paths where timings on a shared
# machine cannot (docs/benchmarks.md).
#
#   fast_path_counts.sh BIN_DIR [--check]
#
# BIN_DIR holds knot_fast_path_ops and knot_fast_path_ops_instrumented.
# Prints a Markdown table. --check: exit 1 if a ratio exceeds 1.03 (the
# issue's target). Sizes: FIB (default 25), SPAWNS (100000), MESSAGES
# (1000000) in the environment. Needs valgrind.
set -euo pipefail

bin_dir=$1
check=${2:-}
fib=${FIB:-25}
spawns=${SPAWNS:-100000}
messages=${MESSAGES:-1000000}

if ! command -v valgrind >/dev/null; then
  echo "fast_path_counts.sh: valgrind is not installed" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# count BINARY WORKLOAD N: the instructions callgrind counted inside
# knot_measured_* (every thread).
count() {
  local out="$work/cg.out"
  rm -f "$out"
  if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
    --toggle-collect='knot_measured_*' "$1" "$2" "$3" >"$work/stdout" 2>"$work/stderr"; then
    echo "fast_path_counts.sh: $1 $2 $3 failed:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  local total
  total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
  if [ -z "$total" ]; then
    echo "fast_path_counts.sh: no instruction count in callgrind's output for $1 $2" >&2
    exit 1
  fi
  echo "$total"
}

failed=0
echo "| workload | operations | runtime alone (instructions) | instrumented + watchdog | per operation, alone | per operation, instrumented | ratio | target |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for spec in "fib $fib" "spawns $spawns" "channel $messages"; do
  read -r workload n <<<"$spec"
  alone=$(count "$bin_dir/knot_fast_path_ops" "$workload" "$n")
  instrumented=$(count "$bin_dir/knot_fast_path_ops_instrumented" "$workload" "$n")
  case $workload in
    fib) ops=$(awk -v n="$n" 'BEGIN { a = 0; b = 1; for (i = 0; i < n + 1; i++) { t = a + b; a = b; b = t } print a - 1 }')
         what="fib($n) by join (joins)" ;;
    spawns) ops=$n; what="spawns into a scope" ;;
    channel) ops=$n; what="channel send + receive, no wait (messages)" ;;
  esac
  read -r per_alone per_instr ratio over <<<"$(awk -v a="$alone" -v b="$instrumented" -v o="$ops" \
    'BEGIN { r = b / a; printf "%.1f %.1f %.4f %d\n", a / o, b / o, r, (r > 1.03) }')"
  echo "| $what | $ops | $alone | $instrumented | $per_alone | $per_instr | $ratio | <= 1.03 |"
  if [ "$over" = 1 ]; then
    failed=1
  fi
done

if [ -n "$check" ] && [ "$failed" = 1 ]; then
  echo "fast_path_counts.sh: the instrumented fast path costs more than 3% over the runtime alone" >&2
  exit 1
fi
