"""Every layer kind of the registry has at least one hand-checked case in a ``test_kinds_*.py`` module."""

import importlib
from pathlib import Path

from paramlens.engine import KINDS


def test_every_kind_has_a_case() -> None:
    covered: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_kinds_*.py")):
        covered |= {case.kind for case in importlib.import_module(path.stem).CASES}
    assert sorted(set(KINDS) - covered) == []
