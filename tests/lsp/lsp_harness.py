"""The one pytest-lsp harness: the real server process (the console script `paramlens serve`), a client that
records what the server sends, and documents edited the way editors do (incremental changes with positions in
UTF-16 code units, whole-document changes, several changes in one didChange, versions counting up).

Used by the editor tests (tests/lsp/: one server per test module and client flavour, Neovim 0.11's and VS
Code's recorded capabilities) and the hostile server tests (tests/hostile/, through hostile_lsp).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

# the console script users run (`cmd = {"paramlens", "serve"}` in the editor docs), from this venv
SERVER = [str(Path(sys.executable).parent / "paramlens"), "serve"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = Path(__file__).resolve().parent / "files"
CLIENTS = ["neovim", "visual_studio_code"]
TIMEOUT = 20  # seconds to wait for a publication


@dataclass
class Record:
    """What the server sent besides responses."""

    published: dict[str, list[types.PublishDiagnosticsParams]] = field(default_factory=dict)
    refreshes: int = 0
    registrations: list[types.Registration] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    changed: asyncio.Event | None = None


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    record = Record()
    client.record = record  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        record.published.setdefault(params.uri, []).append(params)
        if record.changed is not None:
            record.changed.set()

    def refresh(client: LanguageClient, params: None) -> None:
        record.refreshes += 1
        if record.changed is not None:
            record.changed.set()

    def code_lens_refresh(client: LanguageClient, params: None) -> None:
        record.refreshes += 1

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        record.registrations.extend(params.registrations)

    def log(client: LanguageClient, params: types.LogMessageParams) -> None:
        client.log_messages.append(params)  # as pytest-lsp's own handler does
        record.logs.append(params.message)

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.WORKSPACE_INLAY_HINT_REFRESH: refresh,
            types.WORKSPACE_CODE_LENS_REFRESH: code_lens_refresh,
            types.CLIENT_REGISTER_CAPABILITY: register,
            types.WINDOW_LOG_MESSAGE: log,
        },
    )
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


async def start(client: LanguageClient, capabilities: types.ClientCapabilities, root: Path, **extra: Any) -> None:
    """Initialize; the documents' edits then count positions in the encoding the server chose."""
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            **extra,
        )
    )
    client.encoding = result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]


_names = itertools.count()


def _units(ch: str, encoding: str) -> int:
    """How many code units of ``encoding`` one character is."""
    if encoding == "utf-8":
        return len(ch.encode("utf-8", "surrogatepass"))
    return 1 if encoding == "utf-32" or ord(ch) <= 0xFFFF else 2


def _offset(text: str, line: int, char: int, encoding: str = "utf-16") -> int:
    """Index in ``text`` of an LSP position (code units of the negotiated encoding, UTF-16 unless the
    server chose another; lines broken at \\n, \\r\\n and \\r), as the server reads it."""
    starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", text)]
    if line >= len(starts):
        return len(text)
    index, units = starts[line], 0
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    while index < end and units < char and text[index] not in "\r\n":
        units += _units(text[index], encoding)
        index += 1
    return index


