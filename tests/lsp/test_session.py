"""The server process over raw JSON-RPC: malformed parameters, shutdown/exit, a vanished client."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time

from benchmarks.lsp_client import Client
from lsp_harness import SERVER

NULL = {"jsonrpc": "2.0", "result": None}  # a null answer, less its id


async def test_raw_session_malformed_params_and_stdin_close(tmp_path) -> None:
    """Over raw JSON-RPC: a request with malformed parameters gets a null result (not silence),
    and the server exits within a second of its stdin closing."""
    client = Client()
    await client.start(SERVER, cwd=str(tmp_path))
    try:
        assert "capabilities" in (await client.call("initialize", {"capabilities": {}}))["result"]
        await client.notify("initialized", {})
        hover = await client.begin("textDocument/hover", {"textDocument": {"uri": 3}})
        hints = await client.begin("textDocument/inlayHint", "nonsense")
        assert await asyncio.wait_for(hover, 30) == {**NULL, "id": 2}
        assert await asyncio.wait_for(hints, 30) == {**NULL, "id": 3}
        start = time.monotonic()
        client.close_input()
        assert await client.exit_code(timeout=5) == 1  # no shutdown request came first
        assert time.monotonic() - start < 1.0
    finally:
        await client.stop()


async def _shutdown_and_exit(client: Client) -> None:
    """shutdown answers null, and exit after it ends the process with 0."""
    assert await client.call("shutdown") == {**NULL, "id": client.last_id}
    await client.notify("exit")
    assert await client.exit_code(timeout=5) == 0


async def test_shutdown_and_exit(tmp_path) -> None:
    client = Client()
    await client.start(SERVER, cwd=str(tmp_path))
    try:
        await client.call("initialize", {"capabilities": {}})
        await _shutdown_and_exit(client)
    finally:
        await client.stop()


async def test_shutdown_while_a_handler_waits_for_the_client(tmp_path) -> None:
    """initialize (the client answers workspace/configuration), initialized, shutdown: the server's
    `initialized` handler is still waiting for its configuration request when shutdown cancels it, and
    shutdown must still answer null (pygls 2.1.1 answered "dictionary changed size during iteration")."""
    client = Client(answer_requests=False)  # the handler stays pending on an answer that never comes
    await client.start(SERVER, cwd=str(tmp_path))
    try:
        capabilities = {"workspace": {"configuration": True}}
        assert "capabilities" in (await client.call("initialize", {"capabilities": capabilities}))["result"]
        await client.notify("initialized", {})
        first = await client.server_request(0)
        assert first["method"] == "workspace/configuration", first
        await _shutdown_and_exit(client)
    finally:
        await client.stop()


async def test_stdio_verbose_and_log_file(tmp_path) -> None:
    """`paramlens serve --stdio -v --log-file PATH`: the options reach the server through the console script,
    the session works, and the log file gets the detail -v asks for."""
    log = tmp_path / "server.log"
    client = Client()
    await client.start([*SERVER, "--stdio", "-v", "--log-file", str(log)], cwd=str(tmp_path))
    try:
        assert "capabilities" in (await client.call("initialize", {"capabilities": {}}))["result"]
        await _shutdown_and_exit(client)
    finally:
        await client.stop()
    text = log.read_text()
    # DEBUG lines appear only with -v (the default level is WARNING)
    assert "DEBUG pygls.protocol.json_rpc: Request 'shutdown' received" in text, text[-2000:]


def test_serve_help() -> None:
    out = subprocess.run([*SERVER, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--tcp HOST:PORT" in out.stdout


async def test_tcp_and_initialization_options(tmp_path) -> None:
    """`serve --tcp HOST:PORT`, with settings from initializationOptions (compact numbers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [*SERVER, "--tcp", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    client = Client()
    try:
        await client.connect("127.0.0.1", port)
        uri = (tmp_path / "m.arch.yaml").as_uri()
        options = {"paramlens": {"numbers": "compact"}}
        answer = await client.call("initialize", {"capabilities": {}, "initializationOptions": options})
        assert "capabilities" in answer["result"]
        text = "input: [128]\nlayers:\n  - Linear: {out_features: 64}\n"
        item = {"uri": uri, "languageId": "yaml", "version": 1, "text": text}
        await client.notify("textDocument/didOpen", {"textDocument": item})
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}
        hints = await client.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": whole})
        assert ["".join(p["value"] for p in h["label"]) for h in hints] == [
            "total 8.3K params",
            "8.3K params → 64",
        ]
    finally:
        await client.stop()
        proc.kill()
        proc.wait()
