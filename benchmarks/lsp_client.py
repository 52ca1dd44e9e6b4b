"""The one raw LSP client: JSON-RPC framing on asyncio streams, nothing else.

Small on purpose, so that its own cost stays far below what it measures, and generic, so that it drives
any server (paramlens, the do-nothing pygls server, Red Hat's yaml-language-server) the same way, over a
subprocess's stdio or a TCP socket. The benchmarks time servers with it; the raw-protocol tests
(tests/lsp/test_session.py, tests/hostile/test_hostile_process.py) send it what a typed client cannot
(malformed parameters, a shutdown while the server waits on the client) and read whole answers.
Each ``publishDiagnostics`` is timestamped on arrival; ``diagnostics_for`` waits for the one of a given
version. Positions are the caller's, in UTF-16 code units (``utf16_units`` counts them).
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

OMITTED: Any = object()  # a message without "params" (JSON-RPC allows it; ``None`` sends null)


def utf16_units(text: str) -> int:
    """How many UTF-16 code units ``text`` is: an LSP column of the default position encoding."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class ServerError(Exception):
    """A JSON-RPC error answer, or a server that went away."""


class Client:
    """One server (a process, or a TCP peer) and its JSON-RPC conversation."""

    def __init__(self, settings: dict[str, Any] | None = None, answer_requests: bool = True) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.settings = settings or {}  # answers to workspace/configuration, by section
        # False: requests from the server are recorded in ``server_requests`` and never answered
        self.answer_requests = answer_requests
        self.spawned_at = 0.0
        self._input: asyncio.StreamWriter | None = None
        self._output: asyncio.StreamReader | None = None
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._answering: set[asyncio.Future[None]] = set()
        # uri -> list of (arrival time, version or None, diagnostics)
        self.published: dict[str, list[tuple[float, int | None, list[Any]]]] = {}
        self._published_event = asyncio.Event()
        self.server_requests: list[dict[str, Any]] = []
        self._server_request_event = asyncio.Event()
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
        self._input, self._output = self.process.stdin, self.process.stdout
        self._reader = asyncio.create_task(self._read_loop())

    async def connect(self, host: str, port: int, timeout: float = 10.0) -> None:
        """Talk to a server listening on TCP (``serve --tcp``), retrying until it listens."""
        deadline = time.perf_counter() + timeout
        while True:
            try:
                self._output, self._input = await asyncio.open_connection(host, port, limit=2**28)
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise ServerError(f"nothing listens on {host}:{port} after {timeout} s") from None
                await asyncio.sleep(0.05)
        self._reader = asyncio.create_task(self._read_loop())

    # --- framing ---------------------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        """Write one message as it is (plus ``"jsonrpc": "2.0"``): any method, any parameters, any id."""
        assert self._input
        body = json.dumps({"jsonrpc": "2.0", **message}, separators=(",", ":")).encode()
        self._input.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await self._input.drain()

    async def _read_loop(self) -> None:
        assert self._output
        output = self._output
        try:
            while True:
                length = 0
                while True:
                    line = await output.readline()
                    if not line:
                        raise EOFError
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if not length:
                    continue  # not a header block: stray output of the server process
                body = await output.readexactly(length)
                self._dispatch(json.loads(body), time.perf_counter())
        except (EOFError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ServerError("the server closed its output"))
            self._published_event.set()
            self._server_request_event.set()

    def _dispatch(self, message: dict[str, Any], now: float) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future and not future.done():
                future.set_result(message)
        elif "id" in message:
            self.server_requests.append(message)
            self._server_request_event.set()
            if self.answer_requests:
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
        await self.send({"id": message["id"], "result": result})

    def _section(self, section: str | None) -> Any:
        value: Any = self.settings
        for part in (section or "").split("."):
            if part:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    # --- requests and notifications --------------------------------------------------------------------

    @property
    def last_id(self) -> int:
        """The id of the last request sent (they count from 1)."""
        return self._next_id

    async def begin(self, method: str, params: Any = OMITTED) -> asyncio.Future[dict[str, Any]]:
        """Send a request without waiting: the future of its whole answer message (pipelined requests)."""
        self._next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        message = {"id": self._next_id, "method": method}
        await self.send(message if params is OMITTED else {**message, "params": params})
        return future

    async def call(self, method: str, params: Any = OMITTED, timeout: float = 120.0) -> dict[str, Any]:
        """A request and the server's whole answer message (``result`` or ``error``, as it came)."""
        future = await self.begin(method, params)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no answer to {method} within {timeout} s") from None

    async def request(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        """A request's result; an error answer raises ``ServerError``."""
        answer = await self.call(method, params, timeout)
        if "error" in answer:
            raise ServerError(json.dumps(answer["error"]))
        return answer.get("result")

    async def timed(self, method: str, params: Any, timeout: float = 120.0) -> tuple[float, Any]:
        """A request and its wall time in seconds, from just before the write to the parsed answer."""
        start = time.perf_counter()
        result = await self.request(method, params, timeout)
        return time.perf_counter() - start, result

    async def notify(self, method: str, params: Any = OMITTED) -> None:
        await self.send({"method": method} if params is OMITTED else {"method": method, "params": params})

    async def server_request(self, index: int = 0, timeout: float = 30.0) -> dict[str, Any]:
        """The ``index``-th request the server sent (counting from 0), once it has come."""
        found = lambda: self.server_requests[index] if len(self.server_requests) > index else None  # noqa: E731
        return await self._until(self._server_request_event, found, timeout, f"server request {index + 1}")

    async def diagnostics_for(
        self, uri: str, since: float, version: int | None, timeout: float = 120.0
    ) -> tuple[float, list[Any]]:
        """The first publishDiagnostics for ``uri`` that arrived after ``since`` with ``version``
        (any version when the server does not send versions): its arrival time and diagnostics."""
        accept: Callable[[int | None], bool] = lambda v: v is None or version is None or v == version  # noqa: E731

        def found() -> tuple[float, list[Any]] | None:
            published = self.published.get(uri, ())
            return next(((t, d) for t, v, d in published if t >= since and accept(v)), None)

        return await self._until(self._published_event, found, timeout, f"diagnostics for version {version} of {uri}")

    async def _until(self, event: asyncio.Event, found: Callable[[], Any], timeout: float, what: str) -> Any:
        """``found()`` once it is not None, looked at again each time ``event`` is set."""
        deadline = time.perf_counter() + timeout
        while (result := found()) is None:
            if (self.process and self.process.returncode is not None) or (self._reader and self._reader.done()):
                raise ServerError(f"the server went away before {what}")
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no {what} within {timeout} s")
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
        return result

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

    # --- the end ---------------------------------------------------------------------------------------

    def close_input(self) -> None:
        """Close the server's input (stdin, or our side of the socket), as a vanished client does."""
        if self._input:
            self._input.close()

    async def exit_code(self, timeout: float = 5.0) -> int:
        """Wait for the server process to end; its exit code."""
        assert self.process
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def stop(self, timeout: float = 5.0) -> None:
        """shutdown + exit, then kill if the server lingers (a TCP peer: just close the connection)."""
        if self.process and self.process.returncode is None:
            if self._input and not self._input.is_closing():  # a closed input: straight to the wait
                with contextlib.suppress(Exception):
                    await self.request("shutdown", None, timeout)
                    await self.notify("exit", None)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        elif not self.process:
            self.close_input()
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
