"""The LSP measurements of one server on one file, through ``lsp_client.Client``.

Every number is wall time seen by the client, in seconds: from just before a message is written to the
server's stdin to the moment its answer (or the publishDiagnostics of that version) has been read and
parsed. Keystrokes are sent one at a time, each after the previous one's diagnostics arrived.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import edits
from .lsp_client import CLIENT_CAPABILITIES, Client, ServerError

CHEAP_REPEATS = 10  # samples of window hints, hover and completion, at every size


@dataclass
class Server:
    """How to start a server and what to tell it."""

    name: str
    command: list[str]
    settings: dict[str, Any] = field(default_factory=dict)  # by section, for configuration and didChange
    init_options: dict[str, Any] | None = None
    language_id: str = "yaml"


@dataclass
class Session:
    """What one session measured (seconds, MB, counts)."""

    initialize: float | None = None
    open: float | None = None
    keystrokes: list[float] = field(default_factory=list)
    keystroke_kinds: dict[str, list[float]] = field(default_factory=dict)
    hints_all: list[float] = field(default_factory=list)
    hints_all_count: int = 0
    hints_window: list[float] = field(default_factory=list)
    hints_window_count: int = 0
    hover: list[float] = field(default_factory=list)
    completion: list[float] = field(default_factory=list)
    completion_count: int = 0
    busy_hover: list[float] = field(default_factory=list)  # hover while a re-analysis runs
    busy_hints: list[float] = field(default_factory=list)  # window hints while a re-analysis runs
    rss_mb: float | None = None
    open_diagnostics: int = 0
    errors: list[str] = field(default_factory=list)
    unsupported: set[str] = field(default_factory=set)  # methods the server does not have


def _count(answer: Any) -> int:
    """How many hints or completion items an answer holds."""
    if isinstance(answer, dict):
        answer = answer.get("items", [])
    return len(answer or [])


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


async def _initialize(client: Client, server: Server, root: Path) -> float:
    params = {
        "processId": None,
        "clientInfo": {"name": "paramlens-benchmark", "version": "1"},
        "rootUri": root.resolve().as_uri(),
        "workspaceFolders": [{"uri": root.resolve().as_uri(), "name": root.name}],
        "capabilities": CLIENT_CAPABILITIES,
        "initializationOptions": server.init_options,
    }
    await client.request("initialize", params, timeout=60)
    elapsed = time.perf_counter() - client.spawned_at
    await client.notify("initialized", {})
    await client.notify("workspace/didChangeConfiguration", {"settings": server.settings})
    return elapsed


async def startup(server: Server, root: Path, runs: int) -> list[float]:
    """Spawn → initialize response, ``runs`` times."""
    times = []
    for _ in range(runs):
        client = Client(server.settings)
        await client.start(server.command)
        try:
            times.append(await _initialize(client, server, root))
        finally:
            await client.stop()
    return times


async def measure(
    server: Server,
    path: Path,
    rounds: int,
    budget: float,
    repeats: int = 5,
    log: Path | None = None,
    settle: float = 0.0,
    busy: int = 3,
) -> Session:
    """One session on ``path``: open, ``rounds`` rounds of keystrokes (fewer when ``budget`` seconds of
    keystrokes are spent), then whole-document hints ``repeats`` times and window hints, hovers and
    completions at least ``CHEAP_REPEATS`` times, each kind in a run of its own, then ``busy`` pairs of
    keystrokes each followed at once by a hover and a window of hints."""
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    result = Session()
    client = Client(server.settings)
    await client.start(server.command, cwd=str(path.parent), stderr=log)
    try:
        result.initialize = await _initialize(client, server, path.parent)
        if settle:
            await _settle(client, settle)
        version = 1
        start = time.perf_counter()
        await client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": server.language_id, "version": version, "text": text}},
        )
        arrived, diagnostics = await client.diagnostics_for(uri, start, version, timeout=600)
        result.open = arrived - start
        result.open_diagnostics = len(diagnostics)
        places = edits.sites(text, max(rounds, 1))
        spent = time.perf_counter()
        for site in places[:rounds]:
            for edit in edits.round_at(site):
                if (
                    len(result.keystrokes) >= 3
                    and len(result.keystrokes) % 2 == 0
                    and time.perf_counter() - spent > budget
                ):
                    break  # out of time: stop after an undo, so that the text is the original again
                version += 1
                elapsed = await _keystroke(client, uri, version, edit)
                result.keystrokes.append(elapsed)
                result.keystroke_kinds.setdefault(edit.kind, []).append(elapsed)
        site = places[0]
        doc = {"uri": uri}
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": text.count("\n"), "character": 0}}
        type_at = {"line": site.item_line, "character": site.item_indent + 3}
        at_key = {"line": site.line, "character": site.key_col}
        requests = [
            ("textDocument/inlayHint", {"textDocument": doc, "range": whole}, result.hints_all, "hints_all_count"),
            (
                "textDocument/inlayHint",
                {"textDocument": doc, "range": edits.window(site)},
                result.hints_window,
                "hints_window_count",
            ),
            ("textDocument/hover", {"textDocument": doc, "position": type_at}, result.hover, None),
            (
                "textDocument/completion",
                {"textDocument": doc, "position": at_key},
                result.completion,
                "completion_count",
            ),
        ]
        for method, params, times, count in requests:
            # One kind at a time, so that a sample measures its own request and not the aftermath of the one
            # before (a whole-document answer at 50,000 layers is megabytes); the cheap ones get enough
            # samples for a median even where the whole-document request is repeated only a few times.
            runs = repeats if times is result.hints_all else max(repeats, CHEAP_REPEATS)
            for _ in range(runs):
                if method in result.unsupported:
                    break
                try:
                    elapsed, answer = await client.timed(method, params)
                except ServerError as exc:
                    if "-32601" not in str(exc):  # anything but "method not found" is a failure
                        raise
                    result.unsupported.add(method)
                    break
                times.append(elapsed)
                if count:
                    setattr(result, count, _count(answer))
        version = await _busy(client, uri, version, places, result, repeats=busy)
        result.rss_mb = client.peak_rss_mb()
    except (ServerError, TimeoutError) as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
        result.rss_mb = client.peak_rss_mb()
    finally:
        await client.stop()
    return result


async def _settle(client: Client, seconds: float) -> None:
    """Give a server that loads its configuration asynchronously (yaml-language-server) time to do so."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and not client.configuration_requests:
        await asyncio.sleep(0.02)
    await asyncio.sleep(min(seconds, 0.3))


