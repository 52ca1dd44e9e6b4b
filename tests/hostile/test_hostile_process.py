"""The server process over raw JSON-RPC (issue 8): what a typed client cannot send, and a client that
vanishes. Malformed requests get an answer and malformed notifications are dropped; when stdin closes the
server exits within a second, idle or in the middle of a long analysis."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
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


def _send(proc: subprocess.Popen, message: dict) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    assert proc.stdin is not None
    proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    proc.stdin.flush()


def _receive(proc: subprocess.Popen) -> dict:
    assert proc.stdout is not None
    length = 0
    while (line := proc.stdout.readline().strip()) != b"":
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


@pytest.mark.parametrize("busy", [False, True])
def test_exits_within_a_second_when_stdin_closes(busy: bool, tmp_path: Path) -> None:
    """The client vanishes (stdin closes), idle or in the middle of a long analysis."""
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _send(proc, {"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()}})
        assert "capabilities" in _receive(proc)["result"]
        _send(proc, {"method": "initialized", "params": {}})
        if busy:
            uri = (tmp_path / "big.arch.yaml").as_uri()
            item = {"uri": uri, "languageId": "yaml", "version": 1, "text": big_text(60_000)}
            _send(proc, {"method": "textDocument/didOpen", "params": {"textDocument": item}})
            hover = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 6}}
            _send(proc, {"id": 2, "method": "textDocument/hover", "params": hover})
            time.sleep(1.0)  # the analysis is under way
        start = time.monotonic()
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)
        assert time.monotonic() - start < 1.0
        assert proc.stderr is not None
        assert "Traceback" not in proc.stderr.read().decode()
    finally:
        proc.kill()


def test_malformed_parameters_are_answered(tmp_path: Path) -> None:
    """Over raw JSON-RPC (a typed client cannot send them): every malformed request gets an answer, and
    malformed notifications are dropped without harm."""
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _send(proc, {"id": 0, "method": "initialize", "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()}})
        assert "capabilities" in _receive(proc)["result"]
        _send(proc, {"method": "initialized", "params": {}})
        _send(proc, {"method": "textDocument/didChange", "params": {"textDocument": {"uri": 3}, "contentChanges": "x"}})
        _send(proc, {"method": "textDocument/didOpen", "params": {"textDocument": None}})
        _send(proc, {"method": "textDocument/didClose", "params": 7})
        for i, (method, params) in enumerate(MALFORMED, 1):
            _send(proc, {"id": i, "method": method, "params": params})
        uri = (tmp_path / "ok.arch.yaml").as_uri()
        item = {"uri": uri, "languageId": "yaml", "version": 1, "text": SMALL}
        _send(proc, {"method": "textDocument/didOpen", "params": {"textDocument": item}})
        last = len(MALFORMED) + 1
        hover = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 6}}
        _send(proc, {"id": last, "method": "textDocument/hover", "params": hover})
        answers: dict[int, dict] = {}
        while len(answers) < last:
            message = _receive(proc)
            if "id" in message and "method" not in message:
                answers[message["id"]] = message
        for i, (method, params) in enumerate(MALFORMED, 1):
            assert "error" not in answers[i], (method, params, answers[i])
            result = answers[i]["result"]
            assert result is None or result == [] or "error" in result, (method, params, result)
        assert "Conv2d" in json.dumps(answers[last]["result"])  # still serving, and right
        assert proc.poll() is None
    finally:
        proc.kill()
