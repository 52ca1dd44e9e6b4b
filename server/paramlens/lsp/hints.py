"""Inlay hints: each layer's parameter count and output shape at the end of the line of its type.

``4,640 params → 32×28×28``: two label parts, each with a tooltip (the formula; the shape's
steps). Composites (block uses, Sequential, Repeat, Residual, Add, Multiply, Concat) show their
totals; layers inside a block definition show the counts of the block's first use, or nothing
where those depend on an unknown; the `layers:` key shows the model total. Only the requested
lines are rendered, from the cached analysis of the document's version.

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
from .config import Settings
from .documents import Entry

Json = dict[str, Any]
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


@dataclass(frozen=True, slots=True)
class Encoded:
    """A result already encoded as JSON text, which the server writes into its response as it is."""

    text: str


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
    if layer.children:
        parts = " + ".join(number(c.param_count) for c in layer.children)
        return f"{parts} = {layer.param_count:,}" if len(layer.children) > 1 else f"{layer.param_count:,}"
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
    return parts


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
    return {"value": label, "tooltip": "\n".join(tooltip)}


def inlay_hints(entry: Entry, settings: Settings, start: int, end: int) -> list[Json]:
    """The hints on lines start..end (inclusive), as JSON-ready ``InlayHint`` dicts."""
    if not entry.analysis.is_architecture:
        return []
    key = ("hints", settings.params, settings.shapes, settings.totals, settings.numbers)
    whole: tuple[list[int], list[Json]] | None = entry.renders.get(key)
    if whole is None and start <= 0 and end >= len(entry.lines) - 1:
        whole = entry.renders[key] = _unzip(_render(entry, settings, 0, len(entry.lines) - 1))
    if whole is not None:
        lines, hints = whole
        return hints[bisect.bisect_left(lines, start) : bisect.bisect_right(lines, end)]
    return _unzip(_render(entry, settings, start, end))[1]


def encoded_hints(entry: Entry, settings: Settings, start: int, end: int) -> Encoded:
    """``inlay_hints`` as JSON text; the whole document's is encoded once per version and settings."""
    if start > 0 or end < len(entry.lines) - 1:
        return Encoded(_dumps(inlay_hints(entry, settings, start, end)))
    key = ("hints-json", settings.params, settings.shapes, settings.totals, settings.numbers)
    text = entry.renders.get(key)
    if text is None:
        text = entry.renders[key] = _dumps(inlay_hints(entry, settings, start, end))
    return Encoded(text)


def _dumps(value: Any) -> str:
    """JSON with its characters as they are (``×`` is 2 bytes instead of 6), unless the text holds
    lone surrogates (from a file that is not valid UTF-8), which only escapes can carry."""
    text = _encode(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def _unzip(rendered: list[tuple[int, Json]]) -> tuple[list[int], list[Json]]:
    return [line for line, _ in rendered], [hint for _, hint in rendered]


def _render(entry: Entry, settings: Settings, start: int, end: int) -> list[tuple[int, Json]]:
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


def _placed_hints(entry: Entry, settings: Settings, start: int, end: int) -> list[tuple[int, Json]]:
    analysis = entry.analysis
    hints: dict[int, Json] = {}

    def add(line: int, parts: list[Json]) -> None:
        if parts and line not in hints and start <= line <= end:
            position = entry.lines.end_of_line(line)
            hints[line] = {
                "position": {"line": position.line, "character": position.character},
                "label": parts,
                "paddingLeft": True,
            }

    key = analysis.layers_key
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
