"""The server process over raw JSON-RPC (issue 8): what a typed client cannot send, and a client that
vanishes. Malformed requests get an answer and malformed notifications are dropped; when stdin closes the
server exits within a second, idle or in the middle of a long analysis."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from benchmarks.lsp_client import Client
from hostile_lsp import SERVER, SMALL, big_text

MALFORMED = [
    ("textDocument/hover", {"textDocument": 5}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.arch.yaml"}, "position": {"line": -1, "character": -5}}),
    (
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x.arch.yaml"}, "position": {"line": "1", "character": None}},
    ),
    ("textDocument/inlayHint", "nonsense"),
    ("textDocument/inlayHint", None),
    ("textDocument/completion", [1, 2, 3]),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.arch.yaml"}}),
    ("textDocument/documentSymbol", {}),
    ("paramlens/summary", None),
    ("paramlens/exportTorch", "x"),
]


@pytest.mark.parametrize("busy", [False, True])
async def test_exits_within_a_second_when_stdin_closes(busy: bool, tmp_path: Path) -> None:
    """The client vanishes (stdin closes), idle or in the middle of a long analysis."""
    stderr = tmp_path / "stderr.txt"
    client = Client()
    await client.start(SERVER, cwd=str(tmp_path), stderr=stderr)
    try:
        answer = await client.call("initialize", {"capabilities": {}, "rootUri": tmp_path.as_uri()})
        assert "capabilities" in answer["result"]
        await client.notify("initialized", {})
        if busy:
            uri = (tmp_path / "big.arch.yaml").as_uri()
            item = {"uri": uri, "languageId": "yaml", "version": 1, "text": big_text(60_000)}
            await client.notify("textDocument/didOpen", {"textDocument": item})
            hover = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 6}}
            await client.send({"id": 2, "method": "textDocument/hover", "params": hover})  # never awaited
            await asyncio.sleep(1.0)  # the analysis is under way
        start = time.monotonic()
        client.close_input()
        await client.exit_code(timeout=10)
        assert time.monotonic() - start < 1.0
        assert "Traceback" not in stderr.read_text()
    finally:
        await client.stop()


async def test_malformed_parameters_are_answered(tmp_path: Path) -> None:
    """Over raw JSON-RPC (a typed client cannot send them): every malformed request gets an answer, and
    malformed notifications are dropped without harm."""
    client = Client()
    await client.start(SERVER, cwd=str(tmp_path))
    try:
        answer = await client.call("initialize", {"capabilities": {}, "rootUri": tmp_path.as_uri()})
        assert "capabilities" in answer["result"]
        await client.notify("initialized", {})
        await client.notify("textDocument/didChange", {"textDocument": {"uri": 3}, "contentChanges": "x"})
        await client.notify("textDocument/didOpen", {"textDocument": None})
        await client.notify("textDocument/didClose", 7)
        malformed = [await client.begin(method, params) for method, params in MALFORMED]
        uri = (tmp_path / "ok.arch.yaml").as_uri()
        item = {"uri": uri, "languageId": "yaml", "version": 1, "text": SMALL}
        await client.notify("textDocument/didOpen", {"textDocument": item})
        hover = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 6}}
        last = await client.call("textDocument/hover", hover)
        answers = await asyncio.wait_for(asyncio.gather(*malformed), 60)
        for (method, params), answer in zip(MALFORMED, answers, strict=True):
            assert "error" not in answer, (method, params, answer)
            result = answer["result"]
            assert result is None or result == [] or "error" in result, (method, params, result)
        assert "Conv2d" in json.dumps(last["result"])  # still serving, and right
        assert client.process and client.process.returncode is None
    finally:
        await client.stop()
