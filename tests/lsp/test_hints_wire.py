"""Inlay hints as they travel: encoded once per version as JSON text, sliced for a window, framed by
the server itself (Content-Length in bytes, the text not escaped to ASCII)."""

from __future__ import annotations

import json

import pytest
from lsp_harness import FILES, open_doc

from paramlens.lsp import hints

TINY = (FILES / "tiny-resnet.arch.yaml").read_text()


def test_dumps_keeps_characters() -> None:
    assert hints._dumps([{"value": " → 32×4×4"}]) == '[{"value": " → 32×4×4"}]'.encode()


def test_dumps_escapes_lone_surrogates() -> None:
    """UTF-8 cannot carry a lone surrogate; JSON's escapes can."""
    data = hints._dumps([{"tooltip": "x\ud800×"}])
    assert data == b'[{"tooltip": "x\\ud800\\u00d7"}]'
    assert json.loads(data) == [{"tooltip": "x\ud800×"}]


@pytest.mark.asyncio(loop_scope="module")
async def test_windows_slice_the_whole_document(client) -> None:
    """The whole document's hints (cached per version) and windows of it, before and after they are
    cached, are the same hints: tooltips (with × and ⌊, several bytes each) included."""
    doc = await open_doc(client, TINY)
    last = len(TINY.split("\n"))
    window_first = await doc.hints(3, 12) + await doc.hints(13, last)
    whole = await doc.hints()
    assert len(whole) == 19
    assert whole == window_first
    assert await doc.hints() == whole
    assert await doc.hints(3, 12) + await doc.hints(13, last) == whole
    assert await doc.hints(8, 8) == [h for h in whole if h.position.line == 8]
    assert all(part.tooltip for h in whole for part in h.label)


def test_windows_sliced_from_the_whole_document_equal_windows_rendered_alone() -> None:
    from pathlib import Path

    from paramlens.engine import analyse
    from paramlens.lsp.config import Settings
    from paramlens.lsp.documents import Entry
    from paramlens.lsp.positions import Lines

    text = (Path(__file__).resolve().parents[2] / "examples" / "resnet18.arch.yaml").read_text()
    settings = Settings()

    def entry() -> Entry:
        return Entry("file:///r.arch.yaml", 1, text, analyse(text), Lines(text, "utf-16"))

    whole = entry()
    everything = json.loads(hints.encoded_hints(whole, settings, 0, len(whole.lines)).data)
    assert len(everything) > 20
    for start, end in [(0, 0), (0, 10), (5, 40), (30, 31), (60, 10_000), (10_000, 20_000)]:
        sliced = json.loads(hints.encoded_hints(whole, settings, start, end).data)
        alone = json.loads(hints.encoded_hints(entry(), settings, start, end).data)
        assert sliced == alone == [h for h in everything if start <= h["position"]["line"] <= end]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_a_line_end_is_where_a_position_at_its_end_is(encoding) -> None:
    """Hints are placed with `Lines.end`, which makes no lsprotocol object: the same place, clamped alike."""
    from paramlens.lsp.positions import Lines

    lines = Lines("input: [3]\nlayers:\n  - Conv2d: 8   # 3×3 → 𝒙\n", encoding)
    for line in range(-2, len(lines) + 2):
        expected = lines.position(line, len(lines.text(line)))
        assert lines.end(line) == (expected.line, expected.character), line
    assert lines.end(2)[1] == {"utf-8": 31, "utf-16": 26, "utf-32": 25}[encoding]
