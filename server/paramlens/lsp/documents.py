"""Documents and their analyses: parse once per version, answer everything from the cache.

Each open document has at most one analysis running, off the event loop (on daemon threads, so a
client that disappears never waits for one; ``_Lane`` says why one long analysis cannot hold up
the others). A change starts an analysis at once when none is
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
from functools import lru_cache, partial, wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from pygls.uris import from_fs_path, to_fs_path

from .. import files
from .config import Settings
from .positions import Encoding, Lines

if TYPE_CHECKING:  # the engine is imported by the first analysis: `initialize` is answered without it
    from ..engine.analysis import Analysis, Diagnostic, LayerResult

log = logging.getLogger(__name__)
T = TypeVar("T")

SLOW = 0.1  # seconds: above this an analysis is "big", and requests answer from the last result at once
BIG = 256 * 1024  # characters: a document this long may take that long after any change (a cascade)
WAIT = 0.5  # seconds a request waits for the analysis of the current version of a small document
# a document this small whose last analysis took this little is analysed on the event loop: handing it to
# the analysis thread and back would cost more than the analysis
INLINE_CHARS = 16_384
INLINE_SECONDS = 0.002
OVERRUN = 0.25  # seconds: a quick-lane analysis running longer hands the lane to another thread
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


@lru_cache(maxsize=256)
def uri_path(uri: str) -> str | None:
    """The file path of a ``file:`` URI (kept: pygls' urlparse was 3 % of a keystroke in yolo11.yaml)."""
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


def _collector_paused(fn: Callable[..., T]) -> Callable[..., T]:
    """Run an analysis with the cyclic collector paused, then freeze what it made out of the collector's
    reach: an analysis is a large, acyclic heap that reference counting frees, and a collector pass over
    it (the first after resuming, and every full one after) would pause the server for tenths of a second."""

    @wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> T:
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
    read: Callable[[str, str], str],
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

        def resolve(importing: str | None, relpath: str) -> tuple[str, str] | str | None:
            if not importing:
                return None  # an untitled document: nothing to be relative to
            target = files.import_path(importing, relpath)
            written = os.path.normpath(os.path.join(os.path.dirname(importing), relpath))
            deps.update((target, written))  # a watcher may name the file either way
            try:
                return target, read(target, written)
            except files.Refused as exc:
                return exc.reason

        # the key is the real path, as the CLI's, so that an import cycle through a symbolic link closes at
        # once; realpath costs 80 µs (a sixth of a keystroke on 100 layers), so only for a file with imports
        key = os.path.realpath(path) if path and "imports" in text else path
        analysis = analyse(
            text, key=key, resolve=resolve, memo=memo, scale=scale or settings.scale_override, imgsz=settings.imgsz
        )
    entry = Entry(uri, version, text, analysis, Lines(text, encoding), frozenset(deps)).prepare()
    if scale:
        entry.scale_choice = ("lens", scale)
    elif settings.scale_override:
        entry.scale_choice = ("setting", settings.scale_override)
    entry.seconds = time.perf_counter() - start
    return entry


class _Lane:
    """Analyses run in order on a daemon thread; results come back to the event loop.

    Two lanes keep one document's long analysis from starving the others (issue 13): documents that
    are big or were slow last time go to the long lane, all others to the quick lane. A quick-lane
    analysis that overruns ``OVERRUN`` seconds (a first analysis of a document with large imports) is
    left to finish on its thread while a new thread takes over the lane's queue, at most ``spare``
    such threads at a time. So at most 1 + 1 + spare analyses are in memory at once (bounded memory),
    and a quick analysis waits behind a long one only when ``spare`` overruns are already under way.
    Threads rather than processes: an analysis hands back a large object graph, which a process
    would have to pickle, and the engine's reuse of the previous version's work lives in memory."""

    def __init__(self, name: str, spare: int) -> None:
        self._name, self._spare = name, spare
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None  # the thread serving the queue
        self._since: float | None = None  # when its current job started
        self._left = 0  # threads left behind with an overrunning job

    async def run(self, fn: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((fn, future))
        self._check()
        if self._spare:

            def watch() -> None:  # while this job waits or runs, see every OVERRUN if the lane is stuck
                if not future.done():
                    self._check()
                    loop.call_later(OVERRUN, watch)

            loop.call_later(OVERRUN, watch)
        return await future

    def _check(self) -> None:
        """Start the lane's thread, or replace it when its job overruns and others wait."""
        with self._lock:
            if self._thread is None:
                self._start()
            elif (
                self._since is not None
                and time.perf_counter() - self._since >= OVERRUN
                and self._left < self._spare
                and not self._jobs.empty()
            ):
                self._left += 1
                log.info("%s analysis overran %.2f s: another thread takes the queue", self._name, OVERRUN)
                self._start()

    def _start(self) -> None:
        self._since = None
        self._thread = threading.Thread(target=self._serve, name=f"paramlens-{self._name}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            fn, future = self._jobs.get()
            with self._lock:
                if self._thread is me:
                    self._since = time.perf_counter()
            loop = future.get_loop()
            try:
                result, error = fn(), None
            except BaseException as exc:  # handed back to the awaiting task
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop has closed: the server is exiting
                return
            with self._lock:
                if self._thread is not me:  # replaced while this job overran: the lane is another's
                    self._left -= 1
                    return
                self._since = None


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
        self._published: dict[str, int] = {}  # the last version published, per document: never go back
        self._quick = _Lane("quick", spare=2)
        self._long = _Lane("long", spare=0)

    # --- reading files ---------------------------------------------------------------------

    def read(self, path: str, written: str | None = None) -> str:
        """An imported file's text: the editor's version when it is open (under its real path or the
        path as written), else the disk's, read as ``files.read_text`` reads every file (``Refused``)."""
        for candidate in (path, written) if written not in (None, path) else (path,):
            uri = from_fs_path(candidate)
            if uri is not None:
                opened = self._texts(uri) or self._texts(unquote(uri))
                if opened is not None:
                    return opened[1]
        return files.read_text(path, self._settings().max_file_size)

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
                if small:
                    entry = job()
                else:
                    long = len(text) > BIG or (previous is not None and previous.seconds > SLOW)
                    entry = await (self._long if long else self._quick).run(job)
                latest = self._texts(uri)
                if latest is None:
                    return
                self._store(entry)
                if uri in self._again or latest[0] != version:
                    continue  # overtaken: analyse the latest text before publishing anything
                if version is not None and self._published.get(uri, version) > version:
                    log.warning("not publishing version %s of %s: a newer one is published", version, uri)
                    return
                if version is not None:
                    self._published[uri] = version
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
        try:
            text = files.read_text(path, settings.max_file_size)
        except files.Refused as exc:
            log.info("watched file not analysed: %s", exc)
            return None
        lane = self._long if len(text) > BIG else self._quick
        return await lane.run(
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

    async def count_scales(self, entry: Entry) -> None:
        """Every scale's total of this analysis counted, on the analysis lane: the other scales' builds (a few
        milliseconds for a file the server has not seen) never hold up the event loop."""
        analysis = entry.analysis
        if not analysis.scales_ready:
            await self._quick.run(_collector_paused(lambda: analysis.scales))

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
        self._published.pop(uri, None)  # a document opened again may start its versions anew
        self.scales.pop(uri, None)
        self._again.discard(uri)
        self._refresh_after.discard(uri)
        self._wake(uri)

    def dependents(self, paths: Iterable[str]) -> list[str]:
        """Open documents that import one of these files (directly or through another import)."""
        wanted = set(paths)
        return [uri for uri, entry in self.entries.items() if entry.deps & wanted]

    def reanalyse_all(self) -> None:
        """Every open document again, those whose first analysis is still running too (opened while the
        settings changed: that analysis read the old ones)."""
        for uri in [*self.entries, *(u for u in self._running if u not in self.entries)]:
            self.request(uri, unseen=True)