def _range(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(start=types.Position(*start), end=types.Position(*end))


Change = tuple[tuple[int, int], tuple[int, int], str] | str


class Doc:
    """An open document of the test client; the client's text is the truth the server must follow.

    ``Doc(...).open()`` sends didOpen and returns the document; awaiting it (``await Doc(...).open()``)
    also waits for the diagnostics of version 1."""

    def __init__(self, client: LanguageClient, where: Path | str, text: str) -> None:
        self.client, self.text, self.version = client, text, 1
        self.path = where if isinstance(where, Path) else None
        self.uri = where.as_uri() if isinstance(where, Path) else where

    def open(self) -> Doc:
        item = types.TextDocumentItem(uri=self.uri, language_id="yaml", version=self.version, text=self.text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return self

    def __await__(self):
        yield from self.published().__await__()
        return self

    async def published(self, version: int | None = -1, timeout: float = TIMEOUT) -> types.PublishDiagnosticsParams:
        """Wait for diagnostics of ``version`` (the document's current one by default; None: unversioned)."""
        wanted = self.version if version == -1 else version
        record: Record = self.client.record  # type: ignore[attr-defined]

        async def wait() -> types.PublishDiagnosticsParams:
            while True:
                for p in record.published.get(self.uri, []):
                    if p.version == wanted:
                        return p
                record.changed = asyncio.Event()
                await record.changed.wait()

        return await asyncio.wait_for(wait(), timeout)

    def edit(self, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        """An incremental change, positions in the negotiated encoding's code units (UTF-16 by default)."""
        self.edits((start, end, text))

    def change(self, start: tuple[int, int], end: tuple[int, int], new: str, version: int | None = None) -> None:
        """An incremental change; ``version`` overrides the next version number (stale edits)."""
        self.edits((start, end, new), version=version)

    def replace_all(self, text: str) -> None:
        """A whole-document change (what editors send after a reload or a formatter)."""
        self.edits(text)

    def edits(self, *changes: Change, version: int | None = None) -> None:
        """One didChange carrying ``changes`` in order (several: multi-cursor edits, formatting), each
        ``(start, end, new)`` in the text as the previous ones left it, or a whole new text."""
        events: list[Any] = []
        for change in changes:
            if isinstance(change, str):
                self.text = change
                events.append(types.TextDocumentContentChangeWholeDocument(text=change))
                continue
            start, end, new = change
            encoding = getattr(self.client, "encoding", "utf-16")
            before, after = _offset(self.text, *start, encoding), _offset(self.text, *end, encoding)
            self.text = self.text[:before] + new + self.text[after:]
            events.append(types.TextDocumentContentChangePartial(range=_range(start, end), text=new))
        self.version = self.version + 1 if version is None else version
        ident = types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=ident, content_changes=events)
        )

    @property
    def ident(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    async def hints(self, start: int = 0, end: int | None = None) -> list[types.InlayHint]:
        end = self.text.count("\n") + 1 if end is None else end
        result = await self.client.text_document_inlay_hint_async(
            types.InlayHintParams(text_document=self.ident, range=_range((start, 0), (end, 0)))
        )
        return list(result or [])

    async def hover(self, line: int, char: int) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(text_document=self.ident, position=types.Position(line, char))
        )

    async def complete(self, line: int, char: int) -> Any:
        params = types.CompletionParams(text_document=self.ident, position=types.Position(line, char))
        return await self.client.text_document_completion_async(params)

    def close(self) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=self.ident))


async def open_doc(client: LanguageClient, text: str, name: str | None = None, write: bool = False) -> Doc:
    """Open ``text`` as a new document (written to disk too when ``write``)."""
    root: Path = client.root  # type: ignore[attr-defined]
    path = root / (name or f"doc{next(_names)}.arch.yaml")
    if write:
        path.write_text(text)
    return await Doc(client, path, text).open()


def labels(hint: types.InlayHint) -> list[str]:
    assert not isinstance(hint.label, str)
    return [part.value for part in hint.label]


def flat(hints: list[types.InlayHint]) -> list[tuple[int, int, str]]:
    """(line, character, label) of each hint."""
    return [(h.position.line, h.position.character, "".join(labels(h))) for h in hints]


# A document that shows every setting a test changes: a number above 1,000 (numbers), a shape (shapes), a
# total (totals), and 74 bytes (maxFileSize). Its hints under the default settings, exactly:
PROBE = "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 64, kernel_size: 3}\n"
PROBE_DEFAULT_HINTS = [
    (1, 7, "total 1,792 params"),
    (2, 46, "1,792 params → 64×30×30"),
]


async def restore_settings(client: LanguageClient) -> None:
    """Give the server the default settings back, and return only once it answers with them (a probe
    document's hints read the defaults): the next test on this shared server must not see the old ones."""
    client.set_configuration({}, section="paramlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    probe = await open_doc(client, PROBE)
    for _ in range(TIMEOUT * 50):
        hints = flat(await probe.hints())
        if hints == PROBE_DEFAULT_HINTS:
            break
        await asyncio.sleep(0.02)
    probe.close()
    assert hints == PROBE_DEFAULT_HINTS, f"the server did not confirm the default settings: {hints}"
