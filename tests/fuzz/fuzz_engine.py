#!/usr/bin/env python3
"""Coverage-guided fuzzing of the engine with atheris (libFuzzer for Python). Run by hand: see README.md.

Each input is bytes, decoded as a language server would receive them (UTF-8, invalid bytes as U+FFFD),
and judged by the same invariants as the hypothesis tests (tests/hostile/hostile_invariants.py): no
exception escapes, every range lies inside the document, the time stays proportional to the size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))

with atheris.instrument_imports(include=["paramlens"]):
    from hostile_invariants import check


SLOWDOWN = 50  # instrumentation (and a busy machine) slow the engine down; hangs are -timeout's to catch


def test_one_input(data: bytes) -> None:
    check(data.decode("utf-8", errors="replace"), slowdown=SLOWDOWN)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
