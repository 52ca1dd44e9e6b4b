"""All five scales' totals of an Ultralytics file (issue 15: under 10 ms), timed in a fresh process as
``python -m benchmarks.scales_bench`` does: the first file after start-up, the second in the warm process,
and each after a keystroke. The bound (100 ms, ten times the budget; about 5 ms on a quiet machine) catches
a return to building every scale's tree or a collector pass in the middle, without being flaky on a busy
runner. tests/engine/test_ultralytics_scales_cost.py guards the design itself by counting what is made."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the benchmark package lives beside server/, not inside the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.scales_bench import FILES, one_process  # noqa: E402

BOUND = 0.1  # seconds for the five totals


def test_five_scale_totals_in_a_fresh_process_are_quick() -> None:
    samples = one_process([FILES / "yolo11.yaml", FILES / "yolov8.yaml"])
    assert [(name, label) for name, label, _s, _t, _c in samples] == [
        ("yolo11.yaml", "fresh"), ("yolo11.yaml", "edited"), ("yolov8.yaml", "fresh"), ("yolov8.yaml", "edited"),
    ]  # fmt: skip
    assert samples[0][3] == {"n": 2624080, "s": 9458752, "m": 20114688, "l": 25372160, "x": 56966176}
    slow = [f"{name} {label}: {seconds * 1e3:.1f} ms" for name, label, seconds, _t, _c in samples if seconds > BOUND]
    assert slow == []
