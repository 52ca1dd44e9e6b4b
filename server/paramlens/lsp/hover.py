"""Hover: on a layer (its type or any of its arguments), what it costs and why; on `layers:` or
`name:`, the model summary; on a block's name in `blocks:`, the table of its first use.

Markdown when the client accepts it, plain text otherwise; the text itself is built by
``paramlens.render.hover`` from the cached analysis.
"""

from __future__ import annotations

from lsprotocol import types

from ..engine.analysis import LayerResult, Span
from ..render import hover as render
from .documents import Entry, uri_path


def hover(entry: Entry, position: types.Position, markdown: bool) -> types.Hover | None:
    analysis = entry.analysis
    if not analysis.is_architecture or not entry.lines.contains(position):
        return None
    line, char = entry.lines.from_client(position)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    if analysis.dialect == "ultralytics":
        return ultralytics_hover(entry, line, char, markdown)
    for key in (analysis.layers_key, analysis.name_key):
        if key is not None and key.contains(line, char):
            return types.Hover(
                contents=types.MarkupContent(kind=kind, value=render.model_hover(analysis, markdown)),
                range=entry.lines.range(key),
            )
    for name, span in analysis.blocks.items():
        if span.contains(line, char):
            text = render.block_definition_hover(name, entry.first_uses().get(name), analysis, markdown)
            return types.Hover(contents=types.MarkupContent(kind=kind, value=text), range=entry.lines.range(span))
    layer = entry.layer_at(line, char)
    if layer is None:
        return None
    span = layer.type_span if layer.type_span.contains(line, char) else None
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=render.layer_hover(layer, analysis, markdown)),
        range=entry.lines.range(span) if span else None,
    )


def shows_scales(entry: Entry, position: types.Position) -> bool:
    """Whether the hover at ``position`` shows every scale's total (on `scales:` or `backbone:`)."""
    analysis = entry.analysis
    if analysis.scales_ready or not entry.lines.contains(position):
        return False
    line, char = entry.lines.from_client(position)
    return any(key is not None and key.contains(line, char) for key in (analysis.scales_key, analysis.layers_key))


def ultralytics_hover(entry: Entry, line: int, char: int, markdown: bool) -> types.Hover | None:
    """An Ultralytics file: a `from` index (the row it names), a row (its count, arguments, c1, sub-modules),
    `scales:` (every scale's total) or `backbone:` (the model summary)."""
    from ..render import ultralytics

    analysis = entry.analysis
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText

    def answer(text: str, span: Span | None) -> types.Hover:
        return types.Hover(
            contents=types.MarkupContent(kind=kind, value=text), range=entry.lines.range(span) if span else None
        )

    if analysis.scales_key is not None and analysis.scales_key.contains(line, char) and analysis.scales:
        return answer(ultralytics.scales_hover(analysis, scale_reason(entry), markdown), analysis.scales_key)
    if analysis.layers_key is not None and analysis.layers_key.contains(line, char):
        return answer(ultralytics.model_hover(analysis, markdown), analysis.layers_key)
    layer = entry.row_at(line, char)
    if layer is None or layer.row is None:
        return None
    hit = from_index_at(layer, line, char)
    if hit is not None:
        return answer(ultralytics.from_hover(analysis, layer, hit, markdown), layer.row.from_spans[hit])
    n_span = layer.row.n_span
    written = entry.lines.text(n_span.start_line)[n_span.start_char : n_span.end_char] if n_span else None
    span = layer.type_span if layer.type_span.contains(line, char) else None
    return answer(ultralytics.row_hover(analysis, layer, written, markdown), span)


def from_index_at(layer: LayerResult, line: int, char: int) -> int | None:
    """Which index of the row's `from` the position is on (None: not on one)."""
    if layer.row is None:
        return None
    for k, span in enumerate(layer.row.from_spans):
        if span.contains(line, char):
            return k
    return None


def scale_reason(entry: Entry) -> str:
    """Why the file is built at its scale, in words."""
    from ..engine.ultralytics import guess_scale

    analysis = entry.analysis
    if entry.scale_choice is not None:
        how, letter = entry.scale_choice
        if letter == analysis.scale:
            return "chosen with a lens on `scales:`" if how == "lens" else "the setting paramlens.ultralytics.scale"
    path = uri_path(entry.uri)
    guessed = guess_scale(path)
    if guessed and guessed == analysis.scale:
        return f"the letter in the file name, as Ultralytics' guess_model_scale reads it ({guessed})"
    return "the first key of `scales:`, as Ultralytics builds a file whose name has no scale letter"
