"""Symbols, code lenses, the custom requests, imports and watched files, and robustness."""

from __future__ import annotations

import asyncio

import pytest
from lsp_harness import EXAMPLES, FILES, flat, open_doc
from lsprotocol import types

from paramlens.engine import analyse
from paramlens.export.torch import to_torch_source

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED = (EXAMPLES / "seed-cnn-2d.arch.yaml").read_text()
TINY = (FILES / "tiny-resnet.arch.yaml").read_text()


def _plain(value):
    """The test client hands unknown JSON back as named tuples: make it JSON again."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _request(client, method: str, params):
    return _plain(await client.protocol.send_request_async(method, params))


def _outline(symbols, depth: int = 0) -> list[str]:
    out = []
    for s in symbols or []:
        out.append(f"{'  ' * depth}{s.name} [{s.detail}] {s.range.start.line}-{s.range.end.line}")
        out += _outline(s.children, depth + 1)
    return out


async def test_document_symbols_nest(client) -> None:
    doc = await open_doc(client, TINY)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc.ident))
    # MACs by hand: the first Basic 4·4·32·16·9 = 73,728 (3×3, stride 2) + 4·4·32·16 = 8,192 (1×1 shortcut);
    # each repeated Basic 4·4·32·32·9 + 4·4·32·32 = 163,840; the 1×1 branch 4·4·8·32 = 4,096; Linear 40·10
    # = 400; in all 81,920 + 2 × 163,840 + 4,096 + 400 = 414,096
    assert _outline(symbols) == [
        "name [Tiny ResNet] 0-0",
        "input [16×8×8] 1-1",
        "blocks [1 block] 3-12",
        "  Basic [5,184 params → 32×4×4 · 81.92 K MACs] 3-12",
        "    Residual [5,184 params → 32×4×4 · 81.92 K MACs] 6-11",
        "      layers [4,672 params → 32×4×4 · 73.73 K MACs] 7-9",
        "        Conv2d [4,608 params → 32×4×4 · 73.73 K MACs] 8-8",
        "        BatchNorm2d [64 params → 32×4×4 · 0 MACs] 9-9",
        "      shortcut [512 params → 32×4×4 · 8.192 K MACs] 10-11",
        "        Conv2d [512 params → 32×4×4 · 8.192 K MACs] 11-11",
        "    ReLU [0 params → 32×4×4 · 0 MACs] 12-12",
        "layers [26,466 params → 10 · 414.1 K MACs] 13-28",
        "  Basic [5,184 params → 32×4×4 · 81.92 K MACs] 14-14",
        "  Repeat ×2 [20,608 params → 32×4×4 · 327.7 K MACs] 15-18",
        "    Basic [10,304 params → 32×4×4 · 163.8 K MACs] 18-18",
        "  Concat [264 params → 40×4×4 · 4.096 K MACs] 19-22",
        "    branch 1 [264 params → 8×4×4 · 4.096 K MACs] 21-21",
        "      Conv2d [264 params → 8×4×4 · 4.096 K MACs] 21-21",
        "    branch 2 [0 params → 32×4×4 · 0 MACs] 22-22",
        "  Sequential 'head' [410 params → 10 · 400 MACs] 23-28",
        "    AdaptiveAvgPool2d [0 params → 40×1×1 · 0 MACs] 26-26",
        "    Flatten [0 params → 40 · 0 MACs] 27-27",
        "    Linear [410 params → 10 · 400 MACs] 28-28",
    ]


async def test_code_lens_only_for_clients_without_hints(client) -> None:
    doc = await open_doc(client, SEED)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc.ident))
    if client.flavour == "neovim":  # announces inlay hints: lenses stay off ("auto")
        assert list(lenses) == []
        return
    titles = [(lens.range.start.line, lens.command.title) for lens in lenses]
    assert titles[:3] == [
        (5, "total 13,440 params · 0.05 MB"),
        (6, "448 params → 16×30×30"),
        (7, "32 params → 16×30×30"),
    ]
    assert len(titles) == 10


async def test_summary_and_export_requests(client) -> None:
    doc = await open_doc(client, SEED)
    summary = await _request(client, "paramlens/summary", {"uri": doc.uri})
    assert summary["json"]["total_params"] == 13440
    # what the status bar shows beside the parameters: 388,800 + 3,612,672 + 8,192 MACs
    assert (summary["json"]["macs"], summary["json"]["flops"]) == (4_009_664, 8_019_328)
    assert summary["json"]["name"] == "Seed CNN 2D"
    assert "13,440" in summary["text"]
    other = await open_doc(client, "key: value\n")
    assert await _request(client, "paramlens/summary", {"uri": other.uri}) is None
    exported = await _request(client, "paramlens/exportTorch", {"uri": doc.uri})
    assert exported == {"source": to_torch_source(analyse(SEED), name="Seed CNN 2D")}  # the CLI's export, exactly
    assert "nn.Conv2d(3, 16" in exported["source"].replace("in_channels=", "").replace("out_channels=", "")
    broken = await open_doc(client, SEED.replace("Conv2d", "Conv2x", 1))
    assert await _request(client, "paramlens/exportTorch", {"uri": broken.uri}) == {
        "error": "The architecture has errors: fix them before exporting (see Problems)."
    }
    assert await _request(client, "paramlens/exportTorch", {"uri": other.uri}) == {
        "error": "Not an architecture file open in the editor."
    }


async def test_robustness(client) -> None:
    """Unknown documents, positions out of range and malformed parameters get empty results."""
    doc = await open_doc(client, SEED)
    unknown = types.TextDocumentIdentifier(uri=(client.root / "nowhere.arch.yaml").as_uri())
    assert (
        await client.text_document_hover_async(types.HoverParams(text_document=unknown, position=types.Position(1, 1)))
        is None
    )
    assert await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=unknown, range=types.Range(start=types.Position(0, 0), end=types.Position(9, 0))
        )
    ) in ((), None)
    assert await doc.hover(10_000, 10_000) is None
    assert await doc.hover(9, 10_000) is None
    assert await client.protocol.send_request_async("paramlens/summary", {"nope": 1}) is None
    assert any("summary failed: ValueError" in m.message for m in client.log_messages)  # logged, not fatal
    assert await client.protocol.send_request_async("paramlens/summary", None) is None
    # the session is alive and current
    assert flat(await doc.hints(9, 9)) == [(9, 46, "4,640 params → 32×28×28")]


async def test_import_changes_reanalyse_importers(client) -> None:
    """An open document importing a block library is re-analysed when the library changes in the
    editor (didChange) and on disk (didChangeWatchedFiles), and the client is asked to refresh."""
    lib_text = "blocks:\n  Stem:\n    layers:\n      - Conv2d: {out_channels: 8, kernel_size: 3}\n"
    lib_path = client.root / "lib.arch.yaml"
    lib_path.write_text(lib_text)
    doc = await open_doc(client, "imports: [lib.arch.yaml]\ninput: [3, 8, 8]\nlayers:\n  - Stem\n")
    assert flat(await doc.hints(3, 3)) == [(3, 8, "224 params → 8×6×6")]
    lib = await open_doc(client, lib_text, name="lib.arch.yaml")
    lib.edit((3, 31), (3, 32), "4")  # out_channels 8 -> 4 in the editor, not saved
    for _ in range(200):
        await asyncio.sleep(0.02)
        if flat(await doc.hints(3, 3)) == [(3, 8, "112 params → 4×6×6")]:
            break
    assert flat(await doc.hints(3, 3)) == [(3, 8, "112 params → 4×6×6")]
    lib.close()  # back to the disk's version
    lib_path.write_text(lib_text.replace("out_channels: 8", "out_channels: 2"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=lib_path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    for _ in range(200):
        await asyncio.sleep(0.02)
        if flat(await doc.hints(3, 3)) == [(3, 8, "56 params → 2×6×6")]:
            break
    assert flat(await doc.hints(3, 3)) == [(3, 8, "56 params → 2×6×6")]
    lib_path.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=lib_path.as_uri(), type=types.FileChangeType.Deleted)]
        )
    )
    for _ in range(200):
        await asyncio.sleep(0.02)
        if [d.code for d in client.diagnostics[doc.uri]] == ["import-error", "unknown-layer"]:
            break
    assert [d.code for d in client.diagnostics[doc.uri]][:1] == ["import-error"]


async def test_watched_file_not_open_gets_diagnostics(client) -> None:
    path = client.root / "closed.arch.yaml"
    path.write_text("input: [3, 32, 32]\nlayers:\n  - Conv2: {out_channels: 8, kernel_size: 3}\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    for _ in range(200):
        if path.as_uri() in client.diagnostics:
            break
        await asyncio.sleep(0.02)
    [d] = client.diagnostics[path.as_uri()]
    assert (d.code, d.range.start.line) == ("unknown-layer", 2)
    if client.flavour == "visual_studio_code":  # dynamic registration of the watchers
        assert [r.method for r in client.record.registrations] == ["workspace/didChangeWatchedFiles"]
