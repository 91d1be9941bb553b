#!/usr/bin/env python3
"""Print how long each verdict's condition had existed when the watchdog
reported it (verdict.age_seconds), from the reports a scenario run left.

    tests/scenarios/verdict_ages.py build/tests/scenarios/reports

For a proven deadlock the age is the detection latency: the time from the
last wait of the cycle beginning to the verdict. One line per report, then
the median and the largest age per certainty. A figure for
docs/benchmarks.md, never a test: it depends on the machine's load.
"""
import json
import pathlib
import statistics
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    rows = []
    for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.json")):
        try:
            verdict = json.loads(path.read_text()).get("verdict")
        except (OSError, ValueError) as e:
            print(f"{path}: skipped ({e})", file=sys.stderr)
            continue
        if not verdict:
            continue
        rows.append((verdict.get("certainty", ""), verdict.get("kind", ""),
                     float(verdict.get("age_seconds", 0)) * 1000, path.parent.name))
    for certainty, kind, ms, scenario in sorted(rows):
        print(f"{certainty:10} {kind:16} {ms:9.1f} ms  {scenario}")
    for certainty in sorted({r[0] for r in rows}):
        ages = [r[2] for r in rows if r[0] == certainty]
        print(f"{certainty}: {len(ages)} reports, median {statistics.median(ages):.1f} ms, "
              f"largest {max(ages):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
