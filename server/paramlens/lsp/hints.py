"""Inlay hints: each layer's parameter count and output shape at the end of the line of its type.

``4,640 params → 32×28×28``: two label parts, each with a tooltip (the formula; the shape's
steps), and with ``inlayHints.macs`` a third, `` · 3.613 M MACs`` (its MAC formula). Composites
(block uses, Sequential, Repeat, Residual, Add, Multiply, Concat) show their totals; layers inside a
block definition show the counts of the block's first use, or nothing where those depend on an
unknown; the `layers:` key shows the model total. Only the requested lines are rendered, from the
cached analysis of the document's version.

Hints are built as the JSON the client receives (``InlayHint`` unstructured), not as lsprotocol
objects: a whole document holds tens of thousands of them, and converting objects with cattrs cost
several times more than building the JSON. The whole document's hints are kept per version and
settings, so a repeated request (Neovim asks after every change, VS Code on every scroll) only slices.
"""

from __future__ import annotations

import bisect
import gc
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..engine import shapes
from ..engine.analysis import Analysis, LayerResult
from ..render import compute
from ..render.compute import si
from .config import Settings
from .documents import Entry
from .transport import Encoded

Json = dict[str, Any]
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


@lru_cache(maxsize=4096)
def fmt(shape: tuple[Any, ...]) -> str:
    """``shapes.fmt``, remembered: the same few shapes recur on thousands of lines."""
    return shapes.fmt(shape)


def number(n: int | None, style: str = "exact") -> str:
    """``4,640`` or, compact, ``4.6K``; ``?`` when unknown."""
    if n is None:
        return "?"
    if style != "compact" or abs(n) < 1000:
        return f"{n:,}"
    if abs(n) >= 10**15:  # beyond T: scientific, without a float that could overflow
        digits = str(abs(n))
        return f"{'-' * (n < 0)}{digits[0]}.{digits[1]}e{len(digits) - 1}"
    value = float(n)
    for unit in ("K", "M", "B", "T"):
        value /= 1000
        if abs(round(value, 1)) < 1000 or unit == "T":
            return f"{value:.1f}".removesuffix(".0") + unit
    raise AssertionError  # the loop returns at T


def params_tooltip(layer: LayerResult) -> str:
    if layer.formula is not None:
        lines = [layer.formula.text()]
        lines += [f"{p.name} {fmt(p.shape)} = {p.numel:,}" for p in layer.params]
        return "\n".join(lines)
    if layer.param_count is None:
        return "Unknown: an input size or argument is missing (see the diagnostics)."
    if layer.category == "repeat" and layer.repeat is not None:
        return f"{layer.repeat:,} repetitions of its layers, {layer.param_count:,} params in all"
    below = layer.parts
    if below:
        parts = " + ".join(number(c.param_count) for c in below)
        return f"{parts} = {layer.param_count:,}" if len(below) > 1 else f"{layer.param_count:,}"
    return f"{layer.param_count:,}"


def shape_tooltip(layer: LayerResult) -> str:
    lines = [s.text() for s in layer.shape_steps]
    lines.append(f"input {fmt(layer.input_shape)} → output {fmt(layer.output_shape)}")
    return "\n".join(lines)


def label_parts(layer: LayerResult, settings: Settings, definition: bool = False) -> list[Json]:
    """``definition``: shown in a block definition, where what depends on an unknown is left out."""
    parts = []
    in_definition = definition or layer.instance is not None
    if settings.params and not (in_definition and layer.param_count is None):
        parts.append(
            {"value": f"{number(layer.param_count, settings.numbers)} params", "tooltip": params_tooltip(layer)}
        )
    if settings.shapes and not (in_definition and not shapes.known(layer.output_shape)):
        arrow = " → " if parts else "→ "
        parts.append({"value": f"{arrow}{fmt(layer.output_shape)}", "tooltip": shape_tooltip(layer)})
    if settings.macs and not (in_definition and layer.macs is None):
        parts.append({"value": f"{' · ' if parts else ''}{si(layer.macs)} MACs", "tooltip": macs_tooltip(layer)})
    return parts


def macs_tooltip(layer: LayerResult) -> str:
    """``30 × 30 × 16 × 3 × 3 × 3 = 388,800 MACs`` and FLOPs, or why it is unknown."""
    if layer.macs is None:
        return "Unknown: an input size or argument is missing (see the diagnostics)."
    return f"{compute.mac_text(layer)}\n{compute.flops(layer.macs):,} FLOPs (2 × MACs), one sample"


def total_label(analysis: Analysis, settings: Settings) -> Json:
    tot = analysis.totals
    label = f"total {number(tot.params, settings.numbers)} params"
    if tot.params is not None and tot.trainable is not None and tot.trainable != tot.params:
        label += (
            f" ({number(tot.trainable, settings.numbers)} trainable, "
            f"{number(tot.non_trainable, settings.numbers)} non-trainable)"
        )
    tooltip = [f"{number(tot.params)} parameters"]
    if tot.size_mb is not None:
        tooltip.append(f"{tot.size_mb:,.2f} MB as {tot.dtype}")
    if tot.buffers:
        tooltip.append(f"{tot.buffers:,} buffer values (not parameters)")
    tooltip.append(f"input {fmt(analysis.input_shape)} → output {fmt(analysis.output_shape)}")
    if settings.macs:
        label += f" · {si(tot.macs)} MACs"
        tooltip.append(f"{number(tot.macs)} MACs, {number(tot.flops)} FLOPs (2 × MACs), one sample")
    return {"value": label, "tooltip": "\n".join(tooltip)}


