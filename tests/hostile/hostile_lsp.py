"""What the hostile server tests add to the one pytest-lsp harness (tests/lsp/lsp_harness.py, whose client,
documents and server command they use): big documents, the server's memory, and what the server must
serve for a text, worked out by ``analyse`` in the test process."""

from __future__ import annotations

import json
import re
import sys
from collections import namedtuple
from pathlib import Path
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter
from pytest_lsp import LanguageClient

from paramlens.engine import analyse
from paramlens.lsp import completion as completion_render
from paramlens.lsp import hints as hint_render
from paramlens.lsp import hover as hover_render
from paramlens.lsp.config import Settings
from paramlens.lsp.documents import Entry
from paramlens.lsp.positions import Lines
from paramlens.render.json import to_json
from paramlens.render.table import summary_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))
from lsp_harness import CONFIG, SERVER, Doc, Record, make_client  # noqa: F401  (the one harness)

SMALL = (
    "name: small\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n  - ReLU\n  - Flatten\n"
)


def big_text(layers: int) -> str:
    """A valid architecture whose analysis takes a while (about 0.1 ms per layer, more on a busy machine)."""
    body = "".join(f"  - Linear: {{out_features: 16, name: l{i}}}\n" for i in range(layers))
    return "name: big\ninput: [16]\nlayers:\n" + body


def record_of(client: LanguageClient) -> Record:
    return client.record  # type: ignore[attr-defined]


def server_pid(client: LanguageClient) -> int:
    return client._server.pid  # type: ignore[attr-defined, union-attr]


def rss_kb(pid: int) -> int:
    """The server process's resident memory (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match.group(1))


def comparable(params: types.PublishDiagnosticsParams) -> list[tuple[Any, ...]]:
    """Published diagnostics without what differs between two URIs or versions of the same text."""
    return [(d.code, d.range, d.severity, d.message) for d in params.diagnostics]


def hint_texts(hints: list[types.InlayHint]) -> list[tuple[int, int, str]]:
    def label(h: types.InlayHint) -> str:
        return h.label if isinstance(h.label, str) else "".join(part.value for part in h.label)

    return [(h.position.line, h.position.character, label(h)) for h in hints]


def plain(value: Any) -> Any:
    """The test client hands unknown JSON back as named tuples: make it JSON again."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def as_received(value: Any) -> Any:
    """``value`` as it arrives through the test client (``plain`` of pygls' named tuples: a key that is
    not an identifier, such as ``from``, comes back renamed)."""

    def hook(d: dict[str, Any]) -> Any:
        return namedtuple("Object", d.keys(), rename=True)(*d.values())

    return plain(json.loads(json.dumps(value), object_hook=hook))


def utf16_position(lines: list[str], line: int, char: int) -> types.Position:
    """A code-point position of the engine as an LSP position in UTF-16 units."""
    return types.Position(line, len(lines[line][:char].encode("utf-16-le", "surrogatepass")) // 2)


def analysed_here(text: str) -> tuple[list[tuple[Any, ...]], Any]:
    """What the server must serve for ``text`` (an import-free document), computed by ``analyse`` in
    this process, apart from the server's caches: its diagnostics as ``comparable`` gives them, and its
    summary (``paramlens/summary``: every layer's counts, shapes, arguments and place)."""
    analysis = analyse(text)
    if not analysis.is_architecture:
        return [], None
    lines = re.split("\r\n|\r|\n", text)
    diagnostics = [
        (
            d.code,
            types.Range(
                start=utf16_position(lines, d.span.start_line, d.span.start_char),
                end=utf16_position(lines, d.span.end_line, d.span.end_char),
            ),
            types.DiagnosticSeverity(int(d.severity)),
            d.message,
        )
        for d in analysis.diagnostics
    ]
    return diagnostics, as_received({"json": to_json(analysis), "text": summary_text(analysis)})


async def served(doc: Doc) -> tuple[list[tuple[Any, ...]], Any]:
    """What the server serves for ``doc``'s current version, in the shape ``analysed_here`` gives."""
    published = await doc.published()
    summary = await doc.client.protocol.send_request_async("paramlens/summary", {"uri": doc.uri})
    return comparable(published), plain(summary)


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two JSON-like values first differ (a readable failure for large summaries), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}: only on one side"
            if (found := first_difference(a[key], b[key], f"{path}.{key}")) is not None:
                return found
        return None
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if (found := first_difference(x, y, f"{path}[{i}]")) is not None:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


async def assert_serves_what_analyse_gives(doc: Doc) -> None:
    """``served(doc) == analysed_here(doc.text)``, failing with the first difference."""
    got, want = await served(doc), analysed_here(doc.text)
    assert got == want, first_difference(got, want)


class Here:
    """What the server must answer for one version of a document, worked out in this process by ``analyse``
    (default settings, UTF-16 positions, Markdown hovers: the VS Code client of these tests)."""

    def __init__(self, text: str, uri: str = "file:///here.arch.yaml") -> None:
        self.entry = Entry(uri, 1, text, analyse(text), Lines(text, "utf-16"))

    def hints(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """``hint_texts`` of the hints on lines start..end, as the server renders them."""
        data = json.loads(hint_render.encoded_hints(self.entry, Settings(), start, end).data)
        return [
            (h["position"]["line"], h["position"]["character"], "".join(p["value"] for p in h["label"])) for h in data
        ]

    def hover(self, line: int, char: int) -> tuple[str, types.Range] | None:
        found = hover_render.hover(self.entry, types.Position(line, char), True)
        return None if found is None else (found.contents.value, found.range)

    def complete(self, line: int, char: int) -> Any:
        """``completion_of`` the completions there, as the server builds them (snippets, Markdown)."""
        return completion_of(completion_render.complete(self.entry, types.Position(line, char), True, True))


def completion_of(answer: Any) -> Any:
    """Completions (a list, a ``CompletionList`` or None) as the plain JSON values they travel as."""
    return get_converter().unstructure(answer)


def hover_of(answer: types.Hover | None) -> tuple[str, types.Range] | None:
    """A served hover in the shape ``Here.hover`` gives."""
    return None if answer is None else (answer.contents.value, answer.range)
