"""The server process over raw JSON-RPC: malformed parameters, shutdown/exit, a vanished client."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from lsp_harness import SERVER


def _send(proc: subprocess.Popen, message: dict) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message})
    proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
    proc.stdin.flush()


def _receive(proc: subprocess.Popen) -> dict:
    length = 0
    while (line := proc.stdout.readline().strip()) != b"":
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def test_raw_session_malformed_params_and_stdin_close() -> None:
    """Over raw JSON-RPC: a request with malformed parameters gets a null result (not silence),
    and the server exits within a second of its stdin closing."""
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        _send(proc, {"id": 1, "method": "initialize", "params": {"capabilities": {}}})
        assert "capabilities" in _receive(proc)["result"]
        _send(proc, {"method": "initialized", "params": {}})
        _send(proc, {"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": 3}}})
        _send(proc, {"id": 3, "method": "textDocument/inlayHint", "params": "nonsense"})
        answers = {}
        while len(answers) < 2:
            message = _receive(proc)
            if "id" in message:
                answers[message["id"]] = message
        assert answers[2] == {"jsonrpc": "2.0", "id": 2, "result": None}
        assert answers[3] == {"jsonrpc": "2.0", "id": 3, "result": None}
        start = time.monotonic()
        proc.stdin.close()
        assert proc.wait(timeout=5) == 1  # no shutdown request came first
        assert time.monotonic() - start < 1.0
    finally:
        proc.kill()


def test_shutdown_and_exit() -> None:
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        _send(proc, {"id": 1, "method": "initialize", "params": {"capabilities": {}}})
        _receive(proc)
        _send(proc, {"id": 2, "method": "shutdown"})
        assert _receive(proc) == {"jsonrpc": "2.0", "id": 2, "result": None}
        _send(proc, {"method": "exit"})
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()


def test_serve_help() -> None:
    out = subprocess.run([sys.executable, "-m", "paramlens.lsp.server", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--tcp HOST:PORT" in out.stdout
