"""The language server on imports of hostile paths (issue 13), the real process driven by pytest-lsp:
``../…/dev/zero``, ``/dev/urandom`` through a relative path, a FIFO with no writer, a directory, a symlink
loop, a file larger than the limit, a socket, a /proc file, and a watched file replaced by a FIFO after
it was opened. Each, in a fresh session and all in one session, is answered within 2 s with an
``import-error`` that says what the path is; the server's memory stays under 100 MB; and an unrelated
document opened afterwards gets its diagnostics within 1 s."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import pytest
import pytest_lsp
from hostile_lsp import CONFIG, SMALL, Doc, record_of, rss_kb, server_pid
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from reading_cases import NAMES, Hostile, make

from paramlens.cli import main

ANSWER = 2.0  # seconds for the import-error
OTHER = 1.0  # seconds for an unrelated document's diagnostics afterwards
RSS_KB = 100 * 1024

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def initialized(client: LanguageClient, root: Path) -> None:
    client.root = root  # type: ignore[attr-defined]
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="reading")],
        )
    )


@pytest_lsp.fixture(config=CONFIG, loop_scope="module")
async def fresh(lsp_client: LanguageClient, tmp_path_factory):
    """A server of its own for one case."""
    await initialized(lsp_client, tmp_path_factory.mktemp("reading-fresh"))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def shared(lsp_client: LanguageClient, tmp_path_factory):
    """One server for every case, one after the other."""
    await initialized(lsp_client, tmp_path_factory.mktemp("reading-shared"))
    yield
    await lsp_client.shutdown_session()


def folder(client: LanguageClient, name: str) -> Path:
    where = client.root / name  # type: ignore[attr-defined]
    where.mkdir()
    return where


async def within(seconds: float, doc: Doc, version: int | None = -1) -> types.PublishDiagnosticsParams:
    start = time.perf_counter()
    published = await asyncio.wait_for(doc.published(version), seconds)
    assert time.perf_counter() - start < seconds
    return published


async def import_error_then_others_served(client: LanguageClient, where: Path, hostile: Hostile) -> None:
    model = where / "net.arch.yaml"
    doc = Doc(client, model.as_uri(), hostile.model()).open()
    published = await within(ANSWER, doc)
    assert [(d.code, d.message, d.range.start.line, d.range.start.character) for d in published.diagnostics] == [
        ("import-error", hostile.message(), 0, 10)
    ]
    await unrelated_gets_diagnostics(client, where)
    assert rss_kb(server_pid(client)) < RSS_KB


async def unrelated_gets_diagnostics(client: LanguageClient, where: Path) -> None:
    other = Doc(client, (where / "other.arch.yaml").as_uri(), SMALL.replace("Flatten", "Flaten")).open()
    published = await within(OTHER, other)
    assert [d.code for d in published.diagnostics] == ["unknown-layer"]


@pytest.mark.parametrize("name", NAMES)
async def test_each_in_a_fresh_session(fresh: LanguageClient, name: str) -> None:
    where = folder(fresh, name)
    await import_error_then_others_served(fresh, where, make(where, name))


async def test_all_in_one_session(shared: LanguageClient) -> None:
    for name in NAMES:
        where = folder(shared, name)
        await import_error_then_others_served(shared, where, make(where, name))


async def watched_file_becomes_a_fifo(client: LanguageClient, where: Path) -> None:
    lib = where / "lib.arch.yaml"
    lib.write_text("blocks:\n  Head:\n    layers: [ReLU]\n")
    doc = Doc(client, (where / "net.arch.yaml").as_uri(), "input: [4]\nimports: [lib.arch.yaml]\nlayers: [Head]\n")
    doc.open()
    assert list((await within(ANSWER, doc)).diagnostics) == []
    before = len(record_of(client).published[doc.uri])
    lib.unlink()
    os.mkfifo(lib)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=lib.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    start = time.perf_counter()
    while len(record_of(client).published[doc.uri]) == before:
        assert time.perf_counter() - start < ANSWER
        await asyncio.sleep(0.01)
    published = record_of(client).published[doc.uri][-1]
    assert published.version == 1
    assert [(d.code, d.message) for d in published.diagnostics] == [
        (
            "import-error",
            "Cannot import 'lib.arch.yaml' (relative to this file): it is a FIFO (named pipe), not a regular file.",
        ),
        ("unknown-layer", "Unknown layer type 'Head'. See `paramlens kinds` for the layer types."),
    ]
    await unrelated_gets_diagnostics(client, where)
    assert rss_kb(server_pid(client)) < RSS_KB


async def test_a_watched_file_replaced_by_a_fifo_in_a_fresh_session(fresh: LanguageClient) -> None:
    await watched_file_becomes_a_fifo(fresh, folder(fresh, "watched"))


async def test_a_watched_file_replaced_by_a_fifo_in_the_shared_session(shared: LanguageClient) -> None:
    await watched_file_becomes_a_fifo(shared, folder(shared, "watched"))


def agreement_case(where: Path, name: str) -> Path:
    """The model file of a case where the CLI's and the server's readers used to disagree."""
    model = where / "net.arch.yaml"
    if name == "not-utf-8":  # the CLI refused the import, the server analysed it
        (where / "lib.arch.yaml").write_bytes(b"blocks:\n  Head:\n    layers: [ReLU]  # caf\xe9\n")
        model.write_text("input: [4]\nimports: [lib.arch.yaml]\nlayers: [Head]\n")
    elif name == "symlink-cycle":  # link -> .: a real path sees net → b → net at once
        (where / "link").symlink_to(".")
        (where / "b.arch.yaml").write_text("imports: [net.arch.yaml]\nblocks: {}\n")
        model.write_text("imports: [link/b.arch.yaml]\nlayers: [ReLU]\n")
    elif name == "through-a-symlink":  # ../ from a linked folder is the real folder's parent
        (where / "deep" / "real").mkdir(parents=True)
        (where / "deep" / "blocks.arch.yaml").write_text("blocks:\n  Head:\n    layers: [ReLU]\n")
        (where / "deep" / "real" / "lib.arch.yaml").write_text("imports: [../blocks.arch.yaml]\nblocks: {}\n")
        (where / "link").symlink_to("deep/real")
        model.write_text("input: [4]\nimports: [link/lib.arch.yaml]\nlayers: [Head]\n")
    return model


CLI_LINE = re.compile(r"^.*?:(\d+):(\d+): (?:error|warning): (.*) \[([\w-]+)\]$")
AGREED = {  # what both say (code, the message's start), so that agreeing on a wrong answer fails too
    "not-utf-8": [
        ("import-error", "Cannot import 'lib.arch.yaml' (relative to this file): it is not UTF-8 text at line 3"),
        ("unknown-layer", "Unknown layer type 'Head'."),
    ],
    "symlink-cycle": [("import-error", "Import cycle: ")],
    "through-a-symlink": [],
}


@pytest.mark.parametrize("name", AGREED)
async def test_the_cli_and_the_server_read_an_import_alike(
    shared: LanguageClient, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``paramlens check`` and the server give the same diagnostics (line, column, message, code) for a model
    whose import is not UTF-8, reaches itself through a symlink, or climbs out of a symlinked folder."""
    model = agreement_case(folder(shared, name), name)
    main(["check", str(model)])
    cli = [m.groups() for m in map(CLI_LINE.match, capsys.readouterr().out.splitlines()) if m]
    doc = Doc(shared, model.as_uri(), model.read_text()).open()
    served = [
        (str(d.range.start.line + 1), str(d.range.start.character + 1), d.message, d.code)
        for d in (await within(ANSWER, doc)).diagnostics
    ]
    assert served == cli
    expected = AGREED[name]
    assert len(cli) == len(expected), cli
    starts = [(code, message[: len(start)]) for (*_, message, code), (_, start) in zip(cli, expected, strict=True)]
    assert starts == expected
