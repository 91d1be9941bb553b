#!/usr/bin/env bash
# Captures reports of the watchdog's scenario suite (tests/scenarios) as the
# inputs of knot-view's golden tests (RenderTextTest.ScenarioMatchesGolden).
#
# Usage: tests/tools/view/data/scenarios/capture.sh BUILD_DIR [SHAPE...]
#   SHAPE: capture only these (default: every shape listed below)
#
# Run the scenario suite in BUILD_DIR first (ctest -R scenarios_test). For
# each shape below this takes the newest report in
# BUILD_DIR/tests/scenarios/reports/<shape>/, replaces the checkout's path
# with /src/knot (a committed report must not name the machine that made
# it) and writes <shape>.json next to this script. Then rewrite the goldens
# with KNOT_VIEW_UPDATE_GOLDEN=1 BUILD_DIR/tests/tools/view/view_render_test
# and review them before committing: they are what a person sees.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: capture.sh BUILD_DIR [SHAPE...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
reports="$1/tests/scenarios/reports"
shapes="seed queued_receiver two_pools pool_and_lock nested_latches channel_cycle self_deadlock
compensate_two_pools fiber_two_pools fiber_relock unreceived_channel block_shared_reentry
block_nested_install_buried block_foreign_mutex"
if [ $# -gt 1 ]; then
  shapes="${*:2}"
fi
for shape in $shapes; do
  newest=$(ls -t "$reports/$shape"/*.json 2>/dev/null | head -n 1)
  [ -n "$newest" ] || { echo "capture.sh: no report in $reports/$shape" >&2; exit 1; }
  python3 - "$newest" "$root" "$here/$shape.json" <<'PY'
import json, sys
src, root, dst = sys.argv[1:]
def clean(v):
    if isinstance(v, str):
        return v.replace(root, "/src/knot")
    if isinstance(v, list):
        return [clean(x) for x in v]
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    return v
with open(src) as f:
    report = clean(json.load(f))
with open(dst, "w") as f:
    json.dump(report, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
  echo "$shape: $newest"
done
