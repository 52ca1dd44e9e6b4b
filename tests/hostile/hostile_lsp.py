"""A pytest-lsp client for the hostile server tests: it records what the server publishes and logs, and
edits documents the way editors do (incremental changes, versions counting up)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections import namedtuple
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from paramlens.engine import analyse
from paramlens.lsp import hints as hint_render
from paramlens.lsp import hover as hover_render
from paramlens.lsp.config import Settings
from paramlens.lsp.documents import Entry
from paramlens.lsp.positions import Lines
from paramlens.render.json import to_json
from paramlens.render.table import summary_text

# the console script users run (`cmd = {"paramlens", "serve"}` in the editor docs), from this venv
SERVER = [str(Path(sys.executable).parent / "paramlens"), "serve"]
TIMEOUT = 20  # seconds to wait for a publication

SMALL = (
    "name: small\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n  - ReLU\n  - Flatten\n"
)


def big_text(layers: int) -> str:
    """A valid architecture whose analysis takes a while (about 0.1 ms per layer, more on a busy machine)."""
    body = "".join(f"  - Linear: {{out_features: 16, name: l{i}}}\n" for i in range(layers))
    return "name: big\ninput: [16]\nlayers:\n" + body


@dataclass
class Record:
    published: dict[str, list[types.PublishDiagnosticsParams]] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    record = Record()
    client.record = record  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        record.published.setdefault(params.uri, []).append(params)
        record.changed.set()

    def log(client: LanguageClient, params: types.LogMessageParams) -> None:
        record.logs.append(params.message)

    def ignore(client: LanguageClient, params: Any) -> None:
        return None

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.WINDOW_LOG_MESSAGE: log,
            types.WORKSPACE_INLAY_HINT_REFRESH: ignore,
            types.WORKSPACE_CODE_LENS_REFRESH: ignore,
            types.CLIENT_REGISTER_CAPABILITY: ignore,
        },
    )
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


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


def _offset(text: str, line: int, char: int) -> int:
    """Index in ``text`` of an LSP position (UTF-16 units, lines broken at \\n, \\r\\n and \\r)."""
    starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", text)]
    if line >= len(starts):
        return len(text)
    index, units = starts[line], 0
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    while index < end and units < char and text[index] not in "\r\n":
        units += 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    return index


class Doc:
    """A document open in the test client; the client's text is the truth the server must follow."""

    def __init__(self, client: LanguageClient, uri: str, text: str) -> None:
        self.client, self.uri, self.text, self.version = client, uri, text, 1

    def open(self) -> Doc:
        item = types.TextDocumentItem(uri=self.uri, language_id="yaml", version=self.version, text=self.text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return self

    def change(self, start: tuple[int, int], end: tuple[int, int], new: str, version: int | None = None) -> None:
        """An incremental change; ``version`` overrides the next version number (stale edits)."""
        self.edit((start, end, new), version=version)

    def replace_all(self, text: str) -> None:
        """A whole-document change (what editors send after a reload or a formatter)."""
        self.edit(text)

    def edit(self, *changes: tuple[tuple[int, int], tuple[int, int], str] | str, version: int | None = None) -> None:
        """One didChange carrying ``changes`` in order (several: multi-cursor edits, formatting), each
        ``(start, end, new)`` in the text as the previous ones left it, or a whole new text."""
        events: list[Any] = []
        for change in changes:
            if isinstance(change, str):
                self.text = change
                events.append(types.TextDocumentContentChangeWholeDocument(text=change))
                continue
            start, end, new = change
            self.text = self.text[: _offset(self.text, *start)] + new + self.text[_offset(self.text, *end) :]
            events.append(types.TextDocumentContentChangePartial(range=_range(start, end), text=new))
        self.version = self.version + 1 if version is None else version
        ident = types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=ident, content_changes=events)
        )

    def close(self) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=self.ident))

    @property
    def ident(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    async def published(self, version: int | None = None) -> types.PublishDiagnosticsParams:
        """The diagnostics published for ``version`` (default: the current one)."""
        wanted = self.version if version is None else version
        record = record_of(self.client)

        async def wait() -> types.PublishDiagnosticsParams:
            while True:
                for p in record.published.get(self.uri, []):
                    if p.version == wanted:
                        return p
                record.changed.clear()
                await record.changed.wait()

        return await asyncio.wait_for(wait(), TIMEOUT)

    async def hints(self) -> list[types.InlayHint]:
        end = types.Position(line=self.text.count("\n") + 1, character=0)
        params = types.InlayHintParams(text_document=self.ident, range=types.Range(start=types.Position(0, 0), end=end))
        return list(await self.client.text_document_inlay_hint_async(params) or [])

    async def hover(self, line: int, char: int) -> types.Hover | None:
        params = types.HoverParams(text_document=self.ident, position=types.Position(line, char))
        return await self.client.text_document_hover_async(params)

    async def complete(self, line: int, char: int) -> Any:
        params = types.CompletionParams(text_document=self.ident, position=types.Position(line, char))
        return await self.client.text_document_completion_async(params)


def _range(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(start=types.Position(*start), end=types.Position(*end))


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


def hover_of(answer: types.Hover | None) -> tuple[str, types.Range] | None:
    """A served hover in the shape ``Here.hover`` gives."""
    return None if answer is None else (answer.contents.value, answer.range)
