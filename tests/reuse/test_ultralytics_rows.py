"""Rows reused across versions of an Ultralytics file (engine/ultralytics/walk.py ``_ROWS``): after every
kind of keystroke, the analysis that reuses rows built for earlier versions must be one that cannot be
told apart from a build of every row afresh: counts, shapes, formulas, ranges, diagnostics, row facts and
compute."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from paramlens.engine import analyse
from paramlens.engine.ultralytics import walk

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from hostile_invariants import portrait  # noqa: E402  (one comparison for reuse, fuzzing and the corpus)

FILES = sorted([*(ROOT / "examples" / "ultralytics").glob("*.yaml"),
                *(ROOT / "tests" / "ultralytics_oracle" / "customised").glob("*.yaml")])  # fmt: skip
ROW = re.compile(r"^\s*- \[.*\]")


def everything(analysis: Any) -> tuple:
    rows = tuple((x.row, x.macs, x.activations) for x in analysis.layers)
    return portrait(analysis), rows, analysis.totals, analysis.scale


def fresh(text: str, key: str, memo: Any) -> Any:
    """The analysis with no row built before (an empty reuse table for this one call)."""
    kept = walk._ROWS.copy()
    walk._ROWS.clear()
    try:
        return analyse(text, key=key, memo=memo)
    finally:
        walk._ROWS.clear()
        walk._ROWS.update(kept)


def keystrokes(text: str) -> list[str]:
    """Versions of ``text``: on every row, a width typed longer, a `from` changed, the row duplicated
    (every absolute index below shifts) and the row deleted, each followed by the original again."""
    lines = text.split("\n")
    versions: list[str] = []
    for k, line in enumerate(lines):
        if not ROW.match(line):
            continue
        digit = re.search(r"\[\s*(\d+)", line[line.index("[", line.index(",", line.index(",") + 1)) :])
        changed: list[list[str]] = []
        if digit:
            cut = line.index(digit.group(1), line.index(digit.group(0))) + len(digit.group(1))
            changed.append([*lines[:k], line[:cut] + "0" + line[cut:], *lines[k + 1 :]])
        changed.append([*lines[:k], line.replace("[-1,", "[-2,", 1), *lines[k + 1 :]])
        changed.append([*lines[: k + 1], line, *lines[k + 1 :]])
        changed.append([*lines[:k], *lines[k + 1 :]])
        for version in changed:
            versions += ["\n".join(version), text]
    return versions


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_rows_reused_across_keystrokes_equal_fresh_builds(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    memo = analyse(text, key=path.name).memo
    reused = 0
    for version in keystrokes(text):
        before = len(walk._ROWS)
        warm = analyse(version, key=path.name, memo=memo)
        reused += len(walk._ROWS) == before  # nothing new built: every row came from the table
        cold = fresh(version, path.name, memo)
        assert everything(warm) == everything(cold)
        memo = warm.memo
    assert reused > 0  # the originals come back after every keystroke: their rows must be found
