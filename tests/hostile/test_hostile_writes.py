"""The server writes no file (issue 8): not in its working directory, not in the workspace, not in the
user's home, configuration, cache, data, state or temporary directories. Its own process, started in a
temporary directory with each of those pointing at an empty one, does every kind of work an editor can
ask of it (the hostile corpus, edits, hovers, hints, completion, fixes, lenses, symbols, the custom
requests, saves and watched files) and shuts down; then every one of them must be as it was, and an
audit hook in the server process (``write_audit.py``) must have seen no write anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hostile_lsp import SERVER, SMALL, Doc, make_client
from lsprotocol import types
from pytest_lsp import client_capabilities

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS.parent / "expected.yaml").read_text(encoding="utf-8"))
AUDIT = Path(__file__).resolve().parent / "write_audit.py"
PLACES = ("cwd", "home", "config", "cache", "data", "state", "tmp")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and modification time."""
    return {p.relative_to(folder).as_posix(): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


async def work(client, root: Path) -> None:
    folder = root / "corpus"
    for name, expected in EXPECTED.items():
        doc = Doc(client, (folder / name).as_uri(), (CORPUS / name).read_bytes().decode("utf-8", "replace")).open()
        published = await doc.published()
        assert len(published.diagnostics) == len(expected["diagnostics"]) or not expected.get("architecture", True)
        await doc.hints()
        await doc.hover(2, 6)
        doc.close()
    doc = Doc(client, (root / "edited.arch.yaml").as_uri(), SMALL).open()
    await doc.published()
    doc.change((4, 4), (4, 8), "Relo")  # an unknown layer, with fixes
    published = await doc.published()
    context = types.CodeActionContext(diagnostics=list(published.diagnostics))
    whole = types.Range(start=types.Position(0, 0), end=types.Position(6, 0))
    assert await client.text_document_code_action_async(
        types.CodeActionParams(text_document=doc.ident, range=whole, context=context)
    )
    assert await doc.complete(4, 6) is not None
    await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc.ident))
    await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc.ident))
    doc.change((4, 4), (4, 8), "ReLU")
    await doc.published()
    assert await client.protocol.send_request_async("paramlens/summary", {"uri": doc.uri}) is not None
    exported = await client.protocol.send_request_async("paramlens/exportTorch", {"uri": doc.uri})
    assert "source" in exported._asdict()
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=doc.ident))
    events = [types.FileEvent(uri=(folder / name).as_uri(), type=types.FileChangeType.Changed) for name in EXPECTED]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=events))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await doc.hover(3, 6)  # answered after the notifications above were handled


async def test_the_server_writes_nothing(tmp_path: Path) -> None:
    places = {name: tmp_path / name for name in PLACES}
    for folder in places.values():
        folder.mkdir()
    root = tmp_path / "workspace"
    (root / "corpus").mkdir(parents=True)
    for name in EXPECTED:  # on disk too, so that imports resolve as they do for the CLI
        (root / "corpus" / name).write_bytes((CORPUS / name).read_bytes())
    env = {
        **os.environ,
        "HOME": str(places["home"]),
        "XDG_CONFIG_HOME": str(places["config"]),
        "XDG_CACHE_HOME": str(places["cache"]),
        "XDG_DATA_HOME": str(places["data"]),
        "XDG_STATE_HOME": str(places["state"]),
        "TMPDIR": str(places["tmp"]),
    }
    hook = tmp_path / "hook"  # the audit hook, as sitecustomize: it logs writes outside these folders too
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(AUDIT.read_text())
    audit = tmp_path / "audit.log"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))
    env["PARAMLENS_WRITE_AUDIT"] = str(audit)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # Python's own .pyc files are not the server's writes
    before = snapshot(root)
    client = make_client()
    await client.start_io(*SERVER, cwd=places["cwd"], env=env)
    exited = False
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual_studio_code"),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="hostile")],
            )
        )
        await work(client, root)
        await client.shutdown_session()
        exited = True
    finally:
        if not exited and client._server is not None and client._server.returncode is None:
            client._server.kill()  # a failed test: stop() would wait for a server that was never told to exit
        await client.stop()
    assert client._server.returncode == 0  # type: ignore[union-attr]  # shutdown, then exit
    assert {name: sorted(p.name for p in folder.rglob("*")) for name, folder in places.items()} == {
        name: [] for name in PLACES
    }
    assert snapshot(root) == before
    assert audit.read_text() == ""  # anywhere at all (audit.log exists: the hook ran)
