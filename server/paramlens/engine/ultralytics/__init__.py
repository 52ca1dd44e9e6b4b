"""The Ultralytics front-end: YOLO model files (`nc`, `scales`, `backbone` and `head` rows) read as
Ultralytics 8.4.190 builds them, into the same ``Analysis`` the native format yields.

``looks_like`` recognises a file by its content; ``analyse`` reads the header (scale, multipliers,
activation), builds the rows at the chosen scale with shapes at ``imgsz``, adds every scale's total,
and checks the `from` indices against the previous version (the index-shift fix, stale.py).
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import PurePath
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .. import collector, compute
from ..analysis import Analysis, Diagnostic, Severity, Span, Totals
from ..source import Parsed, node_span
from . import modules  # noqa: F401  (registers the modules)
from .rows import Row, read_rows, top_keys, value
from .stale import Memo, check_shift
from .walk import Header, build

DEFAULT_IMGSZ = 640
_SCALE = re.compile(r"yolo(e-)?[v]?\d+([nslmx])")
_ACT = re.compile(r"^(?:torch\.)?nn\.([A-Za-z0-9_]+)\((.*)\)$", re.S)
_TOP = ("nc", "scales", "depth_multiple", "width_multiple", "activation", "end2end", "reg_max", "kpt_shape",
        "backbone", "head", "channels", "ch", "scale", "yaml_file", "text_model", "inplace", "download")  # fmt: skip
_WORD = re.compile(r"^(?:backbone|head)\s*:", re.MULTILINE)


def looks_like(root: Node | None) -> bool:
    """A mapping with `backbone` or `head` as a list (of rows), and no native `layers`/`blocks`."""
    if not isinstance(root, MappingNode):
        return False
    keys = {k.value for k, _v in root.value if isinstance(k, ScalarNode)}
    if "layers" in keys or "blocks" in keys:
        return False
    for k, v in root.value:
        if isinstance(k, ScalarNode) and k.value in ("backbone", "head"):
            if isinstance(v, SequenceNode) and (not v.value or isinstance(v.value[0], SequenceNode)):
                return True
            if "backbone" in keys and "head" in keys:  # both keys, broken: still ours to diagnose
                return True
    return False


def looks_like_text(text: str) -> bool:
    """For text that does not parse: top-level `backbone:` and `head:` keys."""
    return len(set(m.group().split(":")[0].strip() for m in _WORD.finditer(text))) == 2


def guess_scale(key: str | None) -> str:
    """Ultralytics' guess_model_scale: the letter after the version in the file name, or ''."""
    if not key:
        return ""
    m = _SCALE.search(PurePath(key).stem)
    return m.group(2) if m else ""


def analyse(parsed: Parsed, text: str, key: str | None = None, scale: str | None = None,
            imgsz: int | None = None, memo: Any = None) -> Analysis:  # fmt: skip
    analysis = Analysis(is_architecture=True, diagnostics=list(parsed.diagnostics))
    analysis.dialect = "ultralytics"
    imgsz = DEFAULT_IMGSZ if imgsz is None else imgsz
    analysis.imgsz = imgsz
    analysis.input_shape = (3, imgsz, imgsz)
    root = parsed.root
    if not isinstance(root, MappingNode):
        return analysis
    top = top_keys(root)
    diagnostics: list[Diagnostic] = []
    for section, other in (("backbone", "head"), ("head", "backbone")):
        if section not in top and other in top:
            diagnostics.append(Diagnostic(
                "missing-section", Severity.ERROR,
                f"This model has no `{section}:`. Ultralytics reads d['backbone'] + d['head'] and fails with "
                f"KeyError: '{section}'. Add `{section}:` with its rows.", node_span(top[other][0]),
            ))  # fmt: skip
    if "backbone" in top:
        analysis.layers_key = node_span(top["backbone"][0])
    header, scales = _header(top, key, scale, diagnostics)
    rows, problems = read_rows(top)
    diagnostics += [Diagnostic(p.code, Severity.ERROR, p.message, p.span) for p in problems]
    analysis.scale = header.scale or None if scales else None
    built = build(rows, header, imgsz, text=text)
    diagnostics += built.diagnostics
    analysis.layers = built.results
    analysis.output_shape = built.output
    missing = any(s not in top for s in ("backbone", "head"))
    total = None if missing else built.total
    trainable = None if total is None else total - sum(
        (r.param_count or 0) - (r.trainable_count or 0) for r in built.results
    )
    buffers = None if any(r.buffer_count is None for r in built.results) else sum(
        r.buffer_count for r in built.results  # type: ignore[misc]
    )
    non_trainable = None if total is None else total - trainable  # type: ignore[operator]
    # compute: the rows' MACs and activations added up (None where one is unknown); what training keeps for
    # backward is not estimated for this dialect (None: unknown, never a 0 that would look exact)
    macs = None if missing else compute.total(r.macs for r in built.results)
    activations = None if missing else compute.total(r.activations for r in built.results)
    analysis.totals = Totals(total, trainable, non_trainable, buffers, macs=macs, activations=activations, saved=None)
    if scales:
        analysis.scales_key = node_span(top["scales"][0])
        analysis.scales = partial(_scale_totals, rows, header, scales, imgsz, total, missing)
    analysis.memo, shift = check_shift(memo, rows, text)
    if shift:  # what a stale index breaks (a Concat of two sizes, a reach past the row) is said by it
        places = {d.span for d in shift}
        diagnostics = [d for d in diagnostics if d.span not in places] + shift
    analysis.diagnostics += diagnostics
    analysis.diagnostics.sort(key=lambda d: (d.span.start_line, d.span.start_char))
    return analysis


