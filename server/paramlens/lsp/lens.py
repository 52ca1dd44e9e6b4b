"""Code lenses: the model total above `layers:` and each layer's count above it.

The same facts as the inlay hints, for clients that cannot show those: with the setting
``codeLens: "auto"`` lenses appear only when the client did not announce inlay-hint support.
They carry no action (an empty command id), only a title.
"""

from __future__ import annotations

from lsprotocol import types

from ..engine import shapes
from ..engine.analysis import Span
from ..render import compute
from .config import Settings
from .documents import Entry
from .hints import number

USE_SCALE = "paramlens.ultralytics.useScale"  # arguments: the document's uri and a scale letter


def wanted(settings: Settings, client_has_hints: bool) -> bool:
    return settings.code_lens == "on" or (settings.code_lens == "auto" and not client_has_hints)


def _lens(entry: Entry, span: Span, title: str) -> types.CodeLens:
    return types.CodeLens(range=entry.lines.range(span), command=types.Command(title=title, command=""))


def scale_lenses(entry: Entry, settings: Settings) -> list[types.CodeLens]:
    """On an Ultralytics file's `scales:`: one lens per scale with its total (``✓ n 3.16 M``, ``s 11.17 M``
    ...); choosing one builds the file at that scale (a command the server runs). They are actions, not a
    copy of the hints, so they show unless code lenses are off."""
    from ..render.ultralytics import scale_total

    analysis = entry.analysis
    if settings.code_lens == "off" or analysis.scales_key is None or not analysis.scales:
        return []
    out = []
    for letter, total in analysis.scales.items():
        built = letter == analysis.scale
        title = f"{'✓ ' if built else ''}{letter} {scale_total(total)}"
        command = types.Command(title=title, command=USE_SCALE, arguments=[entry.uri, letter])
        out.append(types.CodeLens(range=entry.lines.range(analysis.scales_key), command=command))
    return out


def code_lenses(entry: Entry, settings: Settings, counts: bool = True) -> list[types.CodeLens]:
    """``counts``: the counts' lenses too (for clients without inlay hints, or when asked for)."""
    analysis = entry.analysis
    if not analysis.is_architecture:
        return []
    out = scale_lenses(entry, settings)
    if not counts:
        return out
    macs = settings.macs  # inlayHints.macs: the lenses stand in for the hints
    if analysis.layers_key is not None:
        tot = analysis.totals
        title = f"total {number(tot.params, settings.numbers)} params"
        if tot.params is not None and tot.trainable is not None and tot.trainable != tot.params:
            title += f" ({number(tot.trainable, settings.numbers)} trainable)"
        if tot.size_mb is not None:
            title += f" · {tot.size_mb:,.2f} MB"
        if macs:
            title += f" · {compute.si(tot.macs)} MACs"
        out.append(_lens(entry, analysis.layers_key, title))
    for _line, layer in entry.placed():
        if layer.instance is not None and layer.param_count is None:
            continue
        title = f"{number(layer.param_count, settings.numbers)} params → {shapes.fmt(layer.output_shape)}"
        if macs:
            title += f" · {compute.si(layer.macs)} MACs"
        out.append(_lens(entry, layer.type_span, title))
    return out
