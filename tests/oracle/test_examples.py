"""Every example file, exported and built with PyTorch, agrees with paramlens to the last parameter."""

from pathlib import Path

import pytest

from paramlens.engine import analyse

from .oracle import EXAMPLES, check


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_matches_pytorch(path: Path) -> None:
    analysis = analyse(path.read_text(), key=str(path))
    assert not analysis.has_errors
    check(analysis)
