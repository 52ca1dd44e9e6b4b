"""A pytest-lsp client for the hostile server tests: it records what the server publishes and logs, and
edits documents the way editors do (incremental changes, versions counting up)."""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = [sys.executable, "-m", "paramlens", "serve"]
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
        self.text = self.text[: _offset(self.text, *start)] + new + self.text[_offset(self.text, *end) :]
        self.version = self.version + 1 if version is None else version
        self.send([types.TextDocumentContentChangePartial(range=_range(start, end), text=new)])

    def replace_all(self, text: str) -> None:
        self.text, self.version = text, self.version + 1
        self.send([types.TextDocumentContentChangeWholeDocument(text=text)])

    def send(self, changes: list[Any], version: int | None = None) -> None:
        ident = types.VersionedTextDocumentIdentifier(
            uri=self.uri, version=self.version if version is None else version
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=ident, content_changes=changes)
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
