"""Inlay hints: each layer's parameter count and output shape at the end of the line of its type.

``4,640 params → 32×28×28``: two label parts, each with a tooltip (the formula; the shape's
steps). Composites (block uses, Sequential, Repeat, Residual, Add, Multiply, Concat) show their
totals; layers inside a block definition show the counts of the block's first use, or nothing
where those depend on an unknown; the `layers:` key shows the model total. Only the requested
lines are rendered, from the cached analysis of the document's version.
"""

from __future__ import annotations

from lsprotocol import types

from ..engine import shapes
from ..engine.analysis import Analysis, LayerResult
from .config import Settings
from .documents import Entry


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
        lines += [f"{p.name} {shapes.fmt(p.shape)} = {p.numel:,}" for p in layer.params]
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
    lines.append(f"input {shapes.fmt(layer.input_shape)} → output {shapes.fmt(layer.output_shape)}")
    return "\n".join(lines)


def label_parts(layer: LayerResult, settings: Settings, definition: bool = False) -> list[types.InlayHintLabelPart]:
    """``definition``: shown in a block definition, where what depends on an unknown is left out."""
    parts = []
    in_definition = definition or layer.instance is not None
    if settings.params and not (in_definition and layer.param_count is None):
        parts.append(
            types.InlayHintLabelPart(
                value=f"{number(layer.param_count, settings.numbers)} params", tooltip=params_tooltip(layer)
            )
        )
    if settings.shapes and not (in_definition and not shapes.known(layer.output_shape)):
        arrow = " → " if parts else "→ "
        parts.append(
            types.InlayHintLabelPart(value=f"{arrow}{shapes.fmt(layer.output_shape)}", tooltip=shape_tooltip(layer))
        )
    return parts


def total_label(analysis: Analysis, settings: Settings) -> types.InlayHintLabelPart:
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
    tooltip.append(f"input {shapes.fmt(analysis.input_shape)} → output {shapes.fmt(analysis.output_shape)}")
    return types.InlayHintLabelPart(value=label, tooltip="\n".join(tooltip))


def inlay_hints(entry: Entry, settings: Settings, start: int, end: int) -> list[types.InlayHint]:
    """The hints on lines start..end (inclusive)."""
    analysis = entry.analysis
    if not analysis.is_architecture:
        return []
    hints: list[types.InlayHint] = []
    taken: set[int] = set()

    def add(line: int, parts: list[types.InlayHintLabelPart]) -> None:
        if parts and line not in taken and start <= line <= end:
            taken.add(line)
            hints.append(types.InlayHint(position=entry.lines.end_of_line(line), label=parts, padding_left=True))

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
    hints.sort(key=lambda h: h.position.line)
    return hints
