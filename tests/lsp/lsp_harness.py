"""End-to-end harness: the real server process (the console script `paramlens serve`) driven by pytest-lsp.

One server per test module and client flavour (Neovim 0.11's and VS Code's recorded capabilities),
so the suite stays fast; every test opens documents of its own under a temporary workspace.
"""

from __future__ import annotations

import asyncio
import itertools
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
TIMEOUT = 10


@dataclass
class Record:
    """What the server sent besides responses."""

    published: dict[str, list[types.PublishDiagnosticsParams]] = field(default_factory=dict)
    refreshes: int = 0
    registrations: list[types.Registration] = field(default_factory=list)
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

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.WORKSPACE_INLAY_HINT_REFRESH: refresh,
            types.WORKSPACE_CODE_LENS_REFRESH: code_lens_refresh,
            types.CLIENT_REGISTER_CAPABILITY: register,
        },
    )
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


async def start(client: LanguageClient, capabilities: types.ClientCapabilities, root: Path, **extra: Any) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            **extra,
        )
    )


_names = itertools.count()


class Doc:
    """An open document of the test client, kept in step with the server."""

    def __init__(self, client: LanguageClient, path: Path, text: str) -> None:
        self.client, self.path, self.text, self.version = client, path, text, 1
        self.uri = path.as_uri()

    async def open(self) -> Doc:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=self.uri, language_id="yaml", version=1, text=self.text)
            )
        )
        await self.published()
        return self

    async def published(self, version: int | None = -1) -> types.PublishDiagnosticsParams:
        """Wait for diagnostics of this version (the document's current one by default)."""
        wanted = self.version if version == -1 else version
        record: Record = self.client.record  # type: ignore[attr-defined]

        async def wait() -> types.PublishDiagnosticsParams:
            while True:
                for p in record.published.get(self.uri, []):
                    if p.version == wanted:
                        return p
                record.changed = asyncio.Event()
                await record.changed.wait()

        return await asyncio.wait_for(wait(), TIMEOUT)

    def edit(self, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        """An incremental change, positions in the client's units (ASCII lines in the tests)."""
        self.version += 1
        lines = self.text.split("\n")
        offset = lambda pos: sum(len(line) + 1 for line in lines[: pos[0]]) + pos[1]  # noqa: E731
        self.text = self.text[: offset(start)] + text + self.text[offset(end) :]
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=text
                    )
                ],
            )
        )

    @property
    def ident(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    async def hints(self, start: int = 0, end: int | None = None) -> list[types.InlayHint]:
        end = len(self.text.split("\n")) if end is None else end
        result = await self.client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=self.ident,
                range=types.Range(start=types.Position(start, 0), end=types.Position(end, 0)),
            )
        )
        return list(result or [])

    async def hover(self, line: int, char: int) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(text_document=self.ident, position=types.Position(line, char))
        )

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
