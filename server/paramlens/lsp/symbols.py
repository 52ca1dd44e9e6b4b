"""Document symbols: an outline of the model, nested as the layers are, each with its counts.

`layers` holds the layer tree (composites contain their parts); `blocks` holds each block
definition with the layers of its first use. Results from imported files are left out: they are
not in this document. Clients without hierarchical symbols get the same list flattened.
"""

from __future__ import annotations

from lsprotocol import types

from ..engine import shapes
from ..engine.analysis import LayerResult, Span
from ..render import compute
from .documents import Entry
from .hints import number

KINDS = {
    "layer": types.SymbolKind.Field,
    "block": types.SymbolKind.Module,
    "sequential": types.SymbolKind.Namespace,
    "repeat": types.SymbolKind.Array,
    "residual": types.SymbolKind.Struct,
    "add": types.SymbolKind.Struct,
    "multiply": types.SymbolKind.Struct,
    "concat": types.SymbolKind.Struct,
    "branch": types.SymbolKind.Array,
}


def _union(a: Span, b: Span) -> Span:
    start = min((a.start_line, a.start_char), (b.start_line, b.start_char))
    end = max((a.end_line, a.end_char), (b.end_line, b.end_char))
    return Span(start[0], start[1], end[0], end[1])


def _inside(inner: Span, outer: Span) -> bool:
    return (outer.start_line, outer.start_char) <= (inner.start_line, inner.start_char) and (
        inner.end_line,
        inner.end_char,
    ) <= (outer.end_line, outer.end_char)


def _trim(entry: Entry, span: Span) -> Span:
    """PyYAML ends a block node where the next token starts (the next item's indentation): end it
    on the last line that holds some of it instead."""
    line, char = span.end_line, span.end_char
    while line > span.start_line and not entry.lines.text(line)[:char].strip(" -"):
        line -= 1
        char = len(entry.lines.text(line))
    return Span(span.start_line, span.start_char, line, char)


def detail(layer: LayerResult) -> str:
    """``448 params → 16×30×30 · 388.8 K MACs``."""
    return f"{number(layer.param_count)} params → {shapes.fmt(layer.output_shape)} · {compute.si(layer.macs)} MACs"


def _symbol(entry: Entry, layer: LayerResult) -> types.DocumentSymbol:
    span = _trim(entry, _union(layer.span, layer.type_span))
    # a block use's layers are written in the block's definition, never inside the use
    below = layer.children if layer.category != "block" else ()
    children = [
        _symbol(entry, c)
        for c in below
        if not c.foreign and _inside(_trim(entry, _union(c.span, c.type_span)), span)
    ]
    name = layer.type + (f" '{layer.name}'" if layer.name else "")
    if layer.repeat is not None:
        name += f" ×{layer.repeat:,}"
    return types.DocumentSymbol(
        name=name,
        kind=KINDS.get(layer.category, types.SymbolKind.Field),
        range=entry.lines.range(span),
        selection_range=entry.lines.range(layer.type_span),
        detail=detail(layer),
        children=children or None,
    )


def document_symbols(entry: Entry) -> list[types.DocumentSymbol]:
    analysis = entry.analysis
    if not analysis.is_architecture:
        return []
    out = []

    def key_symbol(name: str, kind: types.SymbolKind, key: Span, detail: str) -> types.DocumentSymbol:
        where = entry.lines.range(key)
        return types.DocumentSymbol(name=name, kind=kind, range=where, selection_range=where, detail=detail)

    if analysis.name_key is not None and analysis.name:
        out.append(key_symbol("name", types.SymbolKind.String, analysis.name_key, analysis.name))
    if analysis.input_key is not None:
        out.append(key_symbol("input", types.SymbolKind.Array, analysis.input_key, shapes.fmt(analysis.input_shape)))
    if analysis.blocks:
        uses = entry.first_uses()
        blocks = []
        for name, key in analysis.blocks.items():
            use = uses.get(name)
            children = [_symbol(entry, c) for c in use.children if not c.foreign] if use else []
            span = key
            for c in use.children if use else []:
                span = _union(span, _trim(entry, _union(c.span, c.type_span)))
            blocks.append(
                types.DocumentSymbol(
                    name=name,
                    kind=types.SymbolKind.Class,
                    range=entry.lines.range(span),
                    selection_range=entry.lines.range(key),
                    detail=detail(use) if use else "not used",
                    children=children or None,
                )
            )
        first, last = blocks[0].range.start, blocks[-1].range.end
        out.append(
            types.DocumentSymbol(
                name="blocks",
                kind=types.SymbolKind.Namespace,
                range=types.Range(start=first, end=last),
                selection_range=blocks[0].selection_range,
                children=blocks,
                detail=f"{len(blocks)} block{'s' if len(blocks) != 1 else ''}",
            )
        )
    if analysis.layers_key is not None:
        key = analysis.layers_key
        layers = [_symbol(entry, layer) for layer in analysis.layers if not layer.foreign]
        span = key
        for layer in analysis.layers:
            span = _union(span, _trim(entry, _union(layer.span, layer.type_span)))
        out.append(
            types.DocumentSymbol(
                name="layers",
                kind=types.SymbolKind.Namespace,
                range=entry.lines.range(span),
                selection_range=entry.lines.range(key),
                detail=f"{number(analysis.totals.params)} params → {shapes.fmt(analysis.output_shape)}"
                + f" · {compute.si(analysis.totals.macs)} MACs",
                children=layers or None,
            )
        )
    return out


def flatten(
    uri: str, symbols: list[types.DocumentSymbol], container: str | None = None
) -> list[types.SymbolInformation]:
    out = []
    for s in symbols:
        out.append(
            types.SymbolInformation(
                name=s.name, kind=s.kind, location=types.Location(uri=uri, range=s.range), container_name=container
            )
        )
        out += flatten(uri, list(s.children or []), s.name)
    return out
