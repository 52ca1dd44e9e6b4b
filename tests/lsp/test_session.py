"""The server process over raw JSON-RPC: malformed parameters, shutdown/exit, a vanished client."""

from __future__ import annotations

import json
import socket
import subprocess
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


def test_shutdown_while_a_handler_waits_for_the_client() -> None:
    """initialize (the client answers workspace/configuration), initialized, shutdown: the server's
    `initialized` handler is still waiting for its configuration request when shutdown cancels it, and
    shutdown must still answer null (pygls 2.1.1 answered "dictionary changed size during iteration")."""
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        capabilities = {"workspace": {"configuration": True}}
        _send(proc, {"id": 1, "method": "initialize", "params": {"capabilities": capabilities}})
        assert "capabilities" in _receive(proc)["result"]
        _send(proc, {"method": "initialized", "params": {}})
        first = _receive(proc)  # the handler is now pending on our answer, which never comes
        assert first["method"] == "workspace/configuration", first
        _send(proc, {"id": 2, "method": "shutdown"})
        while "method" in (message := _receive(proc)):
            pass
        assert message == {"jsonrpc": "2.0", "id": 2, "result": None}
        _send(proc, {"method": "exit"})
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()
        proc.wait()


def test_stdio_verbose_and_log_file(tmp_path) -> None:
    """`paramlens serve --stdio -v --log-file PATH`: the options reach the server through the console script,
    the session works, and the log file gets the detail -v asks for."""
    log = tmp_path / "server.log"
    proc = subprocess.Popen(
        [*SERVER, "--stdio", "-v", "--log-file", str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        _send(proc, {"id": 1, "method": "initialize", "params": {"capabilities": {}}})
        assert "capabilities" in _receive(proc)["result"]
        _send(proc, {"id": 2, "method": "shutdown"})
        assert _receive(proc) == {"jsonrpc": "2.0", "id": 2, "result": None}
        _send(proc, {"method": "exit"})
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()
        proc.wait()
    text = log.read_text()
    # DEBUG lines appear only with -v (the default level is WARNING)
    assert "DEBUG pygls.protocol.json_rpc: Request 'shutdown' received" in text, text[-2000:]


def test_serve_help() -> None:
    out = subprocess.run([*SERVER, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--tcp HOST:PORT" in out.stdout


def test_tcp_and_initialization_options(tmp_path) -> None:
    """`serve --tcp HOST:PORT`, with settings from initializationOptions (compact numbers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [*SERVER, "--tcp", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not listen"
                time.sleep(0.05)
        stream = sock.makefile("rwb")

        class Pipe:  # the shape _send/_receive expect
            stdin = stdout = stream

        uri = (tmp_path / "m.arch.yaml").as_uri()
        _send(
            Pipe,
            {
                "id": 1,
                "method": "initialize",
                "params": {
                    "capabilities": {},
                    "initializationOptions": {"paramlens": {"numbers": "compact"}},
                },
            },
        )
        assert _receive(Pipe)["id"] == 1
        _send(
            Pipe,
            {
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "yaml",
                        "version": 1,
                        "text": "input: [128]\nlayers:\n  - Linear: {out_features: 64}\n",
                    }
                },
            },
        )
        _send(
            Pipe,
            {
                "id": 2,
                "method": "textDocument/inlayHint",
                "params": {
                    "textDocument": {"uri": uri},
                    "range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}},
                },
            },
        )
        while (message := _receive(Pipe)).get("id") != 2:
            pass
        assert ["".join(p["value"] for p in h["label"]) for h in message["result"]] == [
            "total 8.3K params",
            "8.3K params → 64",
        ]
        sock.close()
    finally:
        proc.kill()
        proc.wait()
