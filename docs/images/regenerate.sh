#!/usr/bin/env bash
# Regenerates the pictures of the docs from a real run: the stalled
# pipeline's deadlock as the main job makes it (knot-embed reprocess
# --pools shared --channel-capacity 2 --threads 2 --force over Python's
# HTML documentation), caught by the watchdog, rendered by knot-view.
#
# Usage: docs/images/regenerate.sh BUILD_DIR
#
# BUILD_DIR must hold knot-embed and knot-view, and playwright-core in
# tests/tools/browser/npm (the browser test's fixture installs it:
# `ctest -R view_browser_npm` in BUILD_DIR). Needs /usr/bin/chromium and the
# corpus (Debian's python3.11-doc), as `./setup.sh test` and `./setup.sh
# main` install them.
#
# Writes, next to this script:
#   knot-view-seed.json   the watchdog's report, with the checkout's path
#                         replaced by /src/knot and the run's temporary
#                         folder by /tmp/knot-demo (a committed file must
#                         not name the machine that made it); nothing else
#                         is changed
#   knot-view-seed.txt    knot-view's terminal rendering of it, 100 columns
#   knot-view-seed.png    a full-page screenshot of knot-view's HTML page of
#                         it in headless Chromium, taken by the browser test
#                         (tests/tools/browser), which also checks the page
# Then paste knot-view-seed.txt where docs/tools.md and docs/story.md show
# the terminal rendering, and review the three before committing.
set -euo pipefail
[ $# -eq 1 ] || {
  echo "usage: docs/images/regenerate.sh BUILD_DIR" >&2
  exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
build=$(cd "$1" && pwd)
embed="$build/pipeline/knot-embed"
view="$build/tools/view/knot-view"
npm="$build/tests/tools/browser/npm"
corpus=/usr/share/doc/python3.11/html
for need in "$embed" "$view"; do
  [ -x "$need" ] || {
    echo "regenerate.sh: $need is not built" >&2
    exit 1
  }
done
[ -d "$npm/node_modules/playwright-core" ] || {
  echo "regenerate.sh: no playwright-core in $npm (run: ctest -R view_browser_npm in $build)" >&2
  exit 1
}
[ -d "$corpus" ] || {
  echo "regenerate.sh: $corpus is missing (apt-get install python3.11-doc)" >&2
  exit 1
}

work=$(mktemp -d /tmp/knot-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$embed" ingest "$corpus" --db "$work/docs.db" >/dev/null
# The deadlock is a race, as in the story: a run that escapes it completes
# (exit 0) and is run again.
report=""
for attempt in 1 2 3 4 5; do
  set +e
  (cd "$work" && "$embed" reprocess --db docs.db --pools shared --channel-capacity 2 \
    --threads 2 --force --report-dir reports --no-progress >/dev/null 2>err.txt)
  rc=$?
  set -e
  if [ "$rc" -eq 3 ]; then
    report=$(sed -n 's/^  report:  //p' "$work/err.txt" | head -n 1)
    break
  fi
  [ "$rc" -eq 0 ] || {
    cat "$work/err.txt" >&2
    echo "regenerate.sh: knot-embed exited with $rc, not 3 (deadlock) or 0" >&2
    exit 1
  }
  echo "regenerate.sh: attempt $attempt escaped the race; again"
done
[ -n "$report" ] || {
  echo "regenerate.sh: no deadlock in 5 attempts" >&2
  exit 1
}
case "$report" in /*) ;; *) report="$work/$report" ;; esac

python3 - "$report" "$root" "$work" "$here/knot-view-seed.json" <<'PY'
import json, re, sys
src, root, work, dst = sys.argv[1:]
# Source paths in the debug information can name another checkout when
# ccache reused its objects ("/elsewhere/build/../runtime/src/x.cc"): any
# "<prefix>/build.../../" becomes the checkout too.
BUILD_RELATIVE = re.compile(r"/[^\s\"']*/build[^/\s]*/\.\./")
def clean(v):
    if isinstance(v, str):
        v = v.replace(root, "/src/knot").replace(work, "/tmp/knot-demo")
        return BUILD_RELATIVE.sub("/src/knot/", v)
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
# Every other absolute path left is listed, for the review.
text = json.dumps(report)
tops = re.findall(r"(?:^|[\s\"'(=])(/[A-Za-z0-9_.+-]+)/", text)
left = sorted(set(tops) - {"/src", "/tmp", "/usr", "/lib", "/lib64", "/proc"})
if left:
    print("regenerate.sh: review these paths in the report:", ", ".join(left), file=sys.stderr)
PY

"$view" --width 100 --color never "$here/knot-view-seed.json" >"$here/knot-view-seed.txt"
node "$root/tests/tools/browser/view_browser_test.mjs" --view "$view" \
  --report "$here/knot-view-seed.json" --modules "$npm" --chromium /usr/bin/chromium \
  --screenshot "$work/knot-view-seed.png" >"$work/browser.txt" 2>&1 || {
  cat "$work/browser.txt" >&2
  echo "regenerate.sh: the browser test failed on the page" >&2
  exit 1
}
cp "$work/knot-view-seed.png" "$here/knot-view-seed.png"
echo "regenerate.sh: wrote knot-view-seed.json, .txt and .png in $here (from $(basename "$report"))"
