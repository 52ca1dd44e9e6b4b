"""Hover: on a layer (its type or any of its arguments), what it costs and why; on `layers:` or
`name:`, the model summary; on a block's name in `blocks:`, the table of its first use.

Markdown when the client accepts it, plain text otherwise; the text itself is built by
``paramlens.render.hover`` from the cached analysis.
"""

from __future__ import annotations

from lsprotocol import types

from ..render import hover as render
from .documents import Entry


def hover(entry: Entry, position: types.Position, markdown: bool) -> types.Hover | None:
    analysis = entry.analysis
    if not analysis.is_architecture or not entry.lines.contains(position):
        return None
    line, char = entry.lines.from_client(position)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    for key in (analysis.layers_key, analysis.name_key):
        if key is not None and key.contains(line, char):
            return types.Hover(
                contents=types.MarkupContent(kind=kind, value=render.model_hover(analysis, markdown)),
                range=entry.lines.range(key),
            )
    for name, span in analysis.blocks.items():
        if span.contains(line, char):
            text = render.block_definition_hover(name, entry.first_uses().get(name), markdown)
            return types.Hover(contents=types.MarkupContent(kind=kind, value=text), range=entry.lines.range(span))
    layer = entry.layer_at(line, char)
    if layer is None:
        return None
    span = layer.type_span if layer.type_span.contains(line, char) else None
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=render.layer_hover(layer, markdown)),
        range=entry.lines.range(span) if span else None,
    )
