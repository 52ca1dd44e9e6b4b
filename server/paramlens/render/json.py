"""The JSON summary: ``paramlens summary --json`` and the language server's ``paramlens/summary``.

A public interface, documented field by field in docs/json-output.md: add fields, never rename or
remove one without raising ``FORMAT_VERSION``. Lines and columns are 1-based (columns count code
points); ``end_column`` is exclusive. Unknown values are ``null``, never guessed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..engine import shapes
from ..engine.analysis import Analysis, Argument, Diagnostic, LayerResult, RowInfo, Severity, Span, Tensor, Totals
from . import compute

FORMAT_VERSION = 1


def to_json(analysis: Analysis, depth: int | None = None, batch: int = 1) -> dict[str, Any]:
    """The analysis as JSON-ready data; ``depth`` folds composites below that nesting level
    (1: top-level layers only), keeping their totals; compute and memory at ``batch`` samples."""
    totals = analysis.totals
    view = _View(depth, batch, totals, compute.field_map(analysis))
    extra: dict[str, Any] = {"dialect": analysis.dialect}
    if analysis.dialect == "ultralytics":
        extra.update(scale=analysis.scale, imgsz=analysis.imgsz, scales=analysis.scales)
    return {
        "format_version": FORMAT_VERSION,
        **extra,
        "name": analysis.name,
        "input_shape": shapes.as_list(analysis.input_shape),
        "output_shape": shapes.as_list(analysis.output_shape),
        "total_params": totals.params,
        "trainable_params": totals.trainable,
        "non_trainable_params": totals.non_trainable,
        "buffers": totals.buffers,
        "dtype": totals.dtype,
        "size_bytes": totals.size_bytes,
        "batch": batch,
        "macs": compute.scaled(totals.macs, batch),
        "flops": compute.flops(compute.scaled(totals.macs, batch)),
        "activation_bytes": compute.scaled(totals.activation_bytes, batch),
        "saved_bytes_estimate": compute.saved_bytes(totals, batch),
        "layers": [_layer(layer, view, 1) for layer in analysis.layers],
        "diagnostics": [_diagnostic(d) for d in analysis.diagnostics],
        "errors": sum(1 for d in analysis.diagnostics if d.severity == Severity.ERROR),
        "blocks": list(analysis.blocks),
        "imports": list(analysis.imports),
    }


class _View(NamedTuple):
    depth: int | None
    batch: int
    totals: Totals
    fields: dict[int, Any]  # every layer's receptive field, by id


def _compute(layer: LayerResult, view: _View) -> dict[str, Any]:
    macs = compute.scaled(layer.macs, view.batch)
    formula = layer.mac_formula
    return {
        "macs": macs,
        "flops": compute.flops(macs),
        "mac_formula": formula.text() if formula is not None and layer.category == "layer" else None,
        "output_bytes": compute.output_bytes(layer, view.totals, view.batch),
        "receptive_field": compute.field_json(view.fields.get(id(layer))),
    }


def _layer(layer: LayerResult, view: _View, level: int) -> dict[str, Any]:
    params, trainable = layer.param_count, layer.trainable_count
    folded = view.depth is not None and level >= view.depth
    row = {} if layer.row is None else _row(layer.row)
    return {
        "index": ".".join(str(p) for p in layer.path),
        "type": layer.type,
        "written_type": layer.written_type,
        "category": layer.category,
        "name": layer.name,
        **(_position(None) if layer.foreign else _position(layer.span)),
        "params": params,
        "trainable_params": trainable,
        "non_trainable_params": None if params is None or trainable is None else params - trainable,
        "buffers": layer.buffer_count,
        "input_shape": shapes.as_list(layer.input_shape),
        "output_shape": shapes.as_list(layer.output_shape),
        "formula": layer.formula.text() if layer.formula else None,
        **_compute(layer, view),
        "tensors": [_tensor(t) for t in layer.params],
        "buffer_tensors": [{"name": t.name, "shape": list(t.shape), "numel": t.numel} for t in layer.buffers],
        "arguments": {name: _argument(arg) for name, arg in layer.arguments.items()},
        "repeat": layer.repeat,
        "instance": layer.instance,
        "foreign": layer.foreign,
        "children": [] if folded else [_layer(child, view, level + 1) for child in layer.children],
        **row,
    }


def _row(row: RowInfo) -> dict[str, Any]:
    """What an Ultralytics row adds: its index, `from` and `n`, and what Ultralytics prints for it."""
    return {
        "row": row.index,
        "from": row.from_,
        "repeats": row.repeats,
        "module": row.module or None,
        "arguments": None if row.arguments is None else _value(row.arguments),
        "arguments_text": row.arguments_text if row.arguments is not None else None,
    }


def _position(span: Span | None) -> dict[str, int | None]:
    if span is None:
        return {"line": None, "column": None, "end_line": None, "end_column": None}
    return {
        "line": span.start_line + 1,
        "column": span.start_char + 1,
        "end_line": span.end_line + 1,
        "end_column": span.end_char + 1,
    }


def _tensor(tensor: Tensor) -> dict[str, Any]:
    return {"name": tensor.name, "shape": list(tensor.shape), "numel": tensor.numel, "trainable": tensor.trainable}


def _argument(arg: Argument) -> dict[str, Any]:
    source = arg.origin.layer or "the model input" if arg.origin.how == "inferred" else None
    return {"value": _value(arg.value), "origin": arg.origin.how, "from": source}


def _value(value: Any) -> Any:
    """Argument values as JSON: tuples become lists; anything exotic becomes its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    return str(value)


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "severity": d.severity.label,
        "code": d.code,
        "message": d.message,
        **_position(d.span),
        "related": [{"message": r.message, **_position(r.span)} for r in d.related],
        "fixes": [{"title": f.title, "action": f.action, "text": f.text, **_position(f.span)} for f in d.fixes],
    }
