"""Compute and memory as the views show them: MACs, FLOPs, bytes and receptive fields in words.

Rendering only: the numbers are the engine's (``LayerResult.macs``/``mac_formula``/``activations``,
``Totals``, ``Analysis.fields``; docs/compute.md has the definitions). The engine counts one sample;
the views scale MACs and bytes by the batch they show (every dense product is per sample) and say so.
"""

from __future__ import annotations

from typing import Any

from ..engine import shapes
from ..engine.analysis import Analysis, LayerResult, Totals
from ..engine.compute import GLOBAL, Field

# where MACs appear, once: the definitions the issue asks to print beside them
DEFINITION = (
    "MACs: multiply-accumulates of the dense products (conv, linear, matmul, RNN gates, attention)",
    "of one forward pass; not bias, norms, activations, pooling. FLOPs = 2 × MACs (FlopCounterMode, meta).",
)
_PREFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


def si(n: int | None, unit: str = "") -> str:
    """``388.8 K``, ``1.82 G``, ``64``: four significant digits with an SI prefix (K = 10³), trailing
    zeros dropped; exact below 1,000; ``?`` when unknown. Bytes take the same prefixes (``57.6 KB``)."""
    if n is None:
        return "?"
    for scale, prefix in _PREFIXES:
        if abs(n) >= scale:
            value = n / scale
            digits = max(0, 4 - len(str(int(abs(value)))))
            text = f"{value:.{digits}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return f"{text} {prefix}{unit}"
    return f"{n} {unit}".rstrip() if unit else str(n)


def scaled(n: int | None, batch: int) -> int | None:
    return None if n is None else n * batch


def flops(macs: int | None) -> int | None:
    """FLOPs = 2 × MACs, by definition (docs/compute.md)."""
    return None if macs is None else 2 * macs


def output_bytes(layer: LayerResult, totals: Totals, batch: int = 1) -> int | None:
    """The bytes of the layer's output tensor at ``batch``: ``numel × element size`` of the dtype."""
    n = shapes.numel(layer.output_shape)
    return None if n is None else n * totals.bytes_per_param * batch


def saved_bytes(totals: Totals, batch: int = 1) -> int | None:
    """The training estimate of what backward keeps: per sample × batch, plus the batch-independent part."""
    return None if totals.saved is None else totals.saved * batch + totals.saved_fixed


def field_map(analysis: Analysis) -> dict[int, Field | str | None]:
    """Every layer's receptive field by ``id`` (one fold of the analysis). A layer object met at two
    places with different fields maps to None (unknown) rather than to either."""
    out: dict[int, Field | str | None] = {}
    for layer, field in analysis.fields.walk():
        key = id(layer)
        if key in out and out[key] != field:
            field = None
        out[key] = field
    return out


def field_json(field: Field | str | None) -> Any:
    """``{"size": [18, 18], "stride": [14, 14]}``, ``"global"`` or None."""
    if field == GLOBAL:
        return GLOBAL
    if not isinstance(field, Field):
        return None
    return {"size": list(field.size), "stride": list(field.jump)}


def field_text(field: Field | str | None, long: bool = False) -> str:
    """``18×18``; ``long``: ``18×18 px, jump 14×14, centre of output 0 at (8.5, 8.5)``; ``global``; ``?``."""
    if field == GLOBAL:
        return "global (the whole input)" if long else "global"
    if not isinstance(field, Field):
        return "not a fixed window (it depends on the position, or an input size is unknown)" if long else "?"
    size = "×".join(str(r) for r in field.size)
    if not long:
        return size
    jump = "×".join(str(j) for j in field.jump)
    centre = ", ".join(f"{c / 2:g}" for c in field.centre2)
    return f"{size} px, jump {jump}, centre of output 0 at ({centre})"


def mac_text(layer: LayerResult) -> str:
    """``30 × 30 × 16 × 3 × 3 × 3 = 388,800 MACs``, ``0 MACs`` or ``? MACs`` (unknown)."""
    formula = layer.mac_formula
    if formula is not None and layer.category == "layer" and formula.numeric != str(formula.value):
        return f"{formula.numeric} = {formula.value:,} MACs"
    return "? MACs" if layer.macs is None else f"{layer.macs:,} MACs"
