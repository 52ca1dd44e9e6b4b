"""A small LSP client over a subprocess's stdio: JSON-RPC framing on asyncio pipes, nothing else.

Small on purpose, so that its own cost stays far below what it measures, and generic, so that it drives
any server (paramlens, the do-nothing pygls server, Red Hat's yaml-language-server) the same way. Each
``publishDiagnostics`` is timestamped on arrival; ``diagnostics_for`` waits for the one of a given version.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CLIENT_CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "workspace": {
        "configuration": True,
        "didChangeConfiguration": {"dynamicRegistration": False},
        "workspaceFolders": True,
        "inlayHint": {"refreshSupport": False},
    },
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "completion": {"completionItem": {"snippetSupport": True, "documentationFormat": ["markdown"]}},
        "inlayHint": {"resolveSupport": {"properties": []}},
    },
    "window": {"workDoneProgress": False},
}


class ServerError(Exception):
    """A JSON-RPC error answer, or a server that went away."""


class Client:
    """One server process and its JSON-RPC conversation."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.settings = settings or {}  # answers to workspace/configuration, by section
        self.spawned_at = 0.0
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._answering: set[asyncio.Future[None]] = set()
        # uri -> list of (arrival time, version or None, diagnostics)
        self.published: dict[str, list[tuple[float, int | None, list[Any]]]] = {}
        self._published_event = asyncio.Event()
        self.configuration_requests = 0

    async def start(self, command: Sequence[str], cwd: str | None = None, stderr: Path | None = None) -> None:
        """Spawn the server; ``spawned_at`` is taken just before the fork."""
        err = open(stderr, "ab") if stderr else asyncio.subprocess.DEVNULL  # noqa: SIM115 - owned by the child
        self.spawned_at = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
            cwd=cwd,
            limit=2**28,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        if stderr:
            err.close()
        self._reader = asyncio.create_task(self._read_loop())

    # --- framing ---------------------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.process and self.process.stdin
        body = json.dumps(message, separators=(",", ":")).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await self.process.stdin.drain()

    async def _read_loop(self) -> None:
        assert self.process and self.process.stdout
        stdout = self.process.stdout
        try:
            while True:
                length = 0
                while True:
                    line = await stdout.readline()
                    if not line:
                        raise EOFError
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if not length:
                    continue  # not a header block: stray output of the server process
                body = await stdout.readexactly(length)
                self._dispatch(json.loads(body), time.perf_counter())
        except (EOFError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ServerError("the server closed its output"))
            self._published_event.set()

    def _dispatch(self, message: dict[str, Any], now: float) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future and not future.done():
                if "error" in message:
                    future.set_exception(ServerError(json.dumps(message["error"])))
                else:
                    future.set_result(message.get("result"))
        elif "id" in message:
            task = asyncio.ensure_future(self._answer(message))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
        elif message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.published.setdefault(params["uri"], []).append(
                (now, params.get("version"), params.get("diagnostics", []))
            )
            self._published_event.set()

    async def _answer(self, message: dict[str, Any]) -> None:
        """Server-to-client requests: configuration from ``settings``, null for everything else."""
        result: Any = None
        if message["method"] == "workspace/configuration":
            self.configuration_requests += 1
            result = [self._section(item.get("section")) for item in message["params"]["items"]]
        await self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def _section(self, section: str | None) -> Any:
        value: Any = self.settings
        for part in (section or "").split("."):
            if part:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    # --- requests and notifications --------------------------------------------------------------------

    async def request(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        await self._send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no answer to {method} within {timeout} s") from None

    async def timed(self, method: str, params: Any, timeout: float = 120.0) -> tuple[float, Any]:
        """A request and its wall time in seconds, from just before the write to the parsed answer."""
        start = time.perf_counter()
        result = await self.request(method, params, timeout)
        return time.perf_counter() - start, result

    async def notify(self, method: str, params: Any) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def diagnostics_for(
        self, uri: str, since: float, version: int | None, timeout: float = 120.0
    ) -> tuple[float, list[Any]]:
        """The first publishDiagnostics for ``uri`` that arrived after ``since`` with ``version``
        (any version when the server does not send versions): its arrival time and diagnostics."""
        accept: Callable[[int | None], bool] = lambda v: v is None or version is None or v == version  # noqa: E731
        deadline = time.perf_counter() + timeout
        while True:
            for arrived, v, diagnostics in self.published.get(uri, ()):
                if arrived >= since and accept(v):
                    return arrived, diagnostics
            if self.process and self.process.returncode is not None:
                raise ServerError(f"the server exited with {self.process.returncode}")
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no diagnostics for version {version} of {uri} within {timeout} s")
            self._published_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._published_event.wait(), left)

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory (VmHWM) in MB, read from /proc while it runs."""
        if not self.process:
            return None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    async def stop(self, timeout: float = 5.0) -> None:
        """shutdown + exit, then kill if the server lingers."""
        if not self.process or self.process.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout)
            await self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