def row_parts(layer: LayerResult, analysis: Analysis, settings: Settings) -> list[Json]:
    """An Ultralytics row: ``#3 P3/8 · 18,560 params → 64×80×80``. The index is always shown (it is what
    `from` counts); a row that outputs no single feature map (a head) shows no shape."""
    from ..render import ultralytics

    if layer.row is None:
        return []
    parts = label_parts(layer, settings)
    if layer.output_shape is None and layer.param_count is not None:
        parts = [p for p in parts if "→" not in p["value"]]
    first = {
        "value": ultralytics.index_label(layer, analysis.imgsz),
        "tooltip": ultralytics.index_tooltip(layer, analysis.imgsz),
    }
    if parts:
        value = parts[0]["value"]
        parts[0] = {**parts[0], "value": f" {value}" if value.startswith("→") else f" · {value}"}
    return [first, *parts]


def ultralytics_total_parts(analysis: Analysis, settings: Settings) -> list[Json]:
    """The model total on `backbone:`, with the scale it is built at."""
    total = total_label(analysis, settings)
    if analysis.scale is None:
        return [total]
    return [total, {"value": f" · scale {analysis.scale}", "tooltip": f"Built at scale {analysis.scale}, shapes at "
                    f"imgsz {analysis.imgsz}. Every scale's total: hover `scales:`."}]  # fmt: skip


@dataclass(slots=True)
class _Rendered:
    """A document's hints as one UTF-8 JSON array, sorted by line, with where each hint ends in it: the
    whole document is sent as it is, and a window is one slice of it."""

    lines: list[int]
    ends: list[int]  # byte offset just after each hint in `data`
    data: bytes

    @classmethod
    def of(cls, rendered: list[tuple[int, bytes]]) -> _Rendered:
        pieces = [piece for _, piece in rendered]
        ends, at = [], 1
        for piece in pieces:
            at += len(piece)
            ends.append(at)
            at += 1  # the comma
        return cls([line for line, _ in rendered], ends, b"[" + b",".join(pieces) + b"]")

    def between(self, start: int, end: int) -> bytes:
        first, last = bisect.bisect_left(self.lines, start), bisect.bisect_right(self.lines, end)
        if first == 0 and last == len(self.lines):
            return self.data
        if first >= last:
            return b"[]"
        begin = self.ends[first - 1] + 1 if first else 1
        return b"[" + self.data[begin : self.ends[last - 1]] + b"]"


def encoded_hints(entry: Entry, settings: Settings, start: int, end: int) -> Encoded:
    """The hints on lines start..end (inclusive) as the JSON of ``InlayHint`` objects. The whole
    document's are rendered once per version and settings, and windows are sliced from them."""
    if not entry.analysis.is_architecture:
        return Encoded(b"[]")
    key = ("hints", settings.params, settings.shapes, settings.totals, settings.numbers, settings.macs)
    whole: _Rendered | None = entry.renders.get(key)
    if whole is None and start <= 0 and end >= len(entry.lines) - 1:
        whole = entry.renders[key] = _Rendered.of(_render(entry, settings, 0, len(entry.lines) - 1))
    if whole is not None:
        return Encoded(whole.between(start, end))
    return Encoded(_Rendered.of(_render(entry, settings, start, end)).data)


def _dumps(value: Any) -> bytes:
    """UTF-8 JSON with its characters as they are (``×`` is 2 bytes instead of 6), unless the text holds
    lone surrogates (from a file that is not valid UTF-8), which only escapes can carry. Bytes at once:
    a whole document's hints held as text as well would double the memory they peak at."""
    try:
        return _encode(value).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


def _render(entry: Entry, settings: Settings, start: int, end: int) -> list[tuple[int, bytes]]:
    """(line, hint) on lines start..end, sorted by line; one hint per line, the first claim wins.

    The cyclic collector is paused meanwhile, as during an analysis: the dicts built here would
    trigger full collections over the analysis' objects, which cost more than building them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _placed_hints(entry, settings, start, end)
    finally:
        if collecting:
            gc.enable()


def _placed_hints(entry: Entry, settings: Settings, start: int, end: int) -> list[tuple[int, bytes]]:
    analysis = entry.analysis
    hints: dict[int, bytes] = {}  # each hint encoded at once: a whole document's dicts would take 100 MB

    def add(line: int, parts: list[Json]) -> None:
        if parts and line not in hints and start <= line <= end:
            at, character = entry.lines.end(line)
            position = b'{"position": {"line": %d, "character": %d}, "label": ' % (at, character)
            hints[line] = position + _dumps(parts) + b', "paddingLeft": true}'

    key = analysis.layers_key
    if analysis.dialect == "ultralytics":
        if settings.totals and key is not None:
            add(key.start_line, ultralytics_total_parts(analysis, settings))
        for layer in entry.tops_between(start, end):
            add(layer.line, row_parts(layer, analysis, settings))
        return sorted(hints.items(), key=lambda item: item[0])
    if settings.totals and key is not None:
        add(key.start_line, [total_label(analysis, settings)])
    for line, layer in entry.placed_between(start, end):
        add(line, label_parts(layer, settings))
    if analysis.blocks:
        uses = entry.first_uses()
        for name, span in analysis.blocks.items():
            if name in uses:
                add(span.start_line, label_parts(uses[name], settings, definition=True))
    return sorted(hints.items(), key=lambda item: item[0])
