"""Windowed placement (what hints and hovers walk) equals the placement of the whole document."""

from pathlib import Path

import pytest

from paramlens.engine import analyse
from paramlens.lsp.documents import Entry
from paramlens.lsp.positions import Lines

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.arch.yaml")), ids=lambda p: p.name)
def test_every_window_places_what_the_whole_document_places(path: Path) -> None:
    text = path.read_text()
    entry = Entry("file:///x.arch.yaml", 1, text, analyse(text), Lines(text, "utf-16"))
    whole = entry.placed()
    assert whole
    n = len(entry.lines)
    for size in (1, 7, 60):
        for start in range(0, n, 3):
            end = start + size - 1
            expected = [(line, layer) for line, layer in whole if start <= line <= end]
            got = entry.placed_between(start, end)
            assert [(line, id(layer)) for line, layer in got] == [(line, id(layer)) for line, layer in expected]
