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

# count BINARY WORKLOAD N [HAZARDS]: the instructions callgrind counted
# inside knot_measured_* (every thread); HAZARDS=1 turns hazard tracking on.
count() {
  local out="$work/cg.out"
  rm -f "$out"
  if ! KNOT_OPS_HAZARDS=${4:-0} valgrind --tool=callgrind --callgrind-out-file="$out" \
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

# count_all BINARY WORKLOAD N HAZARDS: every instruction of the run. With
# hazards on, callgrind's toggling at knot_measured_* stops collecting after
# the tracker's first stack capture (libunwind), so that table measures
# whole runs at two sizes and divides their difference by the operations
# between them: setup and the first-seen captures cancel out.
count_all() {
  local out="$work/cg-all.out"
  rm -f "$out"
  if ! KNOT_OPS_HAZARDS=$4 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$1" "$2" "$3" >"$work/stdout" 2>"$work/stderr"; then
    echo "fast_path_counts.sh: $1 $2 $3 failed:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

# per_op_between WORKLOAD HAZARDS: instructions per operation, from the
# difference between two sizes.
per_op_between() {
  local bin="$bin_dir/knot_fast_path_ops_instrumented" small big ops
  case $1 in
    fib) small=$(count_all "$bin" fib "$fib" "$2"); big=$(count_all "$bin" fib $((fib + 1)) "$2")
         ops=$(awk -v n="$fib" 'BEGIN { a = 0; b = 1; for (i = 0; i < n; i++) { t = a + b; a = b; b = t } print a }') ;;
    spawns) small=$(count_all "$bin" spawns "$spawns" "$2"); big=$(count_all "$bin" spawns $((spawns * 2)) "$2")
            ops=$spawns ;;
    channel) small=$(count_all "$bin" channel "$messages" "$2"); big=$(count_all "$bin" channel $((messages * 2)) "$2")
             ops=$messages ;;
  esac
  awk -v a="$small" -v b="$big" -v o="$ops" 'BEGIN { printf "%.1f", (b - a) / o }'
}

failed=0
hazard_rows=""
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
  case $workload in
    fib) target=1.2 ;;
    spawns) target=1.2 ;;
    channel) target=2.0 ;;
  esac
  off=$(per_op_between "$workload" 0)
  on=$(per_op_between "$workload" 1)
  hazard_rows+=$(awk -v a="$off" -v b="$on" -v w="$what" -v t="$target" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.3f | <= %s |\n", w, a, b, b / a, t }')
  hazard_rows+=$'\n'
done
echo
echo "Hazard tracking on (KNOT_HAZARDS) against off, both instrumented with the watchdog"
echo "(whole runs at two sizes, per operation between them):"
echo
echo "| workload | per operation, hazards off | per operation, hazards on | ratio | target |"
echo "|---|---:|---:|---:|---|"
printf '%s' "$hazard_rows"

if [ -n "$check" ] && [ "$failed" = 1 ]; then
  echo "fast_path_counts.sh: the instrumented fast path costs more than 3% over the runtime alone" >&2
  exit 1
fi