async def _keystroke(client: Client, uri: str, version: int, edit: edits.Edit) -> float:
    start = time.perf_counter()
    await client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit.change()]},
    )
    arrived, _ = await client.diagnostics_for(uri, start, version, timeout=600)
    return arrived - start


async def _busy(client: Client, uri: str, version: int, places: list[edits.Site], result: Session, repeats: int) -> int:
    """Hover and window hints sent right after a change, while the server re-analyses: answered from the
    previous analysis, they should not wait for the new one."""
    if "textDocument/hover" in result.unsupported:
        return version
    site = places[-1]
    doc = {"uri": uri}
    type_at = {"line": site.item_line, "character": site.item_indent + 3}
    for _ in range(repeats):
        for edit in edits.round_at(site)[:2]:
            version += 1
            start = time.perf_counter()
            await client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit.change()]},
            )
            elapsed, _ = await client.timed("textDocument/hover", {"textDocument": doc, "position": type_at})
            result.busy_hover.append(elapsed)
            if "textDocument/inlayHint" not in result.unsupported:
                elapsed, _ = await client.timed(
                    "textDocument/inlayHint", {"textDocument": doc, "range": edits.window(site)}
                )
                result.busy_hints.append(elapsed)
            await client.diagnostics_for(uri, start, version, timeout=600)
    return version