def _scale_totals(rows: list[Row], header: Header, scales: dict[str, tuple[float, float, float]], imgsz: int,
                  total: int | None, missing: bool) -> dict[str, int | None]:  # fmt: skip
    """Each scale's total: the one analysed, and the others built for their counts only (with the collector
    paused, as for the analysis)."""
    totals: dict[str, int | None] = {}
    with collector.paused():
        for letter, (depth, width, max_channels) in scales.items():
            if letter == header.scale or missing:
                totals[letter] = None if missing else total
            else:
                other = header._replace(scale=letter, depth=depth, width=width, max_channels=max_channels)
                totals[letter] = build(rows, other, imgsz, quiet=True).total
    return totals


def _header(top: dict[str, tuple[Node, Node]], key: str | None, scale: str | None,
            diagnostics: list[Diagnostic]) -> tuple[Header, dict[str, tuple[float, float, float]]]:  # fmt: skip
    def get(name: str, default: Any = None) -> Any:
        if name not in top:
            return default
        try:
            v = value(top[name][1])
        except Exception:  # a tag or a huge value: reported by the rows' reader too
            return default
        return None if v == "None" else v

    def bad(name: str, message: str) -> None:
        diagnostics.append(Diagnostic("invalid-value", Severity.ERROR, message, node_span(top[name][1])))

    nc = get("nc")
    depth, width, max_channels = get("depth_multiple", 1.0), get("width_multiple", 1.0), float("inf")
    scales: dict[str, tuple[float, float, float]] = {}
    raw = get("scales")
    if raw is not None:
        if not isinstance(raw, dict) or not raw:
            bad("scales", "scales maps each scale letter to [depth, width, max_channels], e.g. n: [0.33, 0.25, 1024].")
        else:
            for letter, numbers in raw.items():
                if isinstance(numbers, list) and len(numbers) == 3 and all(map(_positive, numbers)):
                    scales[letter] = (numbers[0], numbers[1], numbers[2])
                else:
                    bad("scales", f"scale {letter!r} must be [depth, width, max_channels] (three positive numbers).")
    letter = scale or guess_scale(key)
    if scales:
        if not letter:
            letter = next(iter(scales))
        if letter not in scales:
            span = node_span(top["scales"][0])
            diagnostics.append(Diagnostic(
                "invalid-value", Severity.ERROR,
                f"The scale is {letter!r} (from {'--scale' if scale else 'the file name'}), but scales has only "
                f"{', '.join(scales)}: Ultralytics fails with KeyError: '{letter}'. Add it, or rename the file.", span,
            ))  # fmt: skip
            letter = next(iter(scales))
        depth, width, max_channels = scales[letter]
    for name, v in (("depth_multiple", depth), ("width_multiple", width)):
        if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
            bad(name, f"{name} must be a positive number.")
            depth, width = 1.0, 1.0
    act: tuple[str, dict[str, Any]] | None = ("SiLU", {})
    spec = get("activation")
    if spec:
        act = _activation(spec)
        if act is None:
            diagnostics.append(Diagnostic(
                "unsupported-module", Severity.WARNING,
                f"paramlens cannot read the activation {spec!r} (it reads nn.Name(...) with number arguments, "
                "e.g. nn.ReLU() or nn.LeakyReLU(0.1)): the counts are unknown (?).", node_span(top["activation"][1]),
            ))  # fmt: skip
    header = Header(nc, depth, width, max_channels, letter, act, get("end2end"), get("reg_max", 16),
                    get("kpt_shape", 1.0))  # fmt: skip
    return header, scales


def _positive(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v > 0


def _activation(spec: Any) -> tuple[str, dict[str, Any]] | None:
    """`nn.LeakyReLU(0.1)` as a kind and its arguments (positional numbers, or name=number)."""
    from .. import registry

    if not isinstance(spec, str):
        return None
    m = _ACT.match(spec.strip())
    if m is None:
        return None
    kind = registry.KINDS.get(m.group(1))
    if kind is None or kind.torch != m.group(1) or kind.family != "activation":
        return None
    values: dict[str, Any] = {}
    inner = m.group(2).strip()
    if inner:
        import ast

        try:
            call = ast.parse(f"f({inner})", mode="eval").body
        except SyntaxError:
            return None
        if not isinstance(call, ast.Call):
            return None
        try:
            for arg, node in zip(kind.args, call.args, strict=False):
                values[arg.name] = ast.literal_eval(node)
            for kw in call.keywords:
                if kw.arg is None or kind.arg(kw.arg) is None:
                    return None
                values[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            return None
        if len(call.args) > len(kind.args):
            return None
    for name, raw in list(values.items()):
        coerced, error = registry.coerce(kind.arg(name), raw, kind.spatial)  # type: ignore[arg-type]
        if error is not None:
            return None
        values[name] = coerced
    return kind.name, values


__all__ = ["Memo", "Span", "analyse", "guess_scale", "looks_like", "looks_like_text"]
