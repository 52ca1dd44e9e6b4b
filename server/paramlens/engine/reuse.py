"""Reusing the results of unchanged layers between versions of a document.

A keystroke changes one layer; analysing the other thousands again would cost far more than parsing
the text. Each top-level layer is remembered under what determines its result: its own text, its
column, the shape flowing into it and where that shape came from. When the next version has the same
layer with the same input, its result is taken as it was, or, when lines or layers were inserted
above it, relocated: moved to its new lines and position (references to the layers that produced its
inferred sizes point at their new versions, so every text derived from them is current).

Copies are made when first read, not when made (`Deferred`): what lies below a moved layer, and the
layers of a block use that shares an earlier use's analysis. The next keystroke usually makes them
obsolete before anything reads them, and the layers of most uses are never shown at all.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

from .analysis import Argument, Diagnostic, LayerResult, Origin, Span, UseSite

_FIELDS = operator.attrgetter(*LayerResult.__slots__)  # every field, in the constructor's order
LOOSE_PER_TEXT = 2  # layers kept per text, one per key (the latest): with the input as it was and as it is


class Entry(NamedTuple):
    """One top-level layer as analysed, with what it needs to be reused."""

    result: LayerResult
    out_shape: Any
    out_broken: bool
    out_producer: LayerResult | None  # the result itself, or the producer that flowed in
    producer_in: LayerResult | None
    attempts: tuple[Diagnostic, ...]  # every diagnostic it reported, before de-duplication
    evaluations: int
    line: int  # first line of the layer when analysed
    index: int  # its 1-based position in `layers`
    last_line: int  # last line of the layer when analysed
    blocks: frozenset[str]  # the blocks it uses, at any depth
    key: tuple[Any, ...]  # what determines it (see walk_top); shared by the versions that reuse it


class Memo:
    """What one analysis leaves for the next version of the same document.

    Nothing here is rebuilt per version that a version does not change: entries are shared by the
    versions that reuse them (with their keys), and the index of equal layers by text is one dictionary
    for the whole session. Freeing a superseded version then costs a list, not a structure per layer
    (at 50,000 layers that was tens of milliseconds, holding the interpreter lock)."""

    __slots__ = ("checked", "context", "instances", "layers", "loose", "older", "outline", "peak", "text")

    def __init__(
        self,
        context: tuple[Any, ...],  # everything outside `layers` that results depend on
        layers: list[Entry] | None = None,  # this version's top-level layers, in order
        loose: dict[str, list[Entry]] | None = None,  # equal layers by text, to relocate
        outline: Any = None,  # the parse's outline, for splicing the next version's text (splice.py)
        text: str | None = None,  # the text whose lines and positions `layers` has
        older: Memo | None = None,  # the generation before (its layers only): an edit undone finds them there
        peak: int = 0,  # the most top-level layers a version has had
    ) -> None:
        self.context, self.outline, self.text, self.older, self.peak = context, outline, text, older, peak
        self.layers: list[Entry] = [] if layers is None else layers
        self.loose: dict[str, list[Entry]] = {} if loose is None else loose
        self.instances: dict[tuple[Any, ...], Instance] = {}  # block uses, by what they see
        # the unused blocks' checks: (the unused blocks, their diagnostics, the evaluations they took)
        self.checked: tuple[frozenset[str], list[Diagnostic], int] | None = None

    def find(self, key: tuple[Any, ...], line: int, index: int, text: str | None) -> Entry | None:
        """The entry for a layer at this place (line and position in the version whose text is ``text``:
        None for this memo's own), else one of an equal layer elsewhere (key[0] is its text)."""
        generation: Memo | None = self
        while generation is not None:  # a layer in its place first: it needs no copy
            if (text is None or generation.text is text) and 0 < index <= len(generation.layers):
                entry = generation.layers[index - 1]
                if entry.line == line and entry.key == key:
                    return entry
            generation = generation.older
        for entry in self.loose.get(key[0], ()):
            if entry.key == key:
                return entry
        return None

    def next(self, context: tuple[Any, ...], outline: Any, text: str, count: int) -> Memo:
        """The memo of the next version: this one becomes its older generation, the index by text is kept
        (started afresh when it has grown far beyond the document: beyond the most layers it has had, since
        a syntax error hides the layers below it only until it is repaired)."""
        peak = max(count, self.peak)
        loose = self.loose if len(self.loose) <= peak + 1024 else {}
        older = Memo(self.context, self.layers, text=self.text)
        return Memo(context, [], loose, outline, text, older, peak)

    def keep(self, entry: Entry) -> None:
        self.layers.append(entry)
        same_text = self.loose.setdefault(entry.key[0], [])
        for i, other in enumerate(same_text):
            if other is entry:
                return
            if other.key == entry.key:  # the same layer, moved: keep the latest in its place
                same_text[i] = entry
                return
        same_text.append(entry)
        if len(same_text) > LOOSE_PER_TEXT:
            del same_text[0]


class Instance(NamedTuple):
    """The layers of one use of a block, as analysed: another use with the same arguments, input and
    context has the same layers, but for their position in the tree and what they refer to."""

    children: list[LayerResult]
    path: tuple[int, ...]  # the use's path when analysed
    refs: tuple[Any, Any, Any]  # the use itself, the use its layers show (UseSite), the input's producer
    out_shape: Any
    out_broken: bool
    evaluations: int
    blocks: frozenset[str]  # the blocks used inside it, at any depth


def relocate(entry: Entry, line: int, index: int, producer: LayerResult | None) -> tuple[LayerResult, Any]:
    """The entry's result placed at ``line`` as layer ``index``, inferred from ``producer``: a `Relocated`
    whose layers below are copied only when read, and the producer its inferred sizes refer to."""
    result = entry.result
    job = result._job if isinstance(result, Relocated) else None
    if job is None:  # analysed, or relocated and read since: move it as it is
        base, delta, lo, hi, key = result, 0, entry.line, entry.last_line, entry.producer_in
    else:  # moved again before anything below it was read: move the layer it was copied from
        base, delta, lo, hi, key = job.base, job.delta, job.lo, job.hi, job.key
    delta += line - entry.line
    if not delta and base.path[0] == index:
        # back where it was (a line inserted and deleted again): its producer, equal by the entry's key,
        # is named as it was: nothing to copy
        return base, key
    return Relocated.moved(_Move(base, delta, lo, hi, key, producer, (index,))), producer


def reinstate(instance: Instance, use: LayerResult, site: UseSite, producer: Any) -> list[LayerResult]:
    """An instance's layers under another use of the block (same arguments and input)."""
    old_use, old_site, old_producer = instance.refs
    refs: dict[int, Any] = {id(old_producer): producer, id(old_use): use, id(old_site): site}
    return [_copy(c, 0, 0, -1, instance.path, use.path, refs) for c in instance.children]


def _copy(
    layer: LayerResult,
    delta: int,
    lo: int,
    hi: int,
    old_prefix: tuple[int, ...],
    new_prefix: tuple[int, ...],
    refs: dict[int, Any],
) -> LayerResult:
    """The layer as it is in its new place: the very same object when nothing in it changes (a block's
    layers stay in its definition). References to the copies of layers that did change are updated; a
    layer's block use (``use``) is a UseSite: moved when its line moves, never a reference to a result."""
    known = refs.get(id(layer))
    if known is not None:
        return known
    inside = delta and not layer.foreign and lo <= layer.span.start_line <= hi
    moved = new_prefix != old_prefix
    use = layer.use
    if use is not None:
        site = refs.get(id(use))
        if site is None and delta and lo <= use.line <= hi:  # the use shown moved with this layer
            site = refs[id(use)] = UseSite(use.type, use.line + delta)
        if site is not None:
            use = site
    new = None
    if inside or moved or use is not layer.use:  # copied before its children, which may refer to it
        new = refs[id(layer)] = LayerResult(*_FIELDS(layer))
    arguments = _arguments(layer.arguments, delta if inside else 0, refs) if layer.arguments else layer.arguments
    children = _copies(layer.children, delta, lo, hi, old_prefix, new_prefix, refs)
    repetitions = layer.repetitions
    if repetitions:
        copied = [_copies(rep, delta, lo, hi, old_prefix, new_prefix, refs) for rep in repetitions]
        if any(c is not r for c, r in zip(copied, repetitions, strict=True)):
            repetitions = copied
    if new is None:
        if arguments is layer.arguments and children is layer.children and repetitions is layer.repetitions:
            refs[id(layer)] = layer
            return layer
        new = refs[id(layer)] = LayerResult(*_FIELDS(layer))
    if inside:
        new.span = _shift(layer.span, delta)
        new.type_span = _shift(layer.type_span, delta)
    if moved:
        new.path = (*new_prefix, *layer.path[len(old_prefix) :])
    new.use, new.arguments, new.children, new.repetitions = use, arguments, children, repetitions
    return new


def _copies(layers: list[LayerResult], *args: Any) -> list[LayerResult]:
    """The layers copied (see `_copy`): the same list when none changed."""
    if not layers:
        return layers
    copied = [_copy(layer, *args) for layer in layers]
    return layers if all(c is o for c, o in zip(copied, layers, strict=True)) else copied


def _arguments(arguments: dict[str, Argument], delta: int, refs: dict[int, Any]) -> dict[str, Argument]:
    """The arguments with their spans moved by ``delta`` lines and their origins' layers replaced; the same
    dictionary when nothing changes (results are never modified once analysed)."""
    changed = {}
    for name, arg in arguments.items():
        origin, span = arg.origin, arg.span
        source = origin.source
        if source is not None and id(source) in refs:
            origin = Origin(origin.how, refs[id(source)], origin.input_span)
        if delta and span is not None:
            span = _shift(span, delta)
        if origin is not arg.origin or span is not arg.span:
            changed[name] = Argument(name, arg.value, origin, span, arg.expr)
    return {**arguments, **changed} if changed else arguments


def _shift(span: Span, delta: int) -> Span:
    return Span(span.start_line + delta, span.start_char, span.end_line + delta, span.end_char)


class _Move(NamedTuple):
    """What a `Relocated` still has to copy: ``base`` (analysed, or copied in full) moved by ``delta``
    lines (those of its item, ``lo``..``hi``, in the base's coordinates) to position ``prefix``, with
    references to ``key`` (the producer the base was analysed with) pointing at ``producer``."""

    base: LayerResult
    delta: int
    lo: int
    hi: int
    key: LayerResult | None
    producer: LayerResult | None
    prefix: tuple[int, ...]

    def run(self, layer: LayerResult) -> None:
        base, delta = self.base, self.delta
        refs: dict[int, Any] = {id(self.key): self.producer, id(base): layer}
        args = (delta, self.lo, self.hi, base.path[:1], self.prefix, refs)
        if base.arguments:
            LayerResult.arguments.__set__(layer, _arguments(base.arguments, delta, refs))
        LayerResult.children.__set__(layer, _copies(base.children, *args))
        if base.repetitions:
            LayerResult.repetitions.__set__(layer, [_copies(rep, *args) for rep in base.repetitions])


class _Reinstate(NamedTuple):
    """What a `Reinstated` still has to copy: the layers of ``instance`` under this use of the block."""

    instance: Instance
    site: UseSite
    producer: LayerResult | None

    def run(self, layer: LayerResult) -> None:
        LayerResult.children.__set__(layer, reinstate(self.instance, layer, self.site, self.producer))


# a version's layers are read by requests and by the next analysis at once; copying a layer can read the
# layers of block uses inside it, which copy theirs
_COPYING = threading.RLock()


def _lazy(name: str) -> property:
    """A field copied from elsewhere when first read (see `Deferred`)."""
    slot = getattr(LayerResult, name)

    def get(layer: Deferred) -> Any:
        if layer._job is not None:
            layer.copy_below()
        return slot.__get__(layer, LayerResult)

    return property(get, slot.__set__, doc=f"{name}, copied when first read")


class Deferred(LayerResult):
    """A layer whose layers below it are copied from another analysis when first read, not when it is
    made: most of them are never read before the next keystroke makes them obsolete."""

    __slots__ = ("_job",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # as a LayerResult
        self._job: _Move | _Reinstate | None = None
        super().__init__(*args, **kwargs)

    def copy_below(self) -> None:
        with _COPYING:
            job = self._job
            if job is not None:  # else copied by another thread meanwhile
                job.run(self)
                self._job = None


class Relocated(Deferred):
    """A top-level layer moved to another line or position. Its own fields are set at once; its arguments,
    children and repetitions are copied when first read. Inserting a line shifts every layer below it:
    each then costs one object, not a copy of everything it contains."""

    __slots__ = ()

    arguments = _lazy("arguments")
    children = _lazy("children")
    repetitions = _lazy("repetitions")

    @classmethod
    def moved(cls, job: _Move) -> Relocated:
        base = job.base
        layer = cls(*_FIELDS(base))
        layer._job = job
        layer.span = _shift(base.span, job.delta)
        layer.type_span = _shift(base.type_span, job.delta)
        layer.path = (*job.prefix, *base.path[1:])
        return layer


class Reinstated(Deferred):
    """A use of a block with the arguments and input of an earlier one: its totals and shapes are the
    instance's, its layers are copied under it when first read. Only each block's first use shows its
    layers (in the definition), so the copies of the other uses are rarely made at all."""

    __slots__ = ()

    children = _lazy("children")

    @property
    def parts(self) -> Sequence[LayerResult]:
        job = self._job
        return job.instance.children if isinstance(job, _Reinstate) else self.children

    @classmethod
    def of(cls, use: LayerResult, instance: Instance, site: UseSite, producer: LayerResult | None) -> Reinstated:
        layer = cls(*_FIELDS(use))
        layer._job = _Reinstate(instance, site, producer)
        return layer
