"""Code lenses: the model total above `layers:` and each layer's count above it.

The same facts as the inlay hints, for clients that cannot show those: with the setting
``codeLens: "auto"`` lenses appear only when the client did not announce inlay-hint support.
They carry no action (an empty command id), only a title.
"""

from __future__ import annotations

from lsprotocol import types

from ..engine import shapes
from ..engine.analysis import Span
from .config import Settings
from .documents import Entry
from .hints import number


def wanted(settings: Settings, client_has_hints: bool) -> bool:
    return settings.code_lens == "on" or (settings.code_lens == "auto" and not client_has_hints)


def _lens(entry: Entry, span: Span, title: str) -> types.CodeLens:
    return types.CodeLens(range=entry.lines.range(span), command=types.Command(title=title, command=""))


def code_lenses(entry: Entry, settings: Settings) -> list[types.CodeLens]:
    analysis = entry.analysis
    if not analysis.is_architecture:
        return []
    out = []
    if analysis.layers_key is not None:
        tot = analysis.totals
        title = f"total {number(tot.params, settings.numbers)} params"
        if tot.params is not None and tot.trainable is not None and tot.trainable != tot.params:
            title += f" ({number(tot.trainable, settings.numbers)} trainable)"
        if tot.size_mb is not None:
            title += f" · {tot.size_mb:,.2f} MB"
        out.append(_lens(entry, analysis.layers_key, title))
    for _line, layer in entry.placed():
        if layer.instance is not None and layer.param_count is None:
            continue
        title = f"{number(layer.param_count, settings.numbers)} params → {shapes.fmt(layer.output_shape)}"
        out.append(_lens(entry, layer.type_span, title))
    return out
