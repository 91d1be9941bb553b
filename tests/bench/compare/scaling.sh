#!/usr/bin/env bash
# scaling.sh: knot_compare at several thread counts, one table.
#
#   scaling.sh KNOT_COMPARE [THREADS...] [-- EXTRA_ARGS...]
#
# Runs `KNOT_COMPARE --threads N --markdown FILE EXTRA_ARGS` for each N
# (default: 1 2 4 8 16, capped at the hardware concurrency) and prints a
# Markdown table: per workload, knot's median time and its ratio to the
# baseline at every N, then knot's speed-up over its own time at the
# smallest N. Every run's full report is kept in $SCALING_DIR (default: a
# fresh temporary folder, printed at the end). Exits 1 if a run fails (a
# wrong result included); a missed target does not change the exit status.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: scaling.sh KNOT_COMPARE [THREADS...] [-- EXTRA_ARGS...]" >&2
  exit 2
fi
compare=$1
shift
counts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  counts+=("$1")
  shift
done
[ $# -gt 0 ] && shift
extra=("$@")
cores=$(nproc)
if [ ${#counts[@]} -eq 0 ]; then
  for n in 1 2 4 8 16; do
    [ "$n" -le "$cores" ] && counts+=("$n")
  done
fi
dir=${SCALING_DIR:-$(mktemp -d)}
mkdir -p "$dir"

for n in "${counts[@]}"; do
  echo "scaling.sh: --threads $n" >&2
  "$compare" --threads "$n" --markdown "$dir/threads-$n.md" "${extra[@]}" >"$dir/threads-$n.log" 2>&1 || {
    echo "scaling.sh: knot_compare --threads $n failed; its output:" >&2
    cat "$dir/threads-$n.log" >&2
    exit 1
  }
done

# The first table of each report: | workload | knot | ... | Ratio | ... |.
# Prints "workload<TAB>knot<TAB>ratio" per row.
rows() {
  awk -F' \\| ' '
    /^\| Workload \|/ { in_table = 1; next }
    in_table && /^\|---/ { next }
    in_table && !/^\|/ { exit }
    in_table {
      name = $1; sub(/^\| /, "", name)
      knot = $2; sub(/ \(.*/, "", knot)
      ratio = $6; sub(/.*= /, "", ratio)
      print name "\t" knot "\t" ratio
    }' "$1"
}

to_ms() {  # "31.9 ms" / "1.2 s" -> milliseconds
  awk -v v="$1" 'BEGIN { split(v, p, " "); m = p[1]; if (p[2] == "s") m *= 1000; if (p[2] == "us") m /= 1000; print m }'
}

header="| Workload |"
rule="|---|"
for n in "${counts[@]}"; do
  header+=" $n threads: knot (ratio) |"
  rule+="---:|"
done
for n in "${counts[@]}"; do
  header+=" speed-up at $n |"
  rule+="---:|"
done
echo "$header"
echo "$rule"
first=${counts[0]}
mapfile -t names < <(rows "$dir/threads-$first.md" | cut -f1)
if [ ${#names[@]} -eq 0 ]; then
  echo "scaling.sh: no workload rows in $dir/threads-$first.md" >&2
  exit 1
fi
for name in "${names[@]}"; do
  line="| $name |"
  base=""
  speedups=""
  for n in "${counts[@]}"; do
    row=$(rows "$dir/threads-$n.md" | awk -F'\t' -v w="$name" '$1 == w')
    knot=$(cut -f2 <<<"$row")
    ratio=$(cut -f3 <<<"$row")
    line+=" $knot ($ratio) |"
    ms=$(to_ms "$knot")
    [ -z "$base" ] && base=$ms
    speedups+=" $(awk -v b="$base" -v m="$ms" 'BEGIN { printf "%.2fx", b / m }') |"
  done
  echo "$line$speedups"
done
echo >&2
echo "scaling.sh: full reports in $dir" >&2
