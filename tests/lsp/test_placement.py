"""Windowed placement (what hints and hovers walk) equals the placement of the whole document."""

from pathlib import Path

import pytest

from paramlens.engine import analyse
from paramlens.engine.reuse import Reinstated
from paramlens.lsp import hints
from paramlens.lsp.documents import Entry, _place
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


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.arch.yaml")), ids=lambda p: p.name)
def test_placement_walks_the_layers_of_first_uses_only_and_places_as_a_full_walk(path: Path) -> None:
    """The layers of a block's other uses are written in its definition, where the first use's claim the
    lines: placement leaves them unwalked (and, for uses that share an earlier one's analysis, uncopied),
    and places exactly what walking every layer would."""
    text = path.read_text()
    entry = Entry("file:///x.arch.yaml", 1, text, analyse(text), Lines(text, "utf-16"))
    placed = entry.placed()
    uses = [layer for layer in _shallow(entry.analysis.layers) if isinstance(layer, Reinstated)]
    first = {id(use) for use in entry.first_uses().values()}
    assert all(use._job is not None for use in uses if id(use) not in first)
    full = _place(entry.analysis.walk(), 0, len(entry.lines))  # reads (and copies) every layer
    assert [(line, id(layer)) for line, layer in placed] == [(line, id(layer)) for line, layer in full]


PAIRS = """input: [3, 8, 8]
blocks:
  Pair:
    args: {width: 4}
    layers:
      - Conv2d: {out_channels: $width, kernel_size: 1}
      - ReLU
layers:
  - Pair
  - Pair
  - Pair
  - Sequential:
      layers:
        - Pair
        - Pair
"""


def test_uses_with_an_earlier_ones_analysis_share_it_until_read() -> None:
    analysis = analyse(PAIRS)
    uses = [layer for layer in _shallow(analysis.layers) if isinstance(layer, Reinstated)]
    assert [use.path for use in uses] == [(3,), (4, 2)]  # same input as the 2nd use (and at the same depth)
    assert all(use._job is not None for use in uses)
    entry = Entry("file:///x.arch.yaml", 1, PAIRS, analysis, Lines(PAIRS, "utf-16"))
    assert [(line, layer.path) for line, layer in entry.placed()] == [
        (5, (1, 1)), (6, (1, 2)), (8, (1,)), (9, (2,)), (10, (3,)), (11, (4,)), (13, (4, 1)), (14, (4, 2))
    ]  # fmt: skip
    assert all(use._job is not None for use in uses)  # placing did not read them
    tooltips = [hints.params_tooltip(layer) for layer in analysis.layers]
    assert tooltips[2] == "20 + 0 = 20" and all(use._job is not None for use in uses)  # nor its tooltip
    assert [c.path for c in uses[0].children] == [(3, 1), (3, 2)]  # copied under the use when read
    assert uses[0].children[0].arguments["in_channels"].origin.layer == "layer 2 (Pair, line 10)"


def _shallow(layers):
    """The layers and those below them, but not below a use whose layers are not copied yet."""
    for layer in layers:
        yield layer
        if not (isinstance(layer, Reinstated) and layer._job is not None):
            yield from _shallow(layer.children)
