"""Documents and their analyses: parse once per version, answer everything from the cache.

Each open document has at most one analysis running, off the event loop (a daemon thread, so a
client that disappears never waits for it). A change starts an analysis at once when none is
running; changes that arrive meanwhile are coalesced into one more run of the latest text when it
ends. Results of a version that has been overtaken are kept for requests that cannot wait but are
never published, so diagnostics only ever move forward.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pygls.uris import from_fs_path, to_fs_path

from .config import Settings
from .positions import Encoding, Lines

if TYPE_CHECKING:  # the engine is imported by the first analysis: `initialize` is answered without it
    from ..engine.analysis import Analysis, Diagnostic, LayerResult

log = logging.getLogger(__name__)

SLOW = 0.1  # seconds: above this an analysis is "big", and requests answer from the last result at once
BIG = 256 * 1024  # characters: a document this long may take that long after any change (a cascade)
WAIT = 0.5  # seconds a request waits for the analysis of the current version of a small document
# a document this small whose last analysis took this little is analysed on the event loop: handing it to
# the analysis thread and back would cost more than the analysis
INLINE_CHARS = 16_384
INLINE_SECONDS = 0.002
_ARCHITECTURE = re.compile(r"^(?:layers|blocks|backbone|head)\s*:", re.MULTILINE)  # native or Ultralytics


@dataclass(slots=True)
class Entry:
    """One analysed version of a document."""

    uri: str
    version: int | None
    text: str
    analysis: Analysis
    lines: Lines
    deps: frozenset[str] = frozenset()  # paths of imported files (read or missing)
    seconds: float = 0.0
    scale_choice: tuple[str, str] | None = None  # an Ultralytics scale asked for: ("lens" | "setting", letter)
    _placed: list[tuple[int, LayerResult]] | None = field(default=None, repr=False)
    _bounds: tuple[list[int], list[int]] | None = field(default=None, repr=False)
    _uses: dict[str, LayerResult] | None = field(default=None, repr=False)
    renders: dict[Any, Any] = field(default_factory=dict, repr=False)  # what features built from this version

    def placed(self) -> list[tuple[int, LayerResult]]:
        """The layers shown in this document, one per line (the line of its type), sorted by line.

        Results of imported files are not placed. Inside a block definition the first use's layers
        win; on a line holding several (flow style) the outermost wins; a branch (`shortcut:`) gets
        its line only if no layer is written there."""
        if self._placed is None:
            self._placed = self._place(self.analysis.layers, 0, len(self.lines))
        return self._placed

    def placed_between(self, start: int, end: int) -> list[tuple[int, LayerResult]]:
        """Placed layers on lines start..end (inclusive). Only the layers written there and the block
        uses shown there are walked, so a window costs the same in a file of any size."""
        return self._place(self._tops_between(start, end), start, end)

    def _place(self, tops: list[LayerResult], start: int, end: int) -> list[tuple[int, LayerResult]]:
        """The layers of ``tops`` and of the blocks' first uses, placed. The layers of the other uses
        of a block are written in its definition too, where the first use's claim the lines: they are not
        walked (nor copied, when a use's layers are copied when first read)."""
        if not self.analysis.blocks:
            return _place(_walk_all(tops, None), start, end)
        first = self.first_uses()
        shown = {id(use) for use in first.values()}
        return _place(_walk_all([*tops, *first.values()], shown), start, end)

    def first_uses(self) -> dict[str, LayerResult]:
        """Each block's first use in this document, in walk order (what its definition shows)."""
        if self._uses is None:
            uses: dict[str, LayerResult] = {}
            tops, known = self.analysis.layers, self.analysis.top_blocks
            for i, top in enumerate(tops):
                if known is not None and known[i] <= uses.keys():
                    continue  # no block used here is new: its first use is above
                for layer in top.walk():
                    if layer.category == "block" and not layer.foreign:
                        uses.setdefault(layer.type, layer)
            self._uses = uses
        return self._uses

    def prepare(self) -> Entry:
        """Build what requests look up (in the analysis thread), so that the first request on this
        version does not walk the whole analysis on the event loop."""
        self._tops_between(0, 0)
        if self.analysis.blocks:
            self.first_uses()
        return self

    def tops_between(self, start: int, end: int) -> list[LayerResult]:
        """The top-level layers (an Ultralytics file's rows) whose text overlaps lines start..end."""
        return self._tops_between(start, end)

    def row_at(self, line: int, char: int) -> LayerResult | None:
        """The top-level layer (an Ultralytics row) whose item contains the position."""
        for layer in self._tops_between(line, line):
            if _covers(layer, line, char):
                return layer
        return None

    def _tops_between(self, start: int, end: int) -> list[LayerResult]:
        """The top-level layers whose text overlaps lines start..end."""
        if self._bounds is None:
            tops = self.analysis.layers
            self._bounds = ([t.span.start_line for t in tops], [t.span.end_line for t in tops])
        starts, ends = self._bounds
        lo = bisect.bisect_left(ends, start)
        hi = bisect.bisect_right(starts, end)
        return self.analysis.layers[lo:hi]

    def layer_at(self, line: int, char: int) -> LayerResult | None:
        """The innermost layer whose item contains the position."""
        placed = self.placed_between(line, line)
        for _line, layer in placed:
            if _covers(layer, line, char):
                return _innermost(layer, line, char)
        for layer in self._tops_between(line, line):
            if _covers(layer, line, char):
                return _innermost(layer, line, char)
        for use in self.first_uses().values() if self.analysis.blocks else ():
            for layer in use.walk():
                if layer is not use and not layer.foreign and _covers(layer, line, char):
                    return _innermost(layer, line, char)
        return None


def _walk_all(layers: list[LayerResult], shown: set[int] | None) -> Iterator[LayerResult]:
    """The layers and all below them, depth first; below a block use only if it is in ``shown`` (None:
    every use)."""
    for layer in layers:
        yield layer
        if layer.category != "block" or shown is None or id(layer) in shown:
            yield from _walk_all(layer.children, shown)


def _place(layers, start: int, end: int) -> list[tuple[int, LayerResult]]:
    """One layer per line on lines start..end, sorted: see ``Entry.placed``."""
    by_line: dict[int, LayerResult] = {}
    branches = []
    for layer in layers:
        if layer.foreign or not start <= layer.line <= end:
            continue
        if layer.category == "branch":
            branches.append(layer)
        else:
            by_line.setdefault(layer.line, layer)
    for layer in branches:
        by_line.setdefault(layer.line, layer)
    return sorted(by_line.items(), key=lambda item: item[0])


def _covers(layer: LayerResult, line: int, char: int) -> bool:
    return layer.span.contains(line, char) or layer.type_span.contains(line, char)


def _innermost(layer: LayerResult, line: int, char: int) -> LayerResult:
    for child in layer.children:
        if not child.foreign and _covers(child, line, char):
            return _innermost(child, line, char)
    return layer


def uri_path(uri: str) -> str | None:
    path = to_fs_path(uri)
    return os.path.normpath(path) if path else None


def too_large(size: int, limit: int) -> Diagnostic:
    from ..engine.analysis import Diagnostic, Severity, Span

    return Diagnostic(
        "file-too-large",
        Severity.WARNING,
        f"This file is {size:,} bytes, above paramlens.maxFileSize ({limit:,} bytes), so it is not analysed "
        "live. Run `paramlens check` on it, or raise the setting.",
        Span(0, 0, 0, 0),
    )


def _collector_paused(fn: Callable[..., Entry]) -> Callable[..., Entry]:
    """Run an analysis with the cyclic collector paused, then freeze what it made out of the collector's
    reach: an analysis is a large, acyclic heap that reference counting frees, and a collector pass over
    it (the first after resuming, and every full one after) would pause the server for tenths of a second."""

    @wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Entry:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()

    return paused


@_collector_paused
def build(
    uri: str,
    version: int | None,
    text: str,
    settings: Settings,
    encoding: Encoding,
    root: str | None,
    read: Callable[[str], str | None],
    memo: Any = None,
    scale: str | None = None,
) -> Entry:
    """Analyse one version of a document (runs in the analysis thread). ``memo`` comes from the analysis
    of an earlier version: the engine reuses what did not change. ``scale`` (an Ultralytics file's scale
    chosen for this document) overrides the setting's."""
    from ..engine import Analysis, analyse

    start = time.perf_counter()
    path = uri_path(uri)
    deps: set[str] = set()
    size = len(text) if len(text) * 4 <= settings.max_file_size else len(text.encode("utf-8", "surrogatepass"))
    if not settings.selects(path, root):
        analysis = Analysis(is_architecture=False)
    elif size > settings.max_file_size:
        is_arch = _ARCHITECTURE.search(text) is not None
        analysis = Analysis(is_architecture=is_arch, diagnostics=[too_large(size, settings.max_file_size)] * is_arch)
    else:

        def resolve(importing: str | None, relpath: str) -> tuple[str, str] | None:
            base = os.path.dirname(importing) if importing else None
            if base is None:
                return None
            target = os.path.normpath(os.path.join(base, relpath))
            deps.add(target)
            content = read(target)
            return None if content is None else (target, content)

        analysis = analyse(
            text, key=path, resolve=resolve, memo=memo, scale=scale or settings.scale_override, imgsz=settings.imgsz
        )
    entry = Entry(uri, version, text, analysis, Lines(text, encoding), frozenset(deps)).prepare()
    if scale:
        entry.scale_choice = ("lens", scale)
    elif settings.scale_override:
        entry.scale_choice = ("setting", settings.scale_override)
    entry.seconds = time.perf_counter() - start
    return entry


class _Worker:
    """One daemon thread that runs analyses in order; results come back to the event loop."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def run(self, fn: Callable[[], Any]) -> Any:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="paramlens-analysis", daemon=True)
            self._thread.start()
        future = asyncio.get_running_loop().create_future()
        self._queue.put((fn, future))
        return await future

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            fn, future = job
            loop = future.get_loop()
            try:
                result, error = fn(), None
            except BaseException as exc:  # handed back to the awaiting task
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop has closed: the server is exiting
                return


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Documents:
    """The open documents' analyses, kept current."""

    def __init__(
        self,
        texts: Callable[[str], tuple[int | None, str] | None],
        publish: Callable[[Entry], None],
        refresh: Callable[[], None],
        settings: Callable[[], Settings],
        encoding: Callable[[], Encoding],
        root: Callable[[], str | None],
    ) -> None:
        self._texts = texts  # uri -> (version, text) of an open document
        self._publish = publish
        self._refresh = refresh
        self._settings = settings
        self._encoding = encoding
        self._root = root
        self.entries: dict[str, Entry] = {}
        self.scales: dict[str, str] = {}  # uri -> the Ultralytics scale chosen for it (the `scales:` lens)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._refresh_after: set[str] = set()  # documents whose next result the client cannot see coming
        self._worker = _Worker()

    # --- reading files ---------------------------------------------------------------------

    def read(self, path: str) -> str | None:
        """An imported file's text: the editor's version when it is open, else the disk's."""
        uri = from_fs_path(path)
        if uri is not None:
            opened = self._texts(uri) or self._texts(unquote(uri))
            if opened is not None:
                return opened[1]
        return read_disk(path, self._settings().max_file_size)

    # --- analysis ---------------------------------------------------------------------------

    def request(self, uri: str, *, unseen: bool = False) -> None:
        """Analyse the current text of an open document; ``unseen``: the client did not change it
        (an import or a setting did), so it must be told to ask for hints again."""
        if unseen:
            self._refresh_after.add(uri)
        if uri in self._running:
            self._again.add(uri)
            return
        self._running[uri] = asyncio.get_running_loop().create_task(self._analyse(uri))

    async def _analyse(self, uri: str) -> None:
        try:
            while True:
                self._again.discard(uri)
                current = self._texts(uri)
                if current is None:
                    return
                version, text = current
                settings, encoding, root = self._settings(), self._encoding(), self._root()
                previous = self.entries.get(uri)
                memo = previous.analysis.memo if previous is not None else None
                job = partial(
                    build, uri, version, text, settings, encoding, root, self.read, memo, self.scales.get(uri)
                )
                small = previous is not None and previous.seconds < INLINE_SECONDS and len(text) < INLINE_CHARS
                entry = job() if small else await self._worker.run(job)
                latest = self._texts(uri)
                if latest is None:
                    return
                self._store(entry)
                if uri in self._again or latest[0] != version:
                    continue  # overtaken: analyse the latest text before publishing anything
                self._publish(entry)
                self._wake(uri)
                if uri in self._refresh_after:
                    self._refresh_after.discard(uri)
                    self._refresh()
                return
        except Exception:
            log.exception("analysis of %s failed", uri)
        finally:
            self._running.pop(uri, None)

    def _store(self, entry: Entry) -> None:
        old = self.entries.get(entry.uri)
        if old is None or old.version is None or entry.version is None or entry.version >= old.version:
            self.entries[entry.uri] = entry

    def _wake(self, uri: str) -> None:
        for future in self._waiters.pop(uri, []):
            if not future.done():
                future.set_result(None)

    async def analyse_file(self, uri: str) -> Entry | None:
        """Analyse a file that is not open in the editor (a watched file that changed)."""
        path = uri_path(uri)
        if path is None:
            return None
        settings, encoding, root = self._settings(), self._encoding(), self._root()
        if not settings.selects(path, root):
            return None
        text = read_disk(path, None)
        if text is None:
            return None
        return await self._worker.run(
            partial(build, uri, None, text, settings, encoding, root, self.read, None, self.scales.get(uri))
        )

    async def current(self, uri: str) -> Entry | None:
        """The analysis of the document's current version; for a big document that is being
        re-analysed, the last one (the client is then asked to refresh once the new one is in)."""
        opened = self._texts(uri)
        if opened is None:
            return None
        entry = self.entries.get(uri)
        if entry is not None and entry.version == opened[0]:
            return entry
        if uri not in self._running:
            self.request(uri)
        big = entry is not None and (entry.seconds > SLOW or len(opened[1]) > BIG)
        wait = 0.0 if big else WAIT
        if wait:
            future = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(uri, []).append(future)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, wait)
        entry = self.entries.get(uri)
        if entry is not None and entry.version != opened[0]:
            self._refresh_after.add(uri)
        return entry

    def use_scale(self, uri: str, scale: str | None) -> None:
        """Build an Ultralytics file at ``scale`` (None: as the settings say) from now on."""
        if scale is None:
            self.scales.pop(uri, None)
        else:
            self.scales[uri] = scale
        old = self.entries.get(uri)
        if old is not None:  # of another scale: requests wait for the new build (its memo is still reused)
            old.version = None
        self.request(uri, unseen=True)

    def close(self, uri: str) -> None:
        self.entries.pop(uri, None)
        self.scales.pop(uri, None)
        self._again.discard(uri)
        self._refresh_after.discard(uri)
        self._wake(uri)

    def dependents(self, paths: Iterable[str]) -> list[str]:
        """Open documents that import one of these files (directly or through another import)."""
        wanted = set(paths)
        return [uri for uri, entry in self.entries.items() if entry.deps & wanted]

    def reanalyse_all(self) -> None:
        for uri in list(self.entries):
            self.request(uri, unseen=True)


def read_disk(path: str, limit: int | None) -> str | None:
    """A file's text, or None when it cannot be read (missing, a folder, too large)."""
    try:
        if limit is not None and os.path.getsize(path) > limit:
            return None
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            return f.read()
    except (OSError, ValueError):
        return None
