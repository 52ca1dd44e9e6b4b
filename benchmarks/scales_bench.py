"""All five scales' totals of an Ultralytics file (issue 15: under 10 ms), as the `scales:` lens and hover
ask for them: ``analysis.scales`` after the file's analysis, timed alone.

``.venv/bin/python -m benchmarks.scales_bench [--runs N]`` starts N fresh processes per file order (each one
imports the engine as the server does, then analyses yolov8.yaml and yolo11.yaml in turn) and prints the
medians of: the first file in a fresh process, the second file in that (warm) process, and the same file
after a keystroke (a width typed into a row). Compare them within one run: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "lsp" / "files"

# one fresh process: analyse each file, time `scales` alone (the analysis before it is not counted)
_CHILD = r"""
import json, sys, time
from paramlens.engine import analyse
out = []
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for label, t in (("fresh", text), ("edited", text.replace("[512, 3, 2]", "[5120, 3, 2]", 1))):
        analysis = analyse(t, key=path)
        start = time.perf_counter()
        totals = analysis.scales
        out.append((path.rsplit("/", 1)[-1], label, time.perf_counter() - start, totals))
print(json.dumps(out))
"""


def one_process(paths: list[Path]) -> list[tuple[str, str, float, dict[str, int | None]]]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, paths)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [tuple(row) for row in json.loads(done.stdout)]  # type: ignore[misc]


def main(runs: int) -> None:
    import os

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    names = ("yolov8.yaml", "yolo11.yaml")
    samples: dict[tuple[str, str], list[float]] = {}
    for order in (names, names[::-1]):
        for _ in range(runs):
            for k, (name, label, seconds, totals) in enumerate(one_process([FILES / n for n in order])):
                first = "first file, fresh process" if k < 2 else "second file, warm process"
                what = first if label == "fresh" else "after a keystroke"
                samples.setdefault((name, what), []).append(seconds)
                assert all(v is not None for v in totals.values()), totals
    for (name, what), times in sorted(samples.items()):
        print(f"{name:12} {what:27} median {statistics.median(times) * 1e3:6.2f} ms, "
              f"max {max(times) * 1e3:6.2f} ms ({len(times)} samples)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
